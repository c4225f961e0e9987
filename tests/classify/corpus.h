// A labelled corpus for the personal-data detectors, and the evaluation that scores a DetectorSet
// against it.
//
// The generator is seeded and deterministic: the same seed gives the same records on every run (it
// uses std::mt19937_64 and its own mapping to ranges, not the standard distributions, whose output
// differs between standard libraries). Its check digits are computed by code of its own, separate
// from the library's validators, and the independent vectors (independent_vectors.tsv) come from
// other projects, so that the evaluation does not only test the library against itself.

#ifndef PASARELA_TESTS_CLASSIFY_CORPUS_H_
#define PASARELA_TESTS_CLASSIFY_CORPUS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/classify/detector.h"

namespace pasarela::classify::testing {

// A labelled span: the detector that should report it. An optional label neither counts as a miss
// when nothing reports it nor as a false positive when its detector does (used for numbers that a
// context-only detector may fairly report, such as a cédula-labelled number whose check digit is
// wrong for the scheme it imitates).
//
// Some printed values are genuinely ambiguous: "1.234.567-2" with no context word is both a
// Uruguayan cédula and, when its RUN check happens to pass, a Chilean RUN; a 10-digit number after
// "cédula de ciudadanía" is Colombian or Ecuadorian. The generator lists, as alternatives, the
// other schemes that print the same shape, accept the value and whose context (if any) fits; a
// finding of an alternative detector matches the label.
struct Label {
  std::string detector;
  size_t start = 0;
  size_t end = 0;
  bool optional = false;
  std::vector<std::string> alternatives;
};

struct Record {
  std::string kind;  // identifier, identity_record, near_miss, look_alike, clean, vector, ...
  std::string text;
  std::vector<Label> labels;
};

// The detectors that have a check digit (or Luhn) and are held to the precision/recall bar.
const std::vector<std::string>& CheckDigitDetectors();

// Generates `count` records from `seed`.
std::vector<Record> GenerateCorpus(uint64_t seed, size_t count);

inline constexpr uint64_t kCorpusSeed = 20260705;
inline constexpr size_t kCorpusSize = 2400;

// One independently sourced valid value.
struct IndependentVector {
  std::string scheme;  // detector name
  std::string value;
  std::string source;
};

// Reads independent_vectors.tsv (scheme TAB value TAB source; '#' starts a comment line).
absl::StatusOr<std::vector<IndependentVector>> LoadIndependentVectors(const std::string& path);

// For each vector: a record with the value after one of its scheme's context words (labelled), and
// a near-miss record with the check character changed (unlabelled). Schemes without a rejecting
// check digit (RFC, SSN) get no near-miss.
std::vector<Record> VectorRecords(const std::vector<IndependentVector>& vectors);

// Each vector alone in a neutral sentence, as printed by its source, with no context word: shows
// what the detectors find from the printed form alone (bare digit runs are not reported by design).
std::vector<Record> VectorRecordsWithoutContext(const std::vector<IndependentVector>& vectors);

// The check-digit computation of the generator, exposed for tests: true when `compact` (no
// separators) is valid for `detector`. Independent of the library's validators.
bool GeneratorCheck(const std::string& detector, const std::string& compact);

struct DetectorScore {
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  // True positives that matched an ambiguous value's alternative label rather than its own.
  int ambiguous = 0;
  double Precision() const;  // 1.0 when nothing was reported
  double Recall() const;     // 1.0 when nothing was labelled
};

struct Evaluation {
  std::map<std::string, DetectorScore> by_detector;  // every detector of the set
  size_t records = 0;
  // A few misclassified examples per detector, for diagnosis.
  std::map<std::string, std::vector<std::string>> examples;
};

// Scans every record and compares findings with labels: a finding matches a label of the same
// detector whose span overlaps it.
Evaluation Evaluate(const DetectorSet& set, const std::vector<Record>& records);

// A fixed-width table: detector, TP, FP, FN, precision, recall; "-" for a precision of a detector
// that reported nothing and a recall of one with nothing labelled.
std::string FormatTable(const Evaluation& evaluation);

// {"records":N,"detectors":{"CPF":{"tp":..,"fp":..,"fn":..,"precision":..,"recall":..},...}};
// null where the table prints "-".
std::string FormatJson(const Evaluation& evaluation);

}  // namespace pasarela::classify::testing

#endif  // PASARELA_TESTS_CLASSIFY_CORPUS_H_
