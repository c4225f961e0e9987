// classify_eval: scores the personal-data detectors against the generated corpus and the
// independently sourced vectors, and prints precision and recall per detector.
//
//   classify_eval [--json] [--examples] [--vectors FILE]
//
// Exit status 0 when both evaluations ran, 1 on a usage or input error.

#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "gateway/classify/detector.h"
#include "tests/classify/corpus.h"

namespace {

using pasarela::classify::DetectorOptions;
using pasarela::classify::DetectorSet;
namespace t = pasarela::classify::testing;

void PrintExamples(const t::Evaluation& e) {
  for (const auto& [detector, examples] : e.examples) {
    for (const std::string& x : examples) std::cout << "  " << detector << " " << x << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, examples = false;
  std::string vectors_path = PASARELA_CLASSIFY_VECTORS;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[i], "--examples") == 0) {
      examples = true;
    } else if (std::strcmp(argv[i], "--vectors") == 0 && i + 1 < argc) {
      vectors_path = argv[++i];
    } else {
      std::cerr << "usage: classify_eval [--json] [--examples] [--vectors FILE]\n";
      return 1;
    }
  }
  auto set = DetectorSet::Create(DetectorOptions{});
  if (!set.ok()) {
    std::cerr << set.status() << "\n";
    return 1;
  }
  auto vectors = t::LoadIndependentVectors(vectors_path);
  if (!vectors.ok()) {
    std::cerr << vectors.status() << "\n";
    return 1;
  }
  const std::vector<t::Record> records = t::GenerateCorpus(t::kCorpusSeed, t::kCorpusSize);
  const t::Evaluation corpus = t::Evaluate(**set, records);
  const t::Evaluation independent = t::Evaluate(**set, t::VectorRecords(*vectors));
  const t::Evaluation bare = t::Evaluate(**set, t::VectorRecordsWithoutContext(*vectors));
  if (json) {
    std::cout << "{\"corpus\":" << t::FormatJson(corpus)
              << ",\"independent_vectors\":" << t::FormatJson(independent)
              << ",\"independent_vectors_without_context\":" << t::FormatJson(bare) << "}\n";
    return 0;
  }
  std::map<std::string, int> kinds;
  for (const t::Record& r : records) ++kinds[r.kind];
  std::cout << "Generated corpus (seed " << t::kCorpusSeed << ", " << corpus.records << " records:";
  for (const auto& [kind, count] : kinds) std::cout << " " << kind << " " << count;
  std::cout << ")\n" << t::FormatTable(corpus);
  if (examples) PrintExamples(corpus);
  std::cout << "\nIndependent vectors (" << vectors->size() << " values, " << independent.records
            << " records with near misses)\n"
            << t::FormatTable(independent);
  if (examples) PrintExamples(independent);
  std::cout << "\nIndependent vectors as printed, with no context word (informational)\n"
            << t::FormatTable(bare);
  if (examples) PrintExamples(bare);
  return 0;
}
