#include "gateway/agreement/response_trimmer.h"

#include <algorithm>

#include <google/protobuf/reflection.h>
#include <google/protobuf/unknown_field_set.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string FieldName(const FieldDescriptor* field) {
  if (field->is_extension()) return absl::StrCat("[", field->full_name(), "]");
  return field->name();
}

// Withheld paths up to this many are kept in one allocation and told apart without a set.
constexpr size_t kFewPaths = 8;

std::string Join(const std::string& prefix, absl::string_view name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}

}  // namespace

absl::StatusOr<std::vector<const FieldDescriptor*>> ResolveFieldPath(const Descriptor* message,
                                                                     absl::string_view path) {
  std::vector<std::string> steps = absl::StrSplit(path, '.');
  std::vector<const FieldDescriptor*> fields;
  const Descriptor* current = message;
  std::string walked;
  for (const std::string& step : steps) {
    if (step.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", path, "' is not a field path: expected field names separated by single dots"));
    }
    if (current == nullptr) {
      const FieldDescriptor* last = fields.back();
      return absl::InvalidArgumentError(absl::StrCat(
          "'", path, "' goes on past ", walked, ", which is ",
          last->type() == FieldDescriptor::TYPE_ENUM ? "an enum"
                                                     : absl::StrCat("a ", last->type_name()),
          ", not a message"));
    }
    if (!fields.empty() && fields.back()->is_map()) {
      return absl::InvalidArgumentError(absl::StrCat("'", path, "' goes into the map field ",
                                                     walked,
                                                     "; a map can only be allowed as a whole"));
    }
    const FieldDescriptor* field = current->FindFieldByName(step);
    if (field == nullptr) {
      std::vector<std::string> names;
      for (int i = 0; i < current->field_count(); ++i) names.push_back(current->field(i)->name());
      std::string suggestion = ClosestMatch(step, names);
      return absl::InvalidArgumentError(absl::StrCat(
          "'", path, "' does not exist in ", message->full_name(), ": ", current->full_name(),
          " has no field '", step, "'",
          suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)")));
    }
    fields.push_back(field);
    walked = Join(walked, step);
    current =
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? field->message_type() : nullptr;
  }
  return fields;
}

absl::StatusOr<std::unique_ptr<const ResponseTrimmer>> ResponseTrimmer::Create(
    const Descriptor* response_type, const std::vector<std::string>& allowed_paths) {
  if (response_type == nullptr) return absl::InvalidArgumentError("no response type");
  auto root = std::make_unique<Node>();
  for (const std::string& path : allowed_paths) {
    absl::StatusOr<std::vector<const FieldDescriptor*>> fields =
        ResolveFieldPath(response_type, path);
    if (!fields.ok()) return fields.status();
    Node* node = root.get();
    for (const FieldDescriptor* field : *fields) {
      if (node->keep_all) break;  // an ancestor is allowed whole already
      std::unique_ptr<Node>& child = node->children[field->number()];
      if (child == nullptr) child = std::make_unique<Node>();
      node = child.get();
    }
    // Allowed whole: what was allowed below it before no longer matters.
    node->keep_all = true;
    node->children.clear();
  }
  return std::unique_ptr<const ResponseTrimmer>(
      new ResponseTrimmer(response_type, std::move(root)));
}

namespace {

// Fields the schema does not declare may carry anything: they never cross, not even inside a
// subtree that is allowed whole.
void StripUnknownFields(Message* message, const std::string& prefix,
                        std::vector<std::string>* withheld, bool recurse) {
  const Reflection* reflection = message->GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(*message);
  if (!unknown.empty()) {
    for (int i = 0; i < unknown.field_count(); ++i) {
      withheld->push_back(Join(prefix, absl::StrCat("#", unknown.field(i).number())));
    }
    reflection->MutableUnknownFields(message)->Clear();
  }
  if (!recurse) return;
  std::vector<const FieldDescriptor*> present;
  reflection->ListFields(*message, &present);
  for (const FieldDescriptor* field : present) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    std::string path = Join(prefix, FieldName(field));
    if (field->is_repeated()) {
      int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        StripUnknownFields(reflection->MutableRepeatedMessage(message, field, i), path, withheld,
                           true);
      }
    } else {
      StripUnknownFields(reflection->MutableMessage(message, field), path, withheld, true);
    }
  }
}

}  // namespace

void ResponseTrimmer::TrimMessage(const Node& node, Message* message, const std::string& prefix,
                                  std::vector<std::string>* withheld) {
  if (node.keep_all) {
    StripUnknownFields(message, prefix, withheld, true);
    return;
  }
  StripUnknownFields(message, prefix, withheld, false);
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> present;
  reflection->ListFields(*message, &present);
  for (const FieldDescriptor* field : present) {
    auto it = node.children.find(field->number());
    const Node* child =
        it == node.children.end() || field->is_extension() ? nullptr : it->second.get();
    // A scalar allowed through needs no path: one is built only for what is withheld or entered.
    if (child != nullptr && child->keep_all &&
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    std::string path = Join(prefix, FieldName(field));
    if (child == nullptr) {
      reflection->ClearField(message, field);
      withheld->push_back(std::move(path));
      continue;
    }
    // A message field allowed whole is still entered to strip unknown fields; a partial child is
    // always a message field (ResolveFieldPath only enters messages).
    if (field->is_repeated()) {
      int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        TrimMessage(*child, reflection->MutableRepeatedMessage(message, field, i), path, withheld);
      }
    } else {
      TrimMessage(*child, reflection->MutableMessage(message, field), path, withheld);
    }
  }
}

TrimReport ResponseTrimmer::Trim(Message* response) const {
  TrimReport report;
  // Field numbers are only meaningful within the type the allow-list was compiled for; a
  // generated and a dynamic descriptor of the same type share them, any other type is cleared.
  if (response->GetDescriptor()->full_name() != response_type_->full_name()) {
    response->Clear();
    report.withheld.push_back("*");
    return report;
  }
  std::vector<std::string> withheld;
  withheld.reserve(kFewPaths);
  TrimMessage(*root_, response, "", &withheld);
  // A path repeats once per element of a repeated message that withholds it; the first of each
  // is kept, in order. A few paths are compared among themselves, more through a set.
  report.withheld.reserve(withheld.size());
  if (withheld.size() <= kFewPaths) {
    for (std::string& path : withheld) {
      if (std::find(report.withheld.begin(), report.withheld.end(), path) ==
          report.withheld.end()) {
        report.withheld.push_back(std::move(path));
      }
    }
    return report;
  }
  absl::flat_hash_set<std::string> seen;
  seen.reserve(withheld.size());
  for (std::string& path : withheld) {
    if (seen.insert(path).second) report.withheld.push_back(std::move(path));
  }
  return report;
}

}  // namespace pasarela
