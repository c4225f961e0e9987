// Classification of one payload: which categories of personal data a message carries, in which
// fields, declared by the schema or found in string content by the detectors.
//
// The classification summary names field paths, categories and detectors, never values: it is
// what the audit record keeps of a call. Thread safety: a PayloadClassifier is immutable; Classify
// may be called from any number of threads at once (each call reads its own message).
#ifndef PASARELA_GATEWAY_CLASSIFY_PAYLOAD_CLASSIFIER_H_
#define PASARELA_GATEWAY_CLASSIFY_PAYLOAD_CLASSIFIER_H_

#include <google/protobuf/message.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/agreement/agreement.h"
#include "gateway/classify/classification.h"

namespace pasarela::classify {

// A set field and its declared category. Path notation: field names joined by '.', with the index
// of each element of a repeated message on the way ("summary.problems[2].note"). A repeated
// scalar field is listed once, without an index: all its elements share its category.
struct DeclaredField {
  std::string path;
  DataCategory category = DataCategory::kInternal;
  CategorySource source = CategorySource::kDefault;
};

// Undeclared personal data: a detector found, in a string field, a category that the field's
// declared category does not cover (see Covers in classification.h). The path ends with the
// element's index when the field is repeated ("person.given_names[1]").
struct UndeclaredData {
  std::string path;
  DataCategory declared = DataCategory::kInternal;  // the field's declared category
  DataCategory category = DataCategory::kPersonal;  // what was found
  absl::string_view detector;                       // "CPF"; static storage
  size_t start = 0;                                 // byte range of the finding in the value
  size_t end = 0;
  double score = 0;
};

struct ClassificationSummary {
  // Every category present, declared or found, in DataCategory order, each once.
  std::vector<DataCategory> categories;
  // Every set field that is not itself a message, in schema order, depth first.
  std::vector<DeclaredField> declared;
  // Findings of categories above their field's declaration, in the same order.
  std::vector<UndeclaredData> undeclared;
  // Fields the schema does not declare (unknown field numbers, "person.#12") and extensions
  // ("person.[ext.full_name]"): nothing is known of their category.
  std::vector<std::string> unclassified;

  bool Contains(DataCategory category) const;
};

// One line of JSON for the audit record:
//   {"categories":["personal","health"],
//    "declared":[{"path":"summary.given_names","category":"personal","source":"field_option"}],
//    "undeclared":[{"path":"summary.problems[0].note","declared":"health",
//                   "category":"personal_identifier","detector":"CPF","start":9,"end":23,
//                   "score":1.0}],
//    "unclassified":["summary.#40"]}
// No value of the message appears in it.
std::string SummaryToJson(const ClassificationSummary& summary);

class PayloadClassifier {
 public:
  // REQUIRES: `policy` outlives the classifier.
  explicit PayloadClassifier(const ClassificationPolicy& policy) : policy_(policy) {}

  // Classifies every set field of `message` and scans its string fields. A message whose type the
  // policy does not know is classified field by field as `internal` (default rule) and fully
  // scanned, so that undeclared data is still found.
  ClassificationSummary Classify(const google::protobuf::Message& message) const;

 private:
  const ClassificationPolicy& policy_;
};

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_PAYLOAD_CLASSIFIER_H_
