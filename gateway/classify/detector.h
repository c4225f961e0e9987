// Personal-data detection in free text: the main interface of the classify library; start here.
//
// A DetectorSet scans a string for the personal data of the region: national identifiers with
// their check digits (CPF, CNPJ, RUN/RUT, CURP, RFC, DNI, CUIT/CUIL, NIT, cédulas, RUC, SIN, SSN),
// payment card numbers, e-mail addresses, phone numbers and dates of birth. Each finding names the
// detector, its category, the byte range in the input and a score in [0, 1].
//
// Scoring follows the Presidio model. A candidate pattern alone is weak (0.05-0.5, by how specific
// the pattern is). A passing check digit makes the finding certain (1.0) when the candidate is
// attributable to the scheme: printed in the scheme's own format, or preceded by one of the
// detector's context words. A failing check digit removes the candidate. A context word ("cpf",
// "rut", "cédula", "dni", ...) within a few tokens before the candidate adds 0.35, capped at 1.0.
// gateway/classify/README.md lists every detector, its patterns, context words and thresholds.
//
// Thread safety: a DetectorSet is immutable once built. Scan() and every other const method may
// be called concurrently from any number of threads without external synchronisation. The
// compiled patterns are shared by all sets and built once per process.

#ifndef PASARELA_GATEWAY_CLASSIFY_DETECTOR_H_
#define PASARELA_GATEWAY_CLASSIFY_DETECTOR_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela::classify {

// What kind of personal data a finding is.
enum class Category {
  kPersonal,            // personal data: e-mail address, phone number, date of birth
  kPersonalIdentifier,  // an identifier that singles out a person or an organisation
};

// "personal" or "personal_identifier", as written in policies and in JSON output.
absl::string_view CategoryName(Category category);

// One detected value.
struct Finding {
  // Stable detector name, e.g. "CPF". Points to static storage: valid for the whole program.
  absl::string_view detector;
  Category category = Category::kPersonal;
  size_t start = 0;  // byte offset of the first byte of the value in the scanned text
  size_t end = 0;    // byte offset one past the last byte (exclusive)
  double score = 0;  // in [0, 1], rounded to two decimals

  friend bool operator==(const Finding& a, const Finding& b) {
    return a.detector == b.detector && a.category == b.category && a.start == b.start &&
           a.end == b.end && a.score == b.score;
  }
};

// Threshold used for a detector that DetectorOptions does not mention: a finding needs either a
// confirming check digit, or a moderately specific pattern plus a context word.
inline constexpr double kDefaultThreshold = 0.5;

// The names of all detectors, in a fixed order: CPF, CNPJ, CL_RUN, MX_CURP, MX_RFC, AR_DNI,
// AR_CUIT, CO_NIT, CO_CEDULA, PE_DNI, PE_RUC, UY_CI, UY_RUT, EC_CEDULA, CA_SIN, US_SSN, CR_CEDULA,
// EMAIL, PHONE, DATE_OF_BIRTH, PAYMENT_CARD.
const std::vector<std::string>& AllDetectorNames();

// The category a detector reports. REQUIRES: `name` is one of AllDetectorNames().
Category DetectorCategory(absl::string_view name);

// Which detectors run and how sure each must be. A plain value; DetectorSet::Create validates it.
struct DetectorOptions {
  // Detectors to run. Defaults to all of them; an empty list runs none.
  std::vector<std::string> enabled = AllDetectorNames();
  // Minimum score per detector, in [0, 1]. Detectors not listed use default_threshold.
  std::map<std::string, double> thresholds;
  double default_threshold = kDefaultThreshold;
};

// An immutable, configured collection of detectors.
class DetectorSet {
 public:
  // Builds a set from `options`. Returns InvalidArgument naming any unknown detector (in `enabled`
  // or `thresholds`) and listing the valid names, or naming a threshold outside [0, 1].
  static absl::StatusOr<std::unique_ptr<const DetectorSet>> Create(const DetectorOptions& options);

  DetectorSet(const DetectorSet&) = delete;
  DetectorSet& operator=(const DetectorSet&) = delete;
  ~DetectorSet();

  // Returns the findings in `text` scoring at or above their detector's threshold, sorted by start
  // offset, with no two overlapping: of overlapping findings the higher score wins, and on equal
  // scores the more specific detector. `text` is treated as UTF-8 but may hold any bytes; offsets
  // are byte offsets into `text`. Typographic spaces and dashes (typographic.h) read as their
  // ASCII stand-ins: "12.531.909‐2" is found whole. The result does not refer to `text`.
  std::vector<Finding> Scan(absl::string_view text) const;

  // The enabled detectors, in AllDetectorNames() order.
  std::vector<std::string> EnabledDetectors() const;

  // The threshold in force for `detector`. REQUIRES: `detector` is enabled in this set.
  double Threshold(absl::string_view detector) const;

 private:
  struct Impl;
  explicit DetectorSet(std::unique_ptr<const Impl> impl);
  // Scan() of a text whose typographic separators are already folded.
  std::vector<Finding> ScanAscii(absl::string_view text) const;
  std::unique_ptr<const Impl> impl_;
};

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_DETECTOR_H_
