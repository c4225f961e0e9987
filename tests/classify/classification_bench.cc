// classification_bench: the cost of classifying a payload (walking it by reflection, looking up
// each field's declared category, scanning the strings that need it) and of minimising it, per
// identity record and per patient summary. Google Benchmark reports the time per iteration, which
// is the time per record.
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "gateway/classify/minimiser.h"
#include "gateway/classify/payload_classifier.h"

namespace {

using ::google::protobuf::Message;
using ::pasarela::DataCategory;
using ::pasarela::DataTreatment;
using ::pasarela::DescriptorCatalog;
using ::pasarela::PersonalDataPolicy;
using ::pasarela::classify::ClassificationPolicy;
using ::pasarela::classify::ClassificationSettings;
using ::pasarela::classify::PayloadClassifier;
using ::pasarela::classify::PersonalDataMinimiser;

const DescriptorCatalog& Catalog() {
  static const DescriptorCatalog* const catalog = [] {
    auto loaded = DescriptorCatalog::Load({PASARELA_DESCRIPTOR_SET});
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::abort();
    }
    return loaded->release();
  }();
  return *catalog;
}

const ClassificationPolicy& Policy() {
  static const ClassificationPolicy* const policy = [] {
    auto compiled = ClassificationPolicy::Create(ClassificationSettings{}, Catalog());
    if (!compiled.ok()) {
      std::cerr << compiled.status() << "\n";
      std::abort();
    }
    return new ClassificationPolicy(*std::move(compiled));
  }();
  return *policy;
}

std::unique_ptr<Message> Parse(const std::string& type, const std::string& text) {
  static auto* const factory = new google::protobuf::DynamicMessageFactory(&Catalog().pool());
  std::unique_ptr<Message> message(
      factory->GetPrototype(Catalog().pool().FindMessageTypeByName(type))->New());
  if (!google::protobuf::TextFormat::ParseFromString(text, message.get())) std::abort();
  return message;
}

// A Brazilian identity record: the fields of the classify_bench identity text, in their places.
const Message& IdentityRecord() {
  static const Message* const message =
      Parse("pasarela.identity.v1.GetPersonResponse", R"pb(
        person {
          identifiers { issuing_country: "BR" scheme: "BR-CPF" value: "39053344705" }
          identifiers { issuing_country: "BR" scheme: "BR-RG" value: "12.345.678-9" }
          given_names: "Ana"
          given_names: "Beatriz"
          family_names: "Souza"
          family_names: "Oliveira"
          birth_date: "1985-03-12"
          sex: SEX_FEMALE
          nationalities: "BR"
          place_of_birth: "Niterói, RJ"
          address {
            lines: "Rua das Laranjeiras, 245, apto 32"
            lines: "Laranjeiras"
            locality: "Rio de Janeiro"
            region: "RJ"
            postal_code: "22240-003"
            country: "BR"
          }
          birth_name: "Ana Beatriz Souza"
        }
      )pb")
          .release();
  return *message;
}

// A patient summary with about 2 KiB of clinical free text in its notes, one CPF among them.
const Message& PatientSummary() {
  static const Message* const message = [] {
    std::string text = R"pb(
      summary {
        patient_identifier { issuing_country: "CL" scheme: "CL-RUN" value: "12531909-2" }
        given_names: "María Fernanda"
        family_names: "González Rojas"
        birth_date: "1962-07-14"
        sex: SEX_FEMALE
        medications {
          medication { system: "http://www.whocc.no/atc" code: "A10BA02" display: "metformina" }
          dosage: "850 mg cada 12 horas"
          start_date: "2010-05-01"
          status: "active"
          note: "Tolera bien; control de glucosa 182 mg/dL al ingreso, HbA1c 7.9%. Ajustar según función renal (creatinina 1.08 mg/dL)."
        }
        medications {
          medication { system: "http://www.whocc.no/atc" code: "B01AC06" display: "AAS" }
          dosage: "100 mg/día"
          start_date: "2025-02-03"
          status: "active"
          note: "Indicado tras angioplastia primaria con stent farmacológico en coronaria derecha."
        }
        allergies {
          substance { system: "http://snomed.info/sct" code: "764146007" display: "penicilina" }
          criticality: "high"
          reaction: "urticaria y angioedema"
          onset_date: "1990"
          note: "Reacción documentada en 1990 en el Hospital del Salvador, ficha 778812."
        }
        problems {
          condition {
            system: "http://hl7.org/fhir/sid/icd-10"
            code: "I21.1"
            display: "Infarto agudo de miocardio de pared inferior"
          }
          onset_date: "2025-02-03"
          status: "active"
          note: "Ingresa el 03/02/2025 a la cama 12 de la sala 304 por dolor torácico opresivo de 6 horas de evolución, irradiado a brazo izquierdo. PA 154/92 mmHg, FC 98 lpm, FR 20 rpm, T 36.8 °C, SatO2 95%. Troponina I 0.42 ng/mL (referencia < 0.04), CK-MB 18 U/L. ECG: supradesnivel del ST en DII, DIII y aVF. Se activa código infarto y se realiza angioplastia primaria a las 2 horas del ingreso. Ecocardiograma: FEVI 52%, hipoquinesia inferior. Derivada desde el CESFAM con RUT 12.531.909-2 en la interconsulta."
        }
        problems {
          condition {
            system: "http://hl7.org/fhir/sid/icd-10"
            code: "I10"
            display: "Hipertensión esencial"
          }
          onset_date: "2010"
          status: "active"
          note: "En tratamiento con enalapril 10 mg cada 12 horas y bisoprolol 2.5 mg/día. Control en policlínico de cardiología en 14 días, consultorio 7, piso 3. Orden de laboratorio 4001238821, código de prestación 030101-00, bono 778812."
        }
        problems {
          condition {
            system: "http://hl7.org/fhir/sid/icd-10"
            code: "E11"
            display: "Diabetes mellitus tipo 2"
          }
          onset_date: "2010"
          status: "active"
          note: "Dieta hiposódica y control de signos vitales cada 4 horas; balance hídrico estricto. Previsión FONASA tramo B. Próxima cita 17/02/2025 a las 10:30 horas con el Dr. Andrés Muñoz, registro 23.456."
        }
        immunizations {
          vaccine { system: "http://snomed.info/sct" code: "1119349007" display: "COVID-19 mRNA" }
          date: "2023-05-10"
          dose_number: 4
        }
        blood_group: "O+"
        author_organization: "Hospital Clínico Regional"
        last_updated: "2025-02-08T16:20:00Z"
      }
    )pb";
    return Parse("pasarela.health.v1.GetPatientSummaryResponse", text).release();
  }();
  return *message;
}

size_t StringBytes(const Message& message) {
  std::string text = message.SerializeAsString();
  return text.size();
}

void BM_ClassifyIdentityRecord(benchmark::State& state) {
  PayloadClassifier classifier(Policy());
  const Message& message = IdentityRecord();
  for (auto _ : state) benchmark::DoNotOptimize(classifier.Classify(message));
  state.SetLabel(absl::StrCat(StringBytes(message), " bytes on the wire"));
}
BENCHMARK(BM_ClassifyIdentityRecord);

void BM_ClassifyPatientSummary(benchmark::State& state) {
  PayloadClassifier classifier(Policy());
  const Message& message = PatientSummary();
  for (auto _ : state) benchmark::DoNotOptimize(classifier.Classify(message));
  state.SetLabel(absl::StrCat(StringBytes(message), " bytes on the wire"));
}
BENCHMARK(BM_ClassifyPatientSummary);

// The health pilot's agreement: up to personal, health by name, identifiers pseudonymised. The
// copy of the message is part of each iteration (the gateway minimises the response it parsed).
void BM_MinimisePatientSummary(benchmark::State& state) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonal;
  rules.also_allowed = {DataCategory::kHealth};
  rules.default_treatment = DataTreatment::kDeny;
  rules.beyond[DataCategory::kPersonalIdentifier] = DataTreatment::kPseudonymise;
  auto minimiser = PersonalDataMinimiser::Create(Policy(), rules, std::string(32, 'k')).value();
  const Message& original = PatientSummary();
  std::unique_ptr<Message> copy(original.New());
  for (auto _ : state) {
    copy->CopyFrom(original);
    benchmark::DoNotOptimize(minimiser->Minimise(copy.get()));
  }
}
BENCHMARK(BM_MinimisePatientSummary);

void BM_CopyPatientSummary(benchmark::State& state) {
  const Message& original = PatientSummary();
  std::unique_ptr<Message> copy(original.New());
  for (auto _ : state) {
    copy->CopyFrom(original);
    benchmark::DoNotOptimize(copy.get());
  }
}
BENCHMARK(BM_CopyPatientSummary);

// The per-snapshot cost: every message type of the canonical catalog planned.
void BM_CompilePolicy(benchmark::State& state) {
  Policy();  // detector patterns compiled once per process
  for (auto _ : state) {
    benchmark::DoNotOptimize(ClassificationPolicy::Create(ClassificationSettings{}, Catalog()));
  }
}
BENCHMARK(BM_CompilePolicy);

}  // namespace

BENCHMARK_MAIN();
