// Time to map one message with the pilot's plans: the identity lookup's request (RENAPER
// ConsultarPersona -> canonical GetPerson at the Argentine gateway, canonical -> Registro Civil
// ConsultaRun at the Chilean one) and its record (Chilean registry -> canonical Person, and
// canonical -> RENAPER Persona), and a patient summary (Uruguayan record -> canonical, and
// canonical -> Brazilian hospital), each from the golden inputs. One iteration is one message.
#include <benchmark/benchmark.h>

#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

std::string Golden(const std::string& path) {
  return testing::ReadFileOrDie(testing::SourceDir() + "/tests/mapping/testdata/golden/" + path);
}

void MapOne(benchmark::State& state, const std::string& id, bool reverse,
            const std::string& golden) {
  const Mapping* mapping = testing::PilotMappings().Find(id);
  const MappingPlan& plan = reverse ? **mapping->reverse() : mapping->forward();
  auto input = testing::FromJson(plan.source_type()->full_name(), Golden(golden));
  auto output = testing::NewMessage(plan.target_type());
  for (auto _ : state) {
    absl::Status status = plan.Apply(*input, output.get());
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
    benchmark::DoNotOptimize(output.get());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_IdentityRequest_ArToCanonical(benchmark::State& state) {
  MapOne(state, "ar-consultar-persona-request", false,
         "ar/ar-consultar-persona-request.forward.in.json");
}
void BM_IdentityRequest_CanonicalToCl(benchmark::State& state) {
  MapOne(state, "cl-consulta-run-request", true, "cl/cl-consulta-run-request.reverse.in.json");
}
void BM_IdentityRecord_ClToCanonical(benchmark::State& state) {
  MapOne(state, "cl-consulta-run-response", false, "cl/cl-consulta-run-response.forward.in.json");
}
void BM_IdentityRecord_CanonicalToAr(benchmark::State& state) {
  MapOne(state, "ar-consultar-persona-response", true,
         "ar/ar-consultar-persona-response.reverse.in.json");
}
void BM_PatientSummary_UyToCanonical(benchmark::State& state) {
  MapOne(state, "uy-resumen-response", false, "uy/uy-resumen-response.forward.in.json");
}
void BM_PatientSummary_CanonicalToBr(benchmark::State& state) {
  MapOne(state, "br-sumario-response", true, "br/br-sumario-response.reverse.in.json");
}

BENCHMARK(BM_IdentityRequest_ArToCanonical);
BENCHMARK(BM_IdentityRequest_CanonicalToCl);
BENCHMARK(BM_IdentityRecord_ClToCanonical);
BENCHMARK(BM_IdentityRecord_CanonicalToAr);
BENCHMARK(BM_PatientSummary_UyToCanonical);
BENCHMARK(BM_PatientSummary_CanonicalToBr);

}  // namespace
}  // namespace pasarela

BENCHMARK_MAIN();
