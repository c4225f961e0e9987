// Chile's civil registry for the pilot: answers cl.registrocivil.v1.RegistroCivilService, Chile's
// own schema (RUN with dots and check digit, apellido paterno and materno, dates DD-MM-AAAA), from
// 10,000 synthetic persons that a seeded generator makes the same every time. The first person is
// the one the pilot's scenarios ask about.
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "national/cl/registrocivil/v1/registro_civil.grpc.pb.h"
#include "pilots/pilot_server.h"
#include "pilots/synthetic.h"

namespace {

using cl::registrocivil::v1::ConsultaRunRequest;
using cl::registrocivil::v1::ConsultaRunResponse;
using cl::registrocivil::v1::Persona;

constexpr int kPersons = 10000;
constexpr uint64_t kSeed = 20260101;

// "12.531.909-2", "12531909-2", "125319092" and "12531909-k" all name one RUN.
std::string RunKey(absl::string_view run) {
  std::string key;
  for (char c : run) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == 'k' || c == 'K') {
      key.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
    }
  }
  return key;
}

std::string ChileanDate(const std::string& iso) {  // YYYY-MM-DD -> DD-MM-YYYY
  return absl::StrCat(iso.substr(8, 2), "-", iso.substr(5, 2), "-", iso.substr(0, 4));
}

Persona MakePersona(pasarela::pilots::SyntheticSource& source, uint64_t body) {
  static const std::vector<std::string> kFemale = {"VALENTINA",  "ISIDORA",   "CAMILA",   "JAVIERA",
                                                   "FERNANDA",   "CONSTANZA", "CATALINA", "ANTONIA",
                                                   "MARÍA JOSÉ", "FRANCISCA", "SOFÍA",    "AMANDA"};
  static const std::vector<std::string> kMale = {"JUAN PABLO", "MATÍAS",  "BENJAMÍN",  "VICENTE",
                                                 "TOMÁS",      "AGUSTÍN", "SEBASTIÁN", "CRISTÓBAL",
                                                 "DIEGO",      "JOAQUÍN", "FELIPE",    "IGNACIO"};
  static const std::vector<std::string> kSurnames = {
      "GONZÁLEZ",  "MUÑOZ",    "ROJAS",     "DÍAZ",    "PÉREZ",     "SOTO",      "CONTRERAS",
      "SILVA",     "MARTÍNEZ", "SEPÚLVEDA", "MORALES", "RODRÍGUEZ", "LÓPEZ",     "FUENTES",
      "HERNÁNDEZ", "TORRES",   "ARAYA",     "FLORES",  "ESPINOZA",  "VALENZUELA"};
  static const std::vector<std::string> kComunas = {
      "SANTIAGO",     "VALPARAÍSO", "CONCEPCIÓN", "TEMUCO", "ANTOFAGASTA",
      "PUNTA ARENAS", "LA SERENA",  "RANCAGUA",   "TALCA",  "ARICA"};
  static const std::vector<std::string> kRegiones = {
      "METROPOLITANA", "VALPARAÍSO", "BIOBÍO",    "ARAUCANÍA", "ANTOFAGASTA",
      "MAGALLANES",    "COQUIMBO",   "O'HIGGINS", "MAULE",     "ARICA"};
  static const std::vector<std::string> kStreets = {"AVENIDA LIBERTADOR BERNARDO O'HIGGINS",
                                                    "CALLE MONJITAS", "AVENIDA ARGENTINA",
                                                    "PASAJE LOS AROMOS", "CALLE ESMERALDA"};
  Persona persona;
  persona.set_run(pasarela::pilots::FormatRun(body));
  bool female = source.Below(2) == 0;
  std::string given = source.Pick(female ? kFemale : kMale);
  if (source.Below(3) == 0) absl::StrAppend(&given, " ", source.Pick(female ? kFemale : kMale));
  persona.set_nombres(given);
  persona.set_apellido_paterno(source.Pick(kSurnames));
  persona.set_apellido_materno(source.Pick(kSurnames));
  persona.set_fecha_nacimiento(ChileanDate(source.Date(1940, 2008)));
  persona.set_sexo(female ? "F" : "M");
  uint64_t origin = source.Below(20);
  persona.set_nacionalidad(origin < 17 ? "CHL" : origin < 19 ? "PER" : "ARG");
  size_t comuna = source.Below(kComunas.size());
  persona.set_comuna_nacimiento(kComunas[comuna]);
  auto* direccion = persona.mutable_direccion();
  direccion->set_calle_numero(absl::StrCat(source.Pick(kStreets), " ", 100 + source.Below(3000)));
  size_t home = source.Below(kComunas.size());
  direccion->set_comuna(kComunas[home]);
  direccion->set_region(kRegiones[home]);
  direccion->set_codigo_postal(absl::StrFormat("%07d", 1000000 + source.Below(8999999)));
  return persona;
}

class Registry final : public cl::registrocivil::v1::RegistroCivilService::Service {
 public:
  explicit Registry(const pasarela::pilots::PilotServerOptions& options) : recorder_(options) {
    pasarela::pilots::SyntheticSource source(kSeed);
    // The person of the pilot's scenarios comes first; the others follow from the seed.
    Persona first = MakePersona(source, 12531909);
    first.set_nombres("VALENTINA ISIDORA");
    first.set_apellido_paterno("GONZÁLEZ");
    first.set_apellido_materno("MUÑOZ");
    first.set_fecha_nacimiento("12-03-1985");
    first.set_sexo("F");
    first.set_nacionalidad("CHL");
    first.set_comuna_nacimiento("VALPARAÍSO");
    persons_[RunKey(first.run())] = first;
    uint64_t body = 5000000;
    while (persons_.size() < kPersons) {
      body += 1 + source.Below(2500);
      Persona persona = MakePersona(source, body);
      persons_[RunKey(persona.run())] = persona;
    }
  }

  grpc::Status ConsultarPorRun(grpc::ServerContext* context, const ConsultaRunRequest* request,
                               ConsultaRunResponse* response) override {
    recorder_.Record(context, "ConsultarPorRun", request->run());
    auto it = persons_.find(RunKey(request->run()));
    if (it == persons_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("RUN ", request->run(), " no registrado"));
    }
    *response->mutable_persona() = it->second;
    return grpc::Status::OK;
  }

 private:
  pasarela::pilots::CallRecorder recorder_;
  std::map<std::string, Persona> persons_;
};

}  // namespace

int main(int argc, char** argv) {
  pasarela::pilots::PilotServerOptions options =
      pasarela::pilots::ParsePilotFlags(argc, argv, "cl_registro_civil");
  Registry registry(options);
  return pasarela::pilots::ServeUntilSignal(&registry, options, "cl_registro_civil");
}
