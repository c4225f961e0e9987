#include "gateway/classify/classification.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/classify/category_options.h"

namespace pasarela::classify {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::internal::WireFormatLite;

// Field numbers of the extensions in proto/pasarela/v1/options.proto.
constexpr int kCategoryOption = 51201;
constexpr int kMessageCategoryOption = 51203;

// Reads a DataCategory extension from serialized options. The options are read from their wire
// form rather than with GetExtension so that the result does not depend on whether the generated
// code of options.proto is linked into the process: when it is, the runtime pool parses the
// extension into the options message; when it is not, the value stays among its unknown fields.
// Both serialize the same. Returns 0 when the option is absent; the last occurrence wins, as
// protobuf parsing does.
int ReadEnumOption(const std::string& serialized_options, int field_number) {
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(serialized_options.data()),
      static_cast<int>(serialized_options.size()));
  int value = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == field_number &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t raw = 0;
      if (!in.ReadVarint64(&raw)) break;
      value = static_cast<int>(static_cast<int32_t>(raw));
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) break;
  }
  return value;
}

}  // namespace

int FieldCategoryOption(const FieldDescriptor* field) {
  return ReadEnumOption(field->options().SerializeAsString(), kCategoryOption);
}

int MessageCategoryOption(const Descriptor* type) {
  return ReadEnumOption(type->options().SerializeAsString(), kMessageCategoryOption);
}

namespace {

bool IsKnownCategory(int value) {
  for (DataCategory category : AllDataCategories()) {
    if (static_cast<int>(category) == value) return true;
  }
  return false;
}

}  // namespace

bool Covers(DataCategory declared, DataCategory found) {
  if (declared == found) return true;
  if (IsSensitive(declared) || IsSensitive(found)) return false;
  return static_cast<int>(found) <= static_cast<int>(declared);
}

DataCategory ToDataCategory(Category detected) {
  switch (detected) {
    case Category::kPersonal:
      return DataCategory::kPersonal;
    case Category::kPersonalIdentifier:
      return DataCategory::kPersonalIdentifier;
  }
  return DataCategory::kPersonalIdentifier;
}

absl::string_view CategorySourceName(CategorySource source) {
  switch (source) {
    case CategorySource::kFieldOption:
      return "field_option";
    case CategorySource::kFieldAnnotation:
      return "field_annotation";
    case CategorySource::kMessageOption:
      return "message_option";
    case CategorySource::kMessageAnnotation:
      return "message_annotation";
    case CategorySource::kInherited:
      return "inherited";
    case CategorySource::kDefault:
      return "default";
  }
  return "default";
}

const FieldPlan* MessagePlan::Find(const FieldDescriptor* field) const {
  if (field->containing_type() == type && !field->is_extension()) {
    return &fields[static_cast<size_t>(field->index())];
  }
  const FieldDescriptor* same = type->FindFieldByNumber(field->number());
  return same == nullptr ? nullptr : &fields[static_cast<size_t>(same->index())];
}

// Builds the plans of one policy: resolves each message type's declarations once, then each
// (message, inherited category) table once, sharing the tables between every field that reaches
// the same message with the same inherited category. A recursive message reaches itself with a
// category already being built and links to it, so the recursion ends.
class ClassificationPolicy::Compiler {
 public:
  Compiler(ClassificationPolicy* policy, std::vector<DataCategory> detectable)
      : policy_(policy), detectable_(std::move(detectable)) {}

  // Reads the annotations; errors name the annotation.
  absl::Status AddAnnotations(const std::vector<SchemaAnnotation>& annotations,
                              const google::protobuf::DescriptorPool& pool) {
    for (const SchemaAnnotation& annotation : annotations) {
      const Descriptor* type = pool.FindMessageTypeByName(annotation.message);
      if (type == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("annotations: message ", annotation.message,
                                                       " is not in the descriptor sets"));
      }
      if (!message_annotations_.emplace(type, annotation.category).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("annotations: message ", annotation.message, " is annotated twice"));
      }
      for (const auto& [name, category] : annotation.fields) {
        const FieldDescriptor* field = type->FindFieldByName(name);
        if (field == nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("annotations: message ", annotation.message, " has no field ", name));
        }
        if (FieldCategoryOption(field) != 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("annotations: field ", field->full_name(),
                           " declares its category in the schema; an annotation cannot change it"));
        }
        field_annotations_[field] = category;
      }
    }
    return absl::OkStatus();
  }

  // Compiles every message type of the catalog as a root.
  absl::Status CompileCatalog(const DescriptorCatalog& catalog) {
    for (const std::string& file_name : catalog.file_names()) {
      const google::protobuf::FileDescriptor* file = catalog.pool().FindFileByName(file_name);
      if (file == nullptr) continue;
      for (int i = 0; i < file->message_type_count(); ++i) {
        absl::Status status = CompileRoots(file->message_type(i));
        if (!status.ok()) return status;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CompileRoots(const Descriptor* type) {
    absl::StatusOr<const MessagePlan*> plan = Compile(type, 0);
    if (!plan.ok()) return plan.status();
    policy_->roots_[type] = *plan;
    policy_->roots_by_name_[type->full_name()] = *plan;
    for (int i = 0; i < type->nested_type_count(); ++i) {
      absl::Status status = CompileRoots(type->nested_type(i));
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<const MessagePlan*> Compile(const Descriptor* type, int inherited) {
    PlanKey key{type, inherited};
    auto found = policy_->plans_.find(key);
    if (found != policy_->plans_.end()) return found->second.get();
    auto owned = std::make_unique<MessagePlan>();
    MessagePlan* plan = owned.get();
    policy_->plans_.emplace(key, std::move(owned));
    plan->type = type;
    plan->fields.resize(static_cast<size_t>(type->field_count()));

    absl::StatusOr<absl::optional<DeclaredCategory>> message_category = MessageCategory(type);
    if (!message_category.ok()) return message_category.status();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      FieldPlan& entry = plan->fields[static_cast<size_t>(i)];
      entry.field = field;
      int option = FieldCategoryOption(field);
      auto annotated = field_annotations_.find(field);
      if (option != 0) {
        if (!IsKnownCategory(option)) {
          return absl::InvalidArgumentError(absl::StrCat("field ", field->full_name(),
                                                         " declares category number ", option,
                                                         ", which this gateway does not know"));
        }
        entry.category = static_cast<DataCategory>(option);
        entry.source = CategorySource::kFieldOption;
      } else if (annotated != field_annotations_.end()) {
        entry.category = annotated->second;
        entry.source = CategorySource::kFieldAnnotation;
      } else if (message_category->has_value()) {
        entry.category = (*message_category)->category;
        entry.source = (*message_category)->source;
      } else if (inherited != 0) {
        entry.category = static_cast<DataCategory>(inherited);
        entry.source = CategorySource::kInherited;
      } else {
        entry.category = DataCategory::kInternal;
        entry.source = CategorySource::kDefault;
      }
      entry.scan = field->type() == FieldDescriptor::TYPE_STRING &&
                   std::any_of(detectable_.begin(), detectable_.end(),
                               [&](DataCategory found) { return !Covers(entry.category, found); });
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        absl::StatusOr<const MessagePlan*> child =
            Compile(field->message_type(), static_cast<int>(entry.category));
        if (!child.ok()) return child.status();
        entry.message = *child;
      }
    }
    return plan;
  }

  absl::StatusOr<absl::optional<DeclaredCategory>> MessageCategory(const Descriptor* type) {
    int option = MessageCategoryOption(type);
    if (option != 0) {
      if (!IsKnownCategory(option)) {
        return absl::InvalidArgumentError(absl::StrCat("message ", type->full_name(),
                                                       " declares category number ", option,
                                                       ", which this gateway does not know"));
      }
      return absl::optional<DeclaredCategory>(
          DeclaredCategory{static_cast<DataCategory>(option), CategorySource::kMessageOption});
    }
    auto annotated = message_annotations_.find(type);
    if (annotated != message_annotations_.end() && annotated->second.has_value()) {
      return absl::optional<DeclaredCategory>(
          DeclaredCategory{*annotated->second, CategorySource::kMessageAnnotation});
    }
    return absl::optional<DeclaredCategory>();
  }

  ClassificationPolicy* policy_;
  std::vector<DataCategory> detectable_;
  absl::flat_hash_map<const Descriptor*, absl::optional<DataCategory>> message_annotations_;
  absl::flat_hash_map<const FieldDescriptor*, DataCategory> field_annotations_;
};

ClassificationPolicy::~ClassificationPolicy() = default;

absl::StatusOr<ClassificationPolicy> ClassificationPolicy::Create(
    const ClassificationSettings& settings, const DescriptorCatalog& catalog) {
  absl::StatusOr<std::unique_ptr<const DetectorSet>> detectors =
      DetectorSet::Create(settings.detectors);
  if (!detectors.ok()) return detectors.status();
  ClassificationPolicy policy;
  policy.detectors_ = *std::move(detectors);

  std::vector<DataCategory> detectable;
  for (const std::string& name : policy.detectors_->EnabledDetectors()) {
    DataCategory category = ToDataCategory(DetectorCategory(name));
    if (std::find(detectable.begin(), detectable.end(), category) == detectable.end()) {
      detectable.push_back(category);
    }
  }
  Compiler compiler(&policy, std::move(detectable));
  absl::Status status = compiler.AddAnnotations(settings.annotations, catalog.pool());
  if (!status.ok()) return status;
  status = compiler.CompileCatalog(catalog);
  if (!status.ok()) return status;
  return policy;
}

const MessagePlan* ClassificationPolicy::PlanFor(const Descriptor* type) const {
  auto found = roots_.find(type);
  if (found != roots_.end()) return found->second;
  auto by_name = roots_by_name_.find(type->full_name());
  return by_name == roots_by_name_.end() ? nullptr : by_name->second;
}

absl::optional<DeclaredCategory> ClassificationPolicy::DeclaredCategoryAt(
    const Descriptor* root, absl::string_view path) const {
  const MessagePlan* plan = PlanFor(root);
  if (plan == nullptr) return absl::nullopt;
  std::vector<absl::string_view> steps = absl::StrSplit(path, '.');
  for (size_t i = 0; i < steps.size(); ++i) {
    const FieldDescriptor* field = plan->type->FindFieldByName(std::string(steps[i]));
    if (field == nullptr) return absl::nullopt;
    const FieldPlan& entry = plan->fields[static_cast<size_t>(field->index())];
    if (i + 1 == steps.size()) return DeclaredCategory{entry.category, entry.source};
    if (entry.message == nullptr) return absl::nullopt;
    plan = entry.message;
  }
  return absl::nullopt;
}

}  // namespace pasarela::classify
