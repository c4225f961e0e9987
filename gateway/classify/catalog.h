// The catalog of detectors: for each, its name, category, candidate patterns, context words and
// how a candidate is validated. Internal to the classify library; callers use DetectorSet.
//
// The catalog is built once per process (on first use) and is immutable afterwards: safe to read
// from any thread.

#ifndef PASARELA_GATEWAY_CLASSIFY_CATALOG_H_
#define PASARELA_GATEWAY_CLASSIFY_CATALOG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/classify/detector.h"

namespace pasarela::classify {

// When a passing check digit may make a candidate certain.
enum class Attribution {
  // The printed form belongs to this scheme alone ("390.533.447-05" is a CPF): certain.
  kFormat,
  // The printed form is shared with other schemes ("1.234.567-2" is a Uruguayan cédula and the
  // shape of a Chilean RUN): certain unless a competitor's context word is present and this
  // detector's own is not.
  kShared,
  // A bare digit run shared by many schemes and by phone or order numbers: certain only with one
  // of this detector's own context words.
  kContext,
};

// The outcome of validating one candidate.
enum class Verdict {
  kReject,           // not a value of this scheme (failed check digit, impossible date, ...)
  kCheckPassed,      // the scheme's check (check digit, Luhn, known TLD) passed
  kCheckFailedSoft,  // the check failed but the scheme keeps the value at lower confidence (RFC)
  kPlausible,        // well formed; the scheme has no check to confirm it
};

struct PatternSpec {
  std::string regex;  // RE2 syntax
  double base_score;  // the score of the pattern alone
  Attribution attribution;
  std::vector<std::string> competitors;  // detectors sharing this printed form (kShared)
  std::string joiners = ".-/";  // separators that glue a neighbouring digit to the candidate
};

using Validator = Verdict (*)(absl::string_view candidate);

struct DetectorSpec {
  std::string name;
  Category category;
  // Breaks ties between overlapping findings of equal score: higher wins. Roughly, how strong
  // the check is and how distinctive the printed form.
  int specificity;
  Validator validate;
  // Context words as written (accents and case do not matter); folded on construction.
  std::vector<std::string> context_words;
  std::vector<PatternSpec> patterns;
};

// One detector of the catalog, with its context words folded for comparison.
class Detector {
 public:
  explicit Detector(DetectorSpec spec);

  absl::string_view name() const { return spec_.name; }
  Category category() const { return spec_.category; }
  int specificity() const { return spec_.specificity; }
  const std::vector<PatternSpec>& patterns() const { return spec_.patterns; }
  Verdict Validate(absl::string_view candidate) const { return spec_.validate(candidate); }
  // True when one of this detector's context words occurs in `folded_context` (see context.h),
  // or one of its acronyms in `cased_context` (the same window folded keeping case). A context
  // word written in capitals in the catalog ("SIN", "NAS") is such an acronym: it counts only
  // in capitals, because in lower case it is a common word of the region's languages (Spanish
  // "sin", without; Portuguese "nas", in the).
  bool HasContext(absl::string_view folded_context, absl::string_view cased_context) const;
  // Whether HasContext reads `cased_context` at all.
  bool HasAcronyms() const { return !acronyms_.empty(); }

 private:
  DetectorSpec spec_;
  std::vector<std::string> folded_words_;
  std::vector<std::string> acronyms_;
};

// All detectors, in AllDetectorNames() order. Built on first use.
const std::vector<Detector>& Catalog();

// The catalog index of the detector named `name`, or -1.
int FindDetector(absl::string_view name);

// True when `folded_context` (see context.h) holds the label of a kind of number that no detector
// reports but whose printed shape collides with identifiers: a Brazilian RG ("12.345.678-9"), a
// case file, an order or an invoice number. Such a label keeps a shared shape from being
// attributed by its check digit alone. Only the last three tokens of the window are considered.
bool HasOtherNumberLabel(absl::string_view folded_context);

// Parses a date of birth as the DATE_OF_BIRTH patterns print it (DD/MM/YYYY, YYYY-MM-DD,
// "12 de marzo de 1985", "March 12, 1985", ...). Returns kPlausible when the date exists.
Verdict ValidateDateOfBirth(absl::string_view candidate);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_CATALOG_H_
