// Uruguay's health ministry for the pilot: answers uy.msp.v1.HistoriaClinicaService, Uruguay's own
// schema (cédula with check digit, dates AAAAMMDD, local lists of medicines, diagnoses, allergens
// and vaccines), with patient summaries of 2,000 synthetic patients made the same every time by a
// seeded generator. The first patient is the one the pilot's scenarios ask about; a free-text note
// of theirs mentions a Brazilian CPF, which the gateway must catch.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "national/uy/msp/v1/historia_clinica.grpc.pb.h"
#include "pilots/pilot_server.h"
#include "pilots/synthetic.h"

namespace {

using uy::msp::v1::ObtenerResumenRequest;
using uy::msp::v1::ObtenerResumenResponse;
using uy::msp::v1::ResumenPaciente;

constexpr int kPatients = 2000;
constexpr uint64_t kSeed = 20260202;

// Codes of the local lists, as in policies/mappings/tables (uy-*.yaml).
const std::vector<std::pair<std::string, std::string>>& Medicines() {
  static const std::vector<std::pair<std::string, std::string>> kItems{
      {"UYM-0001", "Paracetamol 500 mg comprimidos"},
      {"UYM-0003", "Ibuprofeno 400 mg comprimidos"},
      {"UYM-0012", "Metformina 850 mg comprimidos"},
      {"UYM-0015", "Enalapril 10 mg comprimidos"},
      {"UYM-0016", "Losartán 50 mg comprimidos"},
      {"UYM-0017", "Amlodipina 5 mg comprimidos"},
      {"UYM-0023", "Atorvastatina 20 mg comprimidos"},
      {"UYM-0025", "Ácido acetilsalicílico 100 mg comprimidos"},
      {"UYM-0028", "Omeprazol 20 mg cápsulas"},
      {"UYM-0030", "Levotiroxina 100 mcg comprimidos"},
      {"UYM-0032", "Salbutamol inhalador 100 mcg/dosis"},
      {"UYM-0035", "Sertralina 50 mg comprimidos"}};
  return kItems;
}

const std::vector<std::pair<std::string, std::string>>& Diagnoses() {
  static const std::vector<std::pair<std::string, std::string>> kItems{
      {"DX-001", "Hipertensión arterial esencial"},
      {"DX-002", "Diabetes mellitus tipo 2 sin complicaciones"},
      {"DX-004", "Asma"},
      {"DX-011", "Hipotiroidismo"},
      {"DX-012", "Hipercolesterolemia pura"},
      {"DX-014", "Episodio depresivo"},
      {"DX-022", "Enfermedad por reflujo gastroesofágico"},
      {"DX-024", "Lumbago"},
      {"DX-026", "Anemia por deficiencia de hierro"}};
  return kItems;
}

const std::vector<std::pair<std::string, std::string>>& Allergens() {
  static const std::vector<std::pair<std::string, std::string>> kItems{
      {"ALG-01", "Penicilina"},
      {"ALG-02", "Ácido acetilsalicílico"},
      {"ALG-04", "Látex"},
      {"ALG-05", "Maní"},
      {"ALG-08", "Mariscos"}};
  return kItems;
}

const std::vector<std::string>& Vaccines() {
  static const std::vector<std::string> kItems{"BCG", "HEPB",  "PENTAVALENTE",
                                               "SRP", "GRIPE", "COVID19_ARNM"};
  return kItems;
}

std::string Compact(const std::string& iso) {  // YYYY-MM-DD -> AAAAMMDD
  return absl::StrCat(iso.substr(0, 4), iso.substr(5, 2), iso.substr(8, 2));
}

// "1.234.567-2", "12345672" and "1234567-2" all name one cédula.
std::string CedulaKey(absl::string_view cedula) {
  std::string key;
  for (char c : cedula) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) key.push_back(c);
  }
  return key;
}

ResumenPaciente MakeSummary(pasarela::pilots::SyntheticSource& source, uint64_t body) {
  static const std::vector<std::string> kGiven = {"MARÍA", "LUCÍA",     "ANA",    "CARMEN",
                                                  "JOSÉ",  "JUAN",      "CARLOS", "MARTÍN",
                                                  "SOFÍA", "VALENTINA", "DIEGO",  "GONZALO"};
  static const std::vector<std::string> kSurnames = {
      "RODRÍGUEZ", "GONZÁLEZ", "FERNÁNDEZ", "PEREIRA", "SILVA",  "GARCÍA",
      "MARTÍNEZ",  "SOSA",     "LÓPEZ",     "PÉREZ",   "SUÁREZ", "ACOSTA"};
  static const std::vector<std::string> kBloodGroups = {"O Rh+",  "A Rh+", "B Rh+",
                                                        "AB Rh+", "O Rh-", "A Rh-"};
  ResumenPaciente summary;
  summary.set_cedula(pasarela::pilots::FormatCedula(body));
  summary.set_primer_nombre(source.Pick(kGiven));
  if (source.Below(2) == 0) summary.set_segundo_nombre(source.Pick(kGiven));
  summary.set_primer_apellido(source.Pick(kSurnames));
  summary.set_segundo_apellido(source.Pick(kSurnames));
  summary.set_fecha_nacimiento(Compact(source.Date(1935, 2015)));
  summary.set_sexo(source.Below(2) == 0 ? 1 : 2);
  for (uint64_t i = 0, n = source.Below(4); i < n; ++i) {
    const auto& [code, name] = source.Pick(Medicines());
    auto* medicine = summary.add_medicamentos();
    medicine->set_codigo(code);
    medicine->set_nombre(name);
    medicine->set_fecha_inicio(Compact(source.Date(2015, 2026)));
    medicine->set_estado("ACTIVO");
    medicine->set_posologia("1 comprimido cada 12 horas");
  }
  for (uint64_t i = 0, n = source.Below(3); i < n; ++i) {
    const auto& [code, name] = source.Pick(Allergens());
    auto* allergy = summary.add_alergias();
    allergy->set_codigo(code);
    allergy->set_sustancia(name);
    allergy->set_severidad(source.Below(2) == 0 ? "MODERADA" : "SEVERA");
    allergy->set_reaccion("Urticaria");
  }
  for (uint64_t i = 0, n = 1 + source.Below(3); i < n; ++i) {
    const auto& [code, name] = source.Pick(Diagnoses());
    auto* diagnosis = summary.add_diagnosticos();
    diagnosis->set_codigo(code);
    diagnosis->set_descripcion(name);
    diagnosis->set_fecha(Compact(source.Date(2000, 2026)));
    diagnosis->set_activo(true);
  }
  for (uint64_t i = 0, n = source.Below(4); i < n; ++i) {
    auto* vaccine = summary.add_vacunas();
    vaccine->set_codigo(source.Pick(Vaccines()));
    vaccine->set_fecha(Compact(source.Date(1990, 2026)));
    vaccine->set_dosis(1 + static_cast<int>(source.Below(3)));
  }
  summary.set_grupo_sanguineo(source.Pick(kBloodGroups));
  summary.set_institucion("ASSE - Hospital Maciel");
  summary.set_actualizado_en(1790000000000 + static_cast<int64_t>(source.Below(10000000000)));
  return summary;
}

class HealthRecords final : public uy::msp::v1::HistoriaClinicaService::Service {
 public:
  explicit HealthRecords(const pasarela::pilots::PilotServerOptions& options) : recorder_(options) {
    pasarela::pilots::SyntheticSource source(kSeed);
    ResumenPaciente first = MakeSummary(source, 1234567);
    first.set_primer_nombre("LUCÍA");
    first.set_segundo_nombre("");
    first.set_primer_apellido("PEREIRA");
    first.set_segundo_apellido("SOSA");
    first.set_fecha_nacimiento("19780914");
    first.set_sexo(2);
    first.clear_medicamentos();
    first.clear_alergias();
    first.clear_diagnosticos();
    auto* metformina = first.add_medicamentos();
    metformina->set_codigo("UYM-0012");
    metformina->set_nombre("Metformina 850 mg comprimidos");
    metformina->set_fecha_inicio("20190301");
    metformina->set_estado("ACTIVO");
    metformina->set_posologia("1 comprimido con almuerzo y cena");
    auto* enalapril = first.add_medicamentos();
    enalapril->set_codigo("UYM-0015");
    enalapril->set_nombre("Enalapril 10 mg comprimidos");
    enalapril->set_dosis_mcg(10000);
    enalapril->set_fecha_inicio("20170612");
    enalapril->set_estado("ACTIVO");
    auto* penicilina = first.add_alergias();
    penicilina->set_codigo("ALG-01");
    penicilina->set_sustancia("Penicilina");
    penicilina->set_severidad("SEVERA");
    penicilina->set_reaccion("Anafilaxia en 2009");
    auto* hta = first.add_diagnosticos();
    hta->set_codigo("DX-001");
    hta->set_descripcion("Hipertensión arterial esencial");
    hta->set_fecha("20170612");
    hta->set_activo(true);
    auto* dm2 = first.add_diagnosticos();
    dm2->set_codigo("DX-002");
    dm2->set_descripcion("Diabetes mellitus tipo 2 sin complicaciones");
    dm2->set_fecha("20190301");
    dm2->set_activo(true);
    // A note written by hand, with an identifier the schema does not declare.
    dm2->set_observaciones(
        "Control en Rivera. Seguimiento también en Santana do Livramento, CPF 390.533.447-05.");
    first.set_grupo_sanguineo("A Rh+");
    summaries_[CedulaKey(first.cedula())] = first;
    uint64_t body = 1000000;
    while (summaries_.size() < kPatients) {
      body += 1 + source.Below(4000);
      ResumenPaciente summary = MakeSummary(source, body);
      summaries_[CedulaKey(summary.cedula())] = summary;
    }
  }

  grpc::Status ObtenerResumenPaciente(grpc::ServerContext* context,
                                      const ObtenerResumenRequest* request,
                                      ObtenerResumenResponse* response) override {
    recorder_.Record(context, "ObtenerResumenPaciente", request->cedula());
    auto it = summaries_.find(CedulaKey(request->cedula()));
    if (it == summaries_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("cédula ", request->cedula(), " sin historia clínica"));
    }
    *response->mutable_resumen() = it->second;
    return grpc::Status::OK;
  }

 private:
  pasarela::pilots::CallRecorder recorder_;
  std::map<std::string, ResumenPaciente> summaries_;
};

}  // namespace

int main(int argc, char** argv) {
  pasarela::pilots::PilotServerOptions options =
      pasarela::pilots::ParsePilotFlags(argc, argv, "uy_msp");
  HealthRecords records(options);
  return pasarela::pilots::ServeUntilSignal(&records, options, "uy_msp");
}
