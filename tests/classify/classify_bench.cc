// classify_bench: time to scan a typical identity record (~300 bytes of field values) and a
// patient summary of free text (~2 KiB). Google Benchmark reports the time per iteration, which is
// the time per record.

#include <string>

#include "benchmark/benchmark.h"
#include "gateway/classify/detector.h"

namespace {

using pasarela::classify::DetectorOptions;
using pasarela::classify::DetectorSet;

// The string fields of a canonical identity record, joined as the gateway scans them.
const std::string& IdentityRecord() {
  static const std::string* const text = new std::string(
      "Ana Beatriz Souza Oliveira | CPF 390.533.447-05 | RG 12.345.678-9 | nascimento 12/03/1985 | "
      "Rua das Laranjeiras, 245, apto 32, Laranjeiras, Rio de Janeiro - RJ, CEP 22240-003 | "
      "tel (21) 98765-4321 | ana.oliveira@example.com.br | mãe: Maria Souza | "
      "naturalidade: Niterói | estado civil: casada");
  return *text;
}

// A patient summary of about 2 KiB: mostly clinical text and numbers that are not personal data,
// with a few identifiers.
const std::string& PatientSummary() {
  static const std::string* const text = [] {
    std::string s =
        "Resumen de atención. Paciente María Fernanda González Rojas, RUT 12.531.909-2, fecha de "
        "nacimiento 14 de julio de 1962, teléfono +56 9 8765 4321, correo mfgonzalez@example.cl. "
        "Ingresa el 03/02/2025 a la cama 12 de la sala 304 por dolor torácico opresivo de 6 horas "
        "de evolución, irradiado a brazo izquierdo. Antecedentes: hipertensión arterial desde "
        "2010, "
        "diabetes mellitus tipo 2 en tratamiento con metformina 850 mg cada 12 horas, "
        "dislipidemia. "
        "Signos vitales al ingreso: PA 154/92 mmHg, FC 98 lpm, FR 20 rpm, T 36.8 °C, SatO2 95%. "
        "Laboratorio: Hb 13.2 g/dL, leucocitos 9.800/mm3, plaquetas 254.000/mm3, glucosa 182 "
        "mg/dL, "
        "creatinina 1.08 mg/dL, troponina I 0.42 ng/mL (valor de referencia < 0.04), CK-MB 18 U/L. "
        "ECG: ritmo sinusal, supradesnivel del ST en DII, DIII y aVF. Se activa código infarto y "
        "se realiza angioplastia primaria con stent farmacológico en coronaria derecha a las 2 "
        "horas "
        "del ingreso. Evolución favorable, sin arritmias. Ecocardiograma: FEVI 52%, hipoquinesia "
        "inferior. Se indica AAS 100 mg/día, ticagrelor 90 mg cada 12 horas, atorvastatina 80 mg "
        "por la noche, enalapril 10 mg cada 12 horas y bisoprolol 2.5 mg/día. Alta al quinto día "
        "con control en policlínico de cardiología en 14 días, consultorio 7, piso 3. Orden de "
        "laboratorio 4001238821, código de prestación 030101-00, bono 778812. Previsión: FONASA "
        "tramo B. Contacto de emergencia: hija, Camila Rojas, +56 2 2345 6789. Observaciones: "
        "paciente comprende indicaciones; se entrega epicrisis y receta. Próxima cita: 17/02/2025 "
        "a "
        "las 10:30 horas. Médico tratante: Dr. Andrés Muñoz, registro 23.456. ";
    while (s.size() < 2048) {
      s += "Control de signos vitales cada 4 horas; balance hídrico estricto; dieta hiposódica. ";
    }
    return new std::string(s);
  }();
  return *text;
}

const DetectorSet& DefaultSet() {
  static const DetectorSet* const set = DetectorSet::Create(DetectorOptions{})->release();
  return *set;
}

void BM_IdentityRecord(benchmark::State& state) {
  const DetectorSet& set = DefaultSet();
  const std::string& text = IdentityRecord();
  for (auto _ : state) benchmark::DoNotOptimize(set.Scan(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(std::to_string(text.size()) + " bytes");
}
BENCHMARK(BM_IdentityRecord);

void BM_PatientSummary(benchmark::State& state) {
  const DetectorSet& set = DefaultSet();
  const std::string& text = PatientSummary();
  for (auto _ : state) benchmark::DoNotOptimize(set.Scan(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(std::to_string(text.size()) + " bytes");
}
BENCHMARK(BM_PatientSummary);

void BM_CleanSentence(benchmark::State& state) {
  const DetectorSet& set = DefaultSet();
  const std::string text = "El trámite fue aprobado por la dirección general sin observaciones.";
  for (auto _ : state) benchmark::DoNotOptimize(set.Scan(text));
  state.SetLabel(std::to_string(text.size()) + " bytes");
}
BENCHMARK(BM_CleanSentence);

void BM_CreateSet(benchmark::State& state) {
  DefaultSet();  // patterns are compiled once per process; this measures the per-set cost
  for (auto _ : state) benchmark::DoNotOptimize(DetectorSet::Create(DetectorOptions{}));
}
BENCHMARK(BM_CreateSet);

}  // namespace

BENCHMARK_MAIN();
