// Applies an agreement's personal-data rules to a payload in place: every field, and every piece
// of undeclared personal data found in a string, whose category the agreement does not allow gets
// the agreement's treatment for that category. Together with the allow-list trimming
// (gateway/agreement/response_trimmer.h), it decides what crosses the provider gateway.
//
// What each treatment does (DataTreatment in gateway/agreement/agreement.h):
//
//   treatment     field of that declared category         undeclared data found in a string
//   allow         left as is (reported)                   left as is (reported)
//   drop          field cleared (all elements)            field cleared, or the element removed
//   redact        "[redacted: <category>]"                the span replaced by the marker
//   mask          all but the last N characters -> '*'    the span masked the same way
//   pseudonymise  HMAC-SHA-256 of the value, hex          the span replaced by its pseudonym
//   deny          the whole exchange is refused           the whole exchange is refused
//
// Fields that are not strings (numbers, enums, booleans, bytes) cannot be marked, masked or
// pseudonymised: redact, mask and pseudonymise clear them. Masking counts UTF-8 characters; a
// value of N characters or fewer is masked entirely (a mask must hide something). Treatments of
// spans are applied first, then the field's own treatment over the result, so a field that is
// masked keeps visible only characters that had already been treated. Deny is decided before
// anything changes: a denied message is left as it arrived. Any occurrence of a category whose
// treatment is deny refuses the exchange, even in a field that another treatment would drop.
// Unknown fields and extensions have no category: they are removed and reported.
//
// Pseudonyms: HMAC-SHA-256 under a key of the agreement, 64 lower-case hex digits, the same for the
// same value on every call, so that the consumer can link records without reading them, and
// different between agreements, so that two consumers cannot link theirs. Values of category
// personal_identifier are normalised first (ASCII letters upper-cased; spaces, dots, dashes and
// slashes removed), so that "390.533.447-05" in a note and "39053344705" in an identifier field
// get the same pseudonym. The key is an input: the gateway derives it per agreement with
// DerivePseudonymKey from its own secret pseudonym key.
//
// Thread safety: immutable after Create; Minimise may be called from any number of threads at once
// (each call changes only its own message).
#ifndef PASARELA_GATEWAY_CLASSIFY_MINIMISER_H_
#define PASARELA_GATEWAY_CLASSIFY_MINIMISER_H_

#include <google/protobuf/message.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/agreement/agreement.h"
#include "gateway/classify/classification.h"
#include "gateway/classify/payload_classifier.h"

namespace pasarela::classify {

// HMAC-SHA-256(gateway_key, "agreement:" + agreement_id): the pseudonym key of one agreement (32
// bytes, raw). A gateway's pseudonym key is a secret of at least 32 random bytes.
std::string DerivePseudonymKey(absl::string_view gateway_key, absl::string_view agreement_id);

// One field or piece of data that the agreement does not allow, and what was done to it.
struct TreatedData {
  // As in ClassificationSummary: a declared field by its path (no index for a repeated scalar:
  // every element was treated alike); undeclared data with the element's index.
  std::string path;
  DataCategory category = DataCategory::kInternal;
  bool detected = false;       // false: the field's declared category; true: undeclared data
  absl::string_view detector;  // for detected data: "CPF"; static storage
  DataTreatment treatment = DataTreatment::kAllow;  // never kDeny (a denial is an error)
};

struct MinimisationReport {
  // In walk order. kAllow entries say that data the agreement does not allow crossed because its
  // treatment is allow.
  std::vector<TreatedData> treated;
  // Unknown fields and extensions removed ("person.#12", "person.[ext.name]").
  std::vector<std::string> removed_unclassified;

  // True when the message was changed.
  bool changed() const;
  // For a trailer such as x-pasarela-withheld: one "path:category:treatment" per changed item,
  // comma-separated ("summary.problems[0].note:personal_identifier:pseudonymise"); unknown fields
  // as "path:unclassified:drop". Empty when nothing was changed.
  std::string TrailerValue() const;
};

class PersonalDataMinimiser {
 public:
  // `rules` is copied. `pseudonym_key` must not be empty when any category's treatment is
  // pseudonymise (INVALID_ARGUMENT otherwise). REQUIRES: `policy` outlives the minimiser.
  static absl::StatusOr<std::unique_ptr<const PersonalDataMinimiser>> Create(
      const ClassificationPolicy& policy, const PersonalDataPolicy& rules,
      std::string pseudonym_key);

  PersonalDataMinimiser(const PersonalDataMinimiser&) = delete;
  PersonalDataMinimiser& operator=(const PersonalDataMinimiser&) = delete;

  // Classifies `message` and treats what the agreement does not allow. Returns what was done, or
  // PERMISSION_DENIED naming the category and field path of the first data whose treatment is
  // deny; a denied message is left unchanged and must not be sent. `summary`, when not null,
  // receives the classification of the message as it arrived, in both cases.
  // REQUIRES: message != nullptr.
  absl::StatusOr<MinimisationReport> Minimise(google::protobuf::Message* message,
                                              ClassificationSummary* summary = nullptr) const;

  const PersonalDataPolicy& rules() const { return rules_; }

 private:
  class Visitor;

  PersonalDataMinimiser(const ClassificationPolicy& policy, const PersonalDataPolicy& rules,
                        std::string pseudonym_key);

  DataTreatment TreatmentOf(DataCategory category) const {
    return treatments_[static_cast<size_t>(category)];
  }
  DataTreatment UndeclaredTreatmentOf(DataCategory category) const {
    return undeclared_treatments_[static_cast<size_t>(category)];
  }

  // The replacement of `value` (category `category`) under `treatment`: kRedact, kMask or
  // kPseudonymise.
  std::string Treat(DataTreatment treatment, DataCategory category, absl::string_view value) const;

  const ClassificationPolicy& policy_;
  PersonalDataPolicy rules_;
  std::string pseudonym_key_;
  std::array<DataTreatment, 32> treatments_{};             // by DataCategory value
  std::array<DataTreatment, 32> undeclared_treatments_{};  // by DataCategory value
};

using PersonalDataMinimiserPtr = std::unique_ptr<const PersonalDataMinimiser>;

// The pieces of the treatments, for tests and tools.
// "[redacted: personal_identifier]".
std::string RedactionMarker(DataCategory category);
// All but the last `keep_last` UTF-8 characters replaced by '*'; all of them when the value has
// `keep_last` characters or fewer.
std::string MaskValue(absl::string_view value, int keep_last);
// 64 lower-case hex digits of HMAC-SHA-256(key, value), the value normalised as above when
// `category` is personal_identifier.
std::string Pseudonym(absl::string_view key, DataCategory category, absl::string_view value);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_MINIMISER_H_
