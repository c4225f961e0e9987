// Internal to the classification library: the walk over a message's set fields that both the
// classifier and the minimiser make, and the recording of a classification summary.
#ifndef PASARELA_GATEWAY_CLASSIFY_PAYLOAD_WALK_H_
#define PASARELA_GATEWAY_CLASSIFY_PAYLOAD_WALK_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>

#include <bitset>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/classify/classification.h"
#include "gateway/classify/payload_classifier.h"

namespace pasarela::classify::internal {

// The plan of a field the policy has no table for (a message type outside the catalog): the
// default rule, and scanned when it is a string.
inline FieldPlan DefaultPlan(const google::protobuf::FieldDescriptor* field) {
  FieldPlan plan;
  plan.field = field;
  plan.scan = field->type() == google::protobuf::FieldDescriptor::TYPE_STRING;
  return plan;
}

// Access to sub-messages for a walk that reads (const Message) or may later write (Message). The
// writing walk takes every sub-message through the Mutable accessors, which return the existing
// object of a set field and change no content. Writing through a const accessor would be a cast
// away from const, and for a map field it would also bypass the bookkeeping that tells the map
// its entries changed.
inline const google::protobuf::Message& SubMessage(const google::protobuf::Message& message,
                                                   const google::protobuf::FieldDescriptor* field,
                                                   int index) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  return index < 0 ? reflection->GetMessage(message, field)
                   : reflection->GetRepeatedMessage(message, field, index);
}
inline google::protobuf::Message& SubMessage(google::protobuf::Message& message,
                                             const google::protobuf::FieldDescriptor* field,
                                             int index) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  return index < 0 ? *reflection->MutableMessage(&message, field)
                   : *reflection->MutableRepeatedMessage(&message, field, index);
}

// Appends "[index]" to a path: every element of a repeated field on the way gets one, and
// StrAppend's general formatting cost more than the rest of a field's step of the walk.
inline void AppendIndex(int index, std::string* path) {
  char digits[12];
  int count = 0;
  unsigned value = static_cast<unsigned>(index);  // REQUIRES: index >= 0, as field indices are
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  path->push_back('[');
  while (count > 0) path->push_back(digits[--count]);
  path->push_back(']');
}

// Calls, depth first in schema order, for each set field of `message`:
//   visitor.OnField(message, field, plan, path)  for a field that is not a message (`path` names
//                                                 the field; a repeated one has no index);
//   visitor.OnUnclassified(message, field, path) for an extension (field) or the unknown fields of
//                                                 a message (field == nullptr; once per message,
//                                                 path of the first unknown number).
// Message fields are entered, each element of a repeated one with its index in the path. `plan`
// may be null (a type the policy does not know): every field then gets DefaultPlan.
// `path` is a buffer holding the path of `message`; it is restored before returning.
// `MessageT` is `const google::protobuf::Message` or `google::protobuf::Message`.
template <typename MessageT, typename Visitor>
void WalkMessage(MessageT& message, const MessagePlan* plan, std::string* path, Visitor& visitor) {
  using ::google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* type = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const size_t base = path->size();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    int count = 0;
    if (field->is_repeated()) {
      count = reflection->FieldSize(message, field);
      if (count == 0) continue;
    } else if (!reflection->HasField(message, field)) {
      continue;
    }
    const FieldPlan* found = plan == nullptr ? nullptr : plan->Find(field);
    FieldPlan fallback;
    if (found == nullptr || found->field->cpp_type() != field->cpp_type()) {
      fallback = DefaultPlan(field);
      found = &fallback;
    }
    if (base != 0) path->push_back('.');
    path->append(field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        const size_t element_base = path->size();
        for (int e = 0; e < count; ++e) {
          AppendIndex(e, path);
          WalkMessage(SubMessage(message, field, e), found->message, path, visitor);
          path->resize(element_base);
        }
      } else {
        WalkMessage(SubMessage(message, field, -1), found->message, path, visitor);
      }
    } else {
      visitor.OnField(message, field, *found, *path);
    }
    path->resize(base);
  }
  if (type->extension_range_count() > 0) {
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      if (!field->is_extension()) continue;
      if (base != 0) path->push_back('.');
      absl::StrAppend(path, "[", field->full_name(), "]");
      visitor.OnUnclassified(message, field, *path);
      path->resize(base);
    }
  }
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  if (!unknown.empty()) {
    if (base != 0) path->push_back('.');
    absl::StrAppend(path, "#", unknown.field(0).number());
    visitor.OnUnclassified(message, nullptr, *path);
    path->resize(base);
  }
}

// Builds a ClassificationSummary as a walk goes.
class SummaryRecorder {
 public:
  SummaryRecorder(const DetectorSet& detectors, ClassificationSummary* summary)
      : detectors_(detectors), summary_(summary) {
    // Room for a typical record's classified fields, so the walk does not regrow the list (an
    // identity record has about twenty).
    summary_->declared.reserve(32);
  }

  void RecordDeclared(const std::string& path, const FieldPlan& plan) {
    summary_->declared.push_back(DeclaredField{path, plan.category, plan.source});
    present_.set(static_cast<size_t>(plan.category));
  }

  // Scans one string value of a field planned for scanning and appends its undeclared findings,
  // at `path`, to the summary. Returns how many it appended. With `index` >= 0 the value is that
  // element of the repeated field at `path`, and the findings' path ends with "[index]": built
  // only for a finding, as most values have none.
  size_t ScanValue(absl::string_view value, const FieldPlan& plan, const std::string& path,
                   int index = -1) {
    size_t added = 0;
    for (const Finding& finding : detectors_.Scan(value)) {
      DataCategory category = ToDataCategory(finding.category);
      if (Covers(plan.category, category)) continue;
      std::string where = path;
      if (index >= 0) AppendIndex(index, &where);
      summary_->undeclared.push_back(UndeclaredData{std::move(where), plan.category, category,
                                                    finding.detector, finding.start, finding.end,
                                                    finding.score});
      present_.set(static_cast<size_t>(category));
      ++added;
    }
    return added;
  }

  void RecordUnclassified(const std::string& path) { summary_->unclassified.push_back(path); }

  // Fills in the categories present. Call once, after the walk.
  void Finish() {
    summary_->categories.reserve(present_.count());
    for (DataCategory category : AllDataCategories()) {
      if (present_.test(static_cast<size_t>(category))) summary_->categories.push_back(category);
    }
  }

 private:
  const DetectorSet& detectors_;
  ClassificationSummary* summary_;
  std::bitset<32> present_;  // by DataCategory value
};

// The value of one element (index >= 0) or of a singular string field (index < 0).
inline const std::string& StringValue(const google::protobuf::Message& message,
                                      const google::protobuf::FieldDescriptor* field, int index,
                                      std::string* scratch) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  return index < 0 ? reflection->GetStringReference(message, field, scratch)
                   : reflection->GetRepeatedStringReference(message, field, index, scratch);
}

}  // namespace pasarela::classify::internal

#endif  // PASARELA_GATEWAY_CLASSIFY_PAYLOAD_WALK_H_
