// LoadClassification: reads classification.yaml, reporting every error at file:line:column, and
// compiles it against the descriptor catalog.
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/classify/category_options.h"
#include "gateway/classify/classification.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela::classify {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;

const char* KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

// " (did you mean 'X'?)" for a near miss, ignoring case first (detector names are upper case).
std::string DidYouMean(absl::string_view word, const std::vector<std::string>& candidates) {
  for (const std::string& candidate : candidates) {
    if (absl::EqualsIgnoreCase(word, candidate)) {
      return absl::StrCat(" (did you mean '", candidate, "'?)");
    }
  }
  std::string suggestion = ClosestMatch(word, candidates);
  return suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)");
}

void CollectMessageNames(const Descriptor* type, std::vector<std::string>* names) {
  names->push_back(type->full_name());
  for (int i = 0; i < type->nested_type_count(); ++i) {
    if (!type->nested_type(i)->options().map_entry()) {
      CollectMessageNames(type->nested_type(i), names);
    }
  }
}

class ClassificationReader {
 public:
  ClassificationReader(const YamlFile& file, const DescriptorCatalog& catalog,
                       Diagnostics& diagnostics)
      : file_(file),
        catalog_(catalog),
        diagnostics_(diagnostics),
        top_(file.root, file.path, diagnostics, "classification") {}

  ClassificationSettings Read() {
    if (!top_.valid() || !CheckFileBelongsHere(top_, {"Classification"})) return settings_;
    top_.ExpectKeys({"apiVersion", "kind", "categories", "detectors", "annotations"});
    CheckHeader(top_, "Classification");
    ReadCategories();
    ReadDetectors();
    ReadAnnotations();
    return settings_;
  }

 private:
  void Error(const YAML::Node& at, absl::string_view message) { top_.Error(at, message); }

  // The taxonomy: every category, least to most protected, each a name or {name, description}.
  void ReadCategories() {
    YAML::Node list = top_.Get("categories");
    if (!list.IsDefined()) {
      Error(file_.root, absl::StrCat("classification: missing required key 'categories': list ",
                                     "every category in order: ", Order()));
      return;
    }
    if (!list.IsSequence()) {
      Error(list, absl::StrCat("categories: expected a list, found ", KindOf(list)));
      return;
    }
    absl::flat_hash_map<DataCategory, SourceLocation> seen;
    int highest_rank = -1;
    absl::string_view highest_name;
    for (size_t i = 0; i < list.size(); ++i) {
      YAML::Node item = list[i];
      std::string what = absl::StrCat("categories[", i, "]");
      YAML::Node name_node = item;
      if (item.IsMap()) {
        YamlMap entry(item, file_.path, diagnostics_, what);
        entry.ExpectKeys({"name", "description"});
        if (!entry.RequiredString("name").has_value()) continue;
        entry.OptionalString("description");
        name_node = entry.Get("name");
      } else if (!item.IsScalar()) {
        Error(item, absl::StrCat(what, ": expected a category name or {name, description}, found ",
                                 KindOf(item)));
        continue;
      }
      const std::string& name = name_node.Scalar();
      absl::optional<DataCategory> category = ParseDataCategory(name);
      if (!category.has_value()) {
        Error(name_node,
              absl::StrCat(what, ": unknown category '", name, "'",
                           DidYouMean(name, DataCategoryNames()), "; expected one of: ", Order()));
        continue;
      }
      auto [previous, inserted] = seen.emplace(*category, top_.Location(name_node));
      if (!inserted) {
        Error(name_node,
              absl::StrCat(what, ": '", name, "' is listed twice ", FirstAt(previous->second)));
        continue;
      }
      int rank = Rank(*category);
      if (rank < highest_rank) {
        Error(name_node, absl::StrCat(what, ": '", name, "' is out of order: it must come before '",
                                      highest_name, "'; the order is ", Order()));
        continue;
      }
      highest_rank = rank;
      highest_name = DataCategoryName(*category);
    }
    std::vector<std::string> missing;
    for (DataCategory category : AllDataCategories()) {
      if (!seen.contains(category)) missing.emplace_back(DataCategoryName(category));
    }
    if (!missing.empty()) {
      Error(list, absl::StrCat("categories: missing ", absl::StrJoin(missing, ", "),
                               "; every category must be listed, in the order ", Order()));
    }
  }

  static int Rank(DataCategory category) {
    const std::vector<DataCategory>& all = AllDataCategories();
    return static_cast<int>(std::find(all.begin(), all.end(), category) - all.begin());
  }

  static std::string Order() { return absl::StrJoin(DataCategoryNames(), ", "); }

  void ReadDetectors() {
    YAML::Node node = top_.Get("detectors");
    if (!node.IsDefined()) return;  // every detector at the default threshold
    YamlMap detectors(node, file_.path, diagnostics_, "detectors");
    if (!detectors.valid()) return;
    detectors.ExpectKeys({"default_threshold", "disabled", "thresholds"});
    DetectorOptions& options = settings_.detectors;
    if (detectors.Has("default_threshold")) {
      if (auto threshold =
              ReadThreshold(detectors.Get("default_threshold"), "detectors.default_threshold")) {
        options.default_threshold = *threshold;
      }
    }

    const std::vector<std::string>& names = AllDetectorNames();
    absl::flat_hash_set<std::string> disabled;
    if (auto list = detectors.OptionalStringList("disabled")) {
      YAML::Node nodes = detectors.Get("disabled");
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string& name = (*list)[i];
        if (std::find(names.begin(), names.end(), name) == names.end()) {
          Error(nodes[i], UnknownDetector("detectors.disabled", name));
        } else if (!disabled.insert(name).second) {
          Error(nodes[i], absl::StrCat("detectors.disabled: '", name, "' is listed twice"));
        }
      }
    }
    options.enabled.clear();
    for (const std::string& name : names) {
      if (!disabled.contains(name)) options.enabled.push_back(name);
    }

    YAML::Node thresholds = detectors.Get("thresholds");
    if (!thresholds.IsDefined()) return;
    if (!thresholds.IsMap()) {
      Error(thresholds, absl::StrCat("detectors.thresholds: expected a mapping of detector names ",
                                     "to numbers, found ", KindOf(thresholds)));
      return;
    }
    absl::flat_hash_map<std::string, SourceLocation> seen;
    for (auto it = thresholds.begin(); it != thresholds.end(); ++it) {
      const YAML::Node key = it->first;  // a copy: `it->` returns a temporary
      if (!key.IsScalar()) {
        Error(key, "detectors.thresholds: keys must be detector names");
        continue;
      }
      const std::string& name = key.Scalar();
      auto [previous, inserted] = seen.emplace(name, top_.Location(key));
      if (!inserted) {
        Error(key, absl::StrCat("detectors.thresholds: duplicate key '", name, "' ",
                                FirstAt(previous->second), "; YAML would silently keep only one"));
        continue;
      }
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        Error(key, UnknownDetector("detectors.thresholds", name));
        continue;
      }
      if (disabled.contains(name)) {
        Error(key, absl::StrCat("detectors.thresholds: ", name,
                                " is disabled, so a threshold for it would never apply"));
        continue;
      }
      if (auto threshold = ReadThreshold(it->second, absl::StrCat("detectors.thresholds.", name))) {
        options.thresholds[name] = *threshold;
      }
    }
  }

  static std::string UnknownDetector(absl::string_view what, const std::string& name) {
    return absl::StrCat(what, ": unknown detector '", name, "'",
                        DidYouMean(name, AllDetectorNames()),
                        "; expected one of: ", absl::StrJoin(AllDetectorNames(), ", "));
  }

  absl::optional<double> ReadThreshold(const YAML::Node& node, absl::string_view what) {
    if (!node.IsScalar()) {
      Error(node,
            absl::StrCat(what, ": expected a decimal number from 0 to 1, found ", KindOf(node)));
      return absl::nullopt;
    }
    absl::optional<double> value = ParsePlainDecimal(node.Scalar());
    if (!value.has_value() || *value > 1) {
      Error(node,
            absl::StrCat(what, ": expected a decimal number from 0 to 1, such as 0.5, found '",
                         node.Scalar(), "'"));
      return absl::nullopt;
    }
    return value;
  }

  void ReadAnnotations() {
    YAML::Node list = top_.Get("annotations");
    if (!list.IsDefined()) return;
    if (!list.IsSequence()) {
      Error(list, absl::StrCat("annotations: expected a list, found ", KindOf(list)));
      return;
    }
    absl::flat_hash_map<std::string, int> seen;  // message -> line
    for (size_t i = 0; i < list.size(); ++i) {
      std::string what = absl::StrCat("annotations[", i, "]");
      YamlMap entry(list[i], file_.path, diagnostics_, what);
      if (!entry.valid()) continue;
      entry.ExpectKeys({"message", "category", "fields"});
      absl::optional<std::string> message = entry.RequiredString("message");
      SchemaAnnotation annotation;
      const Descriptor* type = nullptr;
      if (message.has_value()) {
        YAML::Node message_node = entry.Get("message");
        type = catalog_.pool().FindMessageTypeByName(*message);
        if (type == nullptr) {
          Error(message_node, absl::StrCat(what, ".message: no message ", *message,
                                           " in the descriptor sets", SuggestMessage(*message)));
        } else if (auto [previous, inserted] = seen.emplace(*message, message_node.Mark().line + 1);
                   !inserted) {
          Error(message_node,
                absl::StrCat(what, ".message: ", *message, " is already annotated at line ",
                             previous->second, "; write all its fields in one annotation"));
          type = nullptr;
        }
        annotation.message = *message;
      }
      if (entry.Has("category")) {
        YAML::Node node = entry.Get("category");
        annotation.category = ReadCategory(node, absl::StrCat(what, ".category"));
        if (type != nullptr && MessageCategoryOption(type) != 0) {
          Error(node, absl::StrCat(what, ".category: ", type->full_name(),
                                   " declares its category in the schema (message_category), "
                                   "which an annotation cannot change; remove it"));
        }
      }
      YAML::Node fields = entry.Get("fields");
      if (fields.IsDefined()) {
        ReadAnnotatedFields(fields, what, type, &annotation);
      } else if (!entry.Has("category")) {
        Error(list[i], absl::StrCat(what, ": says nothing: expected a category for the whole ",
                                    "message, fields, or both"));
      }
      if (type != nullptr) settings_.annotations.push_back(std::move(annotation));
    }
  }

  void ReadAnnotatedFields(const YAML::Node& fields, const std::string& what,
                           const Descriptor* type, SchemaAnnotation* annotation) {
    if (!fields.IsMap()) {
      Error(fields, absl::StrCat(what, ".fields: expected a mapping of field names to ",
                                 "categories, found ", KindOf(fields)));
      return;
    }
    std::vector<std::string> field_names;
    if (type != nullptr) {
      for (int f = 0; f < type->field_count(); ++f) field_names.push_back(type->field(f)->name());
    }
    absl::flat_hash_map<std::string, SourceLocation> seen;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      const YAML::Node key = it->first;  // a copy: `it->` returns a temporary
      if (!key.IsScalar()) {
        Error(key, absl::StrCat(what, ".fields: keys must be field names"));
        continue;
      }
      const std::string& name = key.Scalar();
      auto [previous, inserted] = seen.emplace(name, top_.Location(key));
      if (!inserted) {
        Error(key, absl::StrCat(what, ".fields: duplicate key '", name, "' ",
                                FirstAt(previous->second), "; YAML would silently keep only one"));
        continue;
      }
      absl::optional<DataCategory> category =
          ReadCategory(it->second, absl::StrCat(what, ".fields.", name));
      if (type == nullptr) continue;
      const FieldDescriptor* field = type->FindFieldByName(name);
      if (field == nullptr) {
        Error(key, absl::StrCat(what, ".fields: ", type->full_name(), " has no field '", name, "'",
                                DidYouMean(name, field_names),
                                "; its fields are: ", absl::StrJoin(field_names, ", ")));
        continue;
      }
      if (int option = FieldCategoryOption(field); option != 0) {
        Error(key, absl::StrCat(what, ".fields: ", field->full_name(),
                                " declares its category in the schema (field option), which an "
                                "annotation cannot change; remove it"));
        continue;
      }
      if (category.has_value()) annotation->fields.emplace_back(name, *category);
    }
  }

  absl::optional<DataCategory> ReadCategory(const YAML::Node& node, absl::string_view what) {
    if (!node.IsScalar()) {
      Error(node,
            absl::StrCat(what, ": expected one category, such as personal, found ", KindOf(node)));
      return absl::nullopt;
    }
    absl::optional<DataCategory> category = ParseDataCategory(node.Scalar());
    if (!category.has_value()) {
      Error(node, absl::StrCat(what, ": unknown category '", node.Scalar(), "'",
                               DidYouMean(node.Scalar(), DataCategoryNames()),
                               "; expected one of: ", Order()));
    }
    return category;
  }

  // A near miss of a full name, or the full name of a message called `name` in some package.
  std::string SuggestMessage(const std::string& name) {
    std::string near = DidYouMean(name, MessageNames());
    if (!near.empty()) return near;
    std::string suffix = absl::StrCat(".", name);
    for (const std::string& candidate : MessageNames()) {
      if (absl::EndsWith(candidate, suffix)) {
        return absl::StrCat(" (did you mean '", candidate, "'? write the full name)");
      }
    }
    return "";
  }

  const std::vector<std::string>& MessageNames() {
    if (message_names_.empty()) {
      for (const std::string& file_name : catalog_.file_names()) {
        const google::protobuf::FileDescriptor* file = catalog_.pool().FindFileByName(file_name);
        if (file == nullptr) continue;
        for (int i = 0; i < file->message_type_count(); ++i) {
          CollectMessageNames(file->message_type(i), &message_names_);
        }
      }
    }
    return message_names_;
  }

  const YamlFile& file_;
  const DescriptorCatalog& catalog_;
  Diagnostics& diagnostics_;
  YamlMap top_;
  ClassificationSettings settings_;
  std::vector<std::string> message_names_;
};

}  // namespace

absl::optional<ClassificationPolicy> LoadClassification(const std::string& path,
                                                        const DescriptorCatalog& catalog,
                                                        Diagnostics& diagnostics) {
  size_t errors_before = diagnostics.errors().size();
  YamlFile file = ParseYamlFile(path, diagnostics);
  if (!file.ok()) return absl::nullopt;
  ClassificationSettings settings = ClassificationReader(file, catalog, diagnostics).Read();
  if (diagnostics.errors().size() != errors_before) return absl::nullopt;
  absl::StatusOr<ClassificationPolicy> policy = ClassificationPolicy::Create(settings, catalog);
  if (!policy.ok()) {
    // What the reader cannot see: a schema declaring a category number this gateway does not
    // know.
    diagnostics.Error(SourceLocation{path, 0, 0}, policy.status().message());
    return absl::nullopt;
  }
  return *std::move(policy);
}

}  // namespace pasarela::classify
