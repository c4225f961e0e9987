#include "gateway/classify/minimiser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/classify/payload_walk.h"
#include "gateway/common/digest.h"
#include "gateway/common/utf8.h"

namespace pasarela::classify {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

bool IsSeparator(char c) { return c == ' ' || c == '.' || c == '-' || c == '/' || c == '\t'; }

bool ReplacesWholeValue(DataTreatment treatment) {
  return treatment == DataTreatment::kRedact || treatment == DataTreatment::kMask ||
         treatment == DataTreatment::kPseudonymise;
}

// Removes element `index` of a repeated field, keeping the order of the others.
void RemoveElement(Message* message, const FieldDescriptor* field, int index) {
  const Reflection* reflection = message->GetReflection();
  int size = reflection->FieldSize(*message, field);
  for (int i = index; i + 1 < size; ++i) reflection->SwapElements(message, field, i, i + 1);
  reflection->RemoveLast(message, field);
}

}  // namespace

std::string DerivePseudonymKey(absl::string_view gateway_key, absl::string_view agreement_id) {
  return HmacSha256Digest(gateway_key, absl::StrCat("agreement:", agreement_id));
}

std::string RedactionMarker(DataCategory category) {
  return absl::StrCat("[redacted: ", DataCategoryName(category), "]");
}

std::string MaskValue(absl::string_view value, int keep_last) {
  // Characters are counted by their first byte (any byte that is not a UTF-8 continuation byte),
  // so that a malformed value is still masked byte by byte rather than refused.
  const size_t characters = CountCharacters(value);
  size_t keep = keep_last < 0 ? 0 : static_cast<size_t>(keep_last);
  if (characters <= keep) return std::string(characters, '*');
  size_t masked = characters - keep;
  // Find the byte where the kept characters start: the start of character number `masked`.
  size_t seen = 0;
  size_t cut = value.size();
  for (size_t i = 0; i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) continue;
    if (seen == masked) {
      cut = i;
      break;
    }
    ++seen;
  }
  return absl::StrCat(std::string(masked, '*'), value.substr(cut));
}

std::string Pseudonym(absl::string_view key, DataCategory category, absl::string_view value) {
  if (category != DataCategory::kPersonalIdentifier) {
    return absl::BytesToHexString(HmacSha256Digest(key, value));
  }
  std::string normalised;
  normalised.reserve(value.size());
  for (char c : value) {
    if (!IsSeparator(c)) normalised.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return absl::BytesToHexString(HmacSha256Digest(key, normalised));
}

bool MinimisationReport::changed() const {
  if (!removed_unclassified.empty()) return true;
  for (const TreatedData& data : treated) {
    if (data.treatment != DataTreatment::kAllow) return true;
  }
  return false;
}

std::string MinimisationReport::TrailerValue() const {
  std::vector<std::string> items;
  for (const TreatedData& data : treated) {
    if (data.treatment == DataTreatment::kAllow) continue;
    items.push_back(absl::StrCat(data.path, ":", DataCategoryName(data.category), ":",
                                 DataTreatmentName(data.treatment)));
  }
  for (const std::string& path : removed_unclassified) {
    items.push_back(absl::StrCat(path, ":unclassified:drop"));
  }
  return absl::StrJoin(items, ",");
}

// Classifies as it walks and plans the edits; nothing changes until the walk is over.
class PersonalDataMinimiser::Visitor {
 public:
  Visitor(const PersonalDataMinimiser& minimiser, ClassificationSummary* summary,
          MinimisationReport* report)
      : minimiser_(minimiser),
        summary_(summary),
        report_(report),
        recorder_(minimiser.policy_.detectors(), summary) {}

  void OnField(Message& message, const FieldDescriptor* field, const FieldPlan& plan,
               const std::string& path) {
    recorder_.RecordDeclared(path, plan);
    Message* target = &message;
    const PersonalDataPolicy& rules = minimiser_.rules_;
    const bool declared_allowed = rules.Allows(plan.category);
    const DataTreatment declared = minimiser_.TreatmentOf(plan.category);
    const bool text = field->type() == FieldDescriptor::TYPE_STRING;
    if (declared == DataTreatment::kDeny) Deny(plan.category, path, "");
    if (!declared_allowed && declared != DataTreatment::kDeny) {
      report_->treated.push_back(TreatedData{path, plan.category, false, {}, declared});
    }
    // Cleared whole: dropped, or a value that cannot carry a marker, mask or pseudonym.
    const bool clear_field = !declared_allowed && (declared == DataTreatment::kDrop ||
                                                   (!text && ReplacesWholeValue(declared)));
    if (clear_field) edits_.push_back(Edit{Edit::Kind::kClearField, target, field, -1, {}});
    if (!text) return;
    const bool replace_whole = !declared_allowed && ReplacesWholeValue(declared);

    const int count = field->is_repeated() ? message.GetReflection()->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const int index = field->is_repeated() ? i : -1;
      const std::string* element_path = &path;
      if (index >= 0) {
        element_path_.assign(path);
        internal::AppendIndex(index, &element_path_);
        element_path = &element_path_;
      }
      const std::string& value = internal::StringValue(message, field, index, &scratch_);
      const size_t first = summary_->undeclared.size();
      const size_t found = plan.scan ? recorder_.ScanValue(value, plan, *element_path) : 0;

      bool drop_element = false;
      spans_.clear();
      const size_t reported = report_->treated.size();
      for (size_t k = first; k < first + found; ++k) {
        const UndeclaredData& data = summary_->undeclared[k];
        const DataTreatment treatment = minimiser_.UndeclaredTreatmentOf(data.category);
        if (treatment == DataTreatment::kDeny) {
          Deny(data.category, *element_path, data.detector);
          continue;
        }
        if (treatment == DataTreatment::kAllow && rules.Allows(data.category)) continue;
        if (clear_field) continue;  // the whole field goes; its declared entry says so
        report_->treated.push_back(
            TreatedData{*element_path, data.category, true, data.detector, treatment});
        if (treatment == DataTreatment::kDrop) drop_element = true;
        if (ReplacesWholeValue(treatment)) spans_.push_back(k);
      }
      if (clear_field) continue;
      if (drop_element) {
        // Whatever else was found in the element goes with it.
        for (size_t r = reported; r < report_->treated.size(); ++r) {
          report_->treated[r].treatment = DataTreatment::kDrop;
        }
        edits_.push_back(index >= 0 ? Edit{Edit::Kind::kRemoveElement, target, field, index, {}}
                                    : Edit{Edit::Kind::kClearField, target, field, -1, {}});
        continue;
      }
      if (spans_.empty() && !replace_whole) continue;
      std::string treated = value;
      // Findings are sorted and do not overlap: replacing from the last keeps earlier offsets.
      for (auto k = spans_.rbegin(); k != spans_.rend(); ++k) {
        const UndeclaredData& data = summary_->undeclared[*k];
        size_t length = data.end - data.start;
        treated.replace(
            data.start, length,
            minimiser_.Treat(minimiser_.UndeclaredTreatmentOf(data.category), data.category,
                             absl::string_view(treated).substr(data.start, length)));
      }
      if (replace_whole) treated = minimiser_.Treat(declared, plan.category, treated);
      edits_.push_back(Edit{Edit::Kind::kSetString, target, field, index, std::move(treated)});
    }
  }

  void OnUnclassified(Message& message, const FieldDescriptor* field, const std::string& path) {
    recorder_.RecordUnclassified(path);
    report_->removed_unclassified.push_back(path);
    Message* target = &message;
    edits_.push_back(field == nullptr
                         ? Edit{Edit::Kind::kClearUnknownFields, target, nullptr, -1, {}}
                         : Edit{Edit::Kind::kClearField, target, field, -1, {}});
  }

  void Finish() { recorder_.Finish(); }

  const absl::Status& denied() const { return denied_; }

  // Values first (no element moves), then removals from the last (earlier indices stay valid),
  // then whole fields. No edit touches a message field, so no edit frees a message another edit
  // points into.
  void ApplyEdits() {
    for (Edit& edit : edits_) {
      if (edit.kind != Edit::Kind::kSetString) continue;
      const Reflection* reflection = edit.message->GetReflection();
      if (edit.index < 0) {
        reflection->SetString(edit.message, edit.field, std::move(edit.value));
      } else {
        reflection->SetRepeatedString(edit.message, edit.field, edit.index, std::move(edit.value));
      }
    }
    for (auto edit = edits_.rbegin(); edit != edits_.rend(); ++edit) {
      if (edit->kind == Edit::Kind::kRemoveElement) {
        RemoveElement(edit->message, edit->field, edit->index);
      }
    }
    for (Edit& edit : edits_) {
      if (edit.kind == Edit::Kind::kClearField) {
        edit.message->GetReflection()->ClearField(edit.message, edit.field);
      } else if (edit.kind == Edit::Kind::kClearUnknownFields) {
        edit.message->GetReflection()->MutableUnknownFields(edit.message)->Clear();
      }
    }
  }

 private:
  void Deny(DataCategory category, const std::string& path, absl::string_view detector) {
    if (!denied_.ok()) return;
    denied_ = absl::PermissionDeniedError(absl::StrCat(
        "the agreement denies the exchange: data of category ", DataCategoryName(category),
        detector.empty() ? "" : absl::StrCat(" (undeclared, found by ", detector, ")"), " at ",
        path));
  }

  const PersonalDataMinimiser& minimiser_;
  ClassificationSummary* summary_;
  MinimisationReport* report_;
  internal::SummaryRecorder recorder_;
  // A change to make once the walk is over and no treatment denied the exchange. `message` points
  // into the message being minimised (a sub-message reached through the Mutable accessors).
  struct Edit {
    enum class Kind { kSetString, kRemoveElement, kClearField, kClearUnknownFields };
    Kind kind;
    Message* message;
    const FieldDescriptor* field;  // null for kClearUnknownFields
    int index;                     // element of a repeated field, or -1
    std::string value;             // for kSetString
  };
  std::vector<Edit> edits_;
  std::vector<size_t> spans_;
  std::string scratch_;
  std::string element_path_;
  absl::Status denied_;
};

PersonalDataMinimiser::PersonalDataMinimiser(const ClassificationPolicy& policy,
                                             const PersonalDataPolicy& rules,
                                             std::string pseudonym_key)
    : policy_(policy), rules_(rules), pseudonym_key_(std::move(pseudonym_key)) {
  treatments_.fill(DataTreatment::kDeny);  // a category number outside the enum: refuse
  undeclared_treatments_.fill(DataTreatment::kDeny);
  for (DataCategory category : AllDataCategories()) {
    treatments_[static_cast<size_t>(category)] = rules_.TreatmentFor(category);
    undeclared_treatments_[static_cast<size_t>(category)] = rules_.UndeclaredTreatmentFor(category);
  }
}

absl::StatusOr<std::unique_ptr<const PersonalDataMinimiser>> PersonalDataMinimiser::Create(
    const ClassificationPolicy& policy, const PersonalDataPolicy& rules,
    std::string pseudonym_key) {
  if (pseudonym_key.empty()) {
    for (DataCategory category : AllDataCategories()) {
      if (rules.TreatmentFor(category) == DataTreatment::kPseudonymise ||
          rules.UndeclaredTreatmentFor(category) == DataTreatment::kPseudonymise) {
        return absl::InvalidArgumentError(absl::StrCat("the agreement pseudonymises ",
                                                       DataCategoryName(category),
                                                       " data, but no pseudonym key was given"));
      }
    }
  }
  return std::unique_ptr<const PersonalDataMinimiser>(
      new PersonalDataMinimiser(policy, rules, std::move(pseudonym_key)));
}

std::string PersonalDataMinimiser::Treat(DataTreatment treatment, DataCategory category,
                                         absl::string_view value) const {
  switch (treatment) {
    case DataTreatment::kRedact:
      return RedactionMarker(category);
    case DataTreatment::kMask:
      return MaskValue(value, rules_.mask_keep_last);
    case DataTreatment::kPseudonymise:
      return Pseudonym(pseudonym_key_, category, value);
    default:
      return std::string(value);
  }
}

absl::StatusOr<MinimisationReport> PersonalDataMinimiser::Minimise(
    Message* message, ClassificationSummary* summary) const {
  ClassificationSummary local;
  ClassificationSummary* out = summary != nullptr ? summary : &local;
  *out = ClassificationSummary();
  MinimisationReport report;
  Visitor visitor(*this, out, &report);
  std::string path;
  internal::WalkMessage(*message, policy_.PlanFor(message->GetDescriptor()), &path, visitor);
  visitor.Finish();
  if (!visitor.denied().ok()) return visitor.denied();
  visitor.ApplyEdits();
  return report;
}

}  // namespace pasarela::classify
