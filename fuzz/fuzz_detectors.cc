// Fuzz target: the personal-data detectors on arbitrary text (gateway/classify/detector.h).
//
// Any bytes are a valid input: the gateway scans every string of every payload it minimises, and
// an agency or provider chooses those strings. Beyond not crashing, the target checks Scan's
// contract: findings inside the text, sorted, not overlapping, scores in [0, 1], the category the
// detector reports; and the JSON of the findings is produced without error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/classify/detector.h"
#include "gateway/classify/findings_json.h"

namespace {

using pasarela::classify::DetectorOptions;
using pasarela::classify::DetectorSet;
using pasarela::classify::Finding;

// Every detector at the configured thresholds (what the gateway runs), and every detector at
// threshold 0 (so that weak candidates, which a configuration may enable, are scored too).
struct Sets {
  std::unique_ptr<const DetectorSet> configured;
  std::unique_ptr<const DetectorSet> everything;
};

std::unique_ptr<const DetectorSet> MakeSet(const DetectorOptions& options) {
  absl::StatusOr<std::unique_ptr<const DetectorSet>> set = DetectorSet::Create(options);
  if (!set.ok()) {
    std::fprintf(stderr, "fuzz_detectors: %s\n", set.status().ToString().c_str());
    std::abort();
  }
  return *std::move(set);
}

const Sets& GetSets() {
  static const Sets sets = [] {
    DetectorOptions all_candidates;
    all_candidates.default_threshold = 0;
    return Sets{MakeSet(DetectorOptions()), MakeSet(all_candidates)};
  }();
  return sets;
}

// Scan's contract; a violation is a finding of the fuzzer.
void CheckFindings(absl::string_view text, const std::vector<Finding>& findings) {
  size_t previous_end = 0;
  for (const Finding& finding : findings) {
    bool ok = finding.start < finding.end && finding.end <= text.size() &&
              finding.start >= previous_end && finding.score >= 0 && finding.score <= 1 &&
              finding.category == pasarela::classify::DetectorCategory(finding.detector);
    if (!ok) {
      std::fprintf(stderr, "fuzz_detectors: bad finding %.*s [%zu, %zu) score %f\n",
                   static_cast<int>(finding.detector.size()), finding.detector.data(),
                   finding.start, finding.end, finding.score);
      std::abort();
    }
    previous_end = finding.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  const Sets& sets = GetSets();
  for (const DetectorSet* set : {sets.configured.get(), sets.everything.get()}) {
    std::vector<Finding> findings = set->Scan(text);
    CheckFindings(text, findings);
    pasarela::classify::FindingsToJson(findings);
  }
  return 0;
}
