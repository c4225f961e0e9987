// The classification policy: what category of personal data each field of each known message
// carries, and which content detectors run with which thresholds. Start here for payload
// classification; payload_classifier.h and minimiser.h build on it.
//
// A ClassificationPolicy is compiled once per policy snapshot from classification.yaml and the
// descriptor catalog. Every message type of the catalog gets a table of its fields' declared
// categories, resolved once, for each category the message can inherit from an enclosing field;
// no call ever resolves a category again.
//
// Resolution of a field's declared category, first match wins:
//   1. the field's own option `(pasarela.v1.category)`;
//   2. an annotation of the field in classification.yaml (for schemas that cannot carry options);
//   3. the category of the message that holds the field: its option
//      `(pasarela.v1.message_category)`, or the message's annotation in classification.yaml;
//   4. the category of the enclosing field the message was reached through (a field of type
//      Coding inside a Problem is health because the Problem's field is);
//   5. `internal`.
//
// Thread safety: immutable once built; every const method may be called from any number of
// threads without external synchronisation. It points into the DescriptorCatalog it was compiled
// against, which must outlive it.
#ifndef PASARELA_GATEWAY_CLASSIFY_CLASSIFICATION_H_
#define PASARELA_GATEWAY_CLASSIFY_CLASSIFICATION_H_

#include <google/protobuf/descriptor.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "gateway/agreement/agreement.h"
#include "gateway/classify/detector.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela::classify {

// Whether data of category `found` is already covered by a field declared `declared`, so that
// finding it there is not news. Within the ordered categories (public < internal < personal <
// personal_identifier) a declaration covers everything up to itself. A sensitive category covers
// only itself, and nothing covers a sensitive category but itself: agreements allow sensitive
// categories by name, apart from the ordered range, so a CPF in a note declared `health` must be
// judged as a personal_identifier on its own, or an agreement allowing health but only `personal`
// would let the identifier cross.
bool Covers(DataCategory declared, DataCategory found);

// The agreement's category for a detector's category.
DataCategory ToDataCategory(Category detected);

// Where a field's declared category came from (the numbered rules above).
enum class CategorySource {
  kFieldOption,        // 1: (pasarela.v1.category) on the field
  kFieldAnnotation,    // 2: classification.yaml, annotations[].fields
  kMessageOption,      // 3: (pasarela.v1.message_category) on the message
  kMessageAnnotation,  // 3: classification.yaml, annotations[].category
  kInherited,          // 4: from the enclosing field
  kDefault,            // 5: internal
};

// "field_option", "field_annotation", "message_option", "message_annotation", "inherited",
// "default".
absl::string_view CategorySourceName(CategorySource source);

// A national schema's declarations, written in classification.yaml because the schema cannot
// carry field options.
struct SchemaAnnotation {
  std::string message;                                       // full name, "ar.renaper.v1.Persona"
  absl::optional<DataCategory> category;                     // as (pasarela.v1.message_category)
  std::vector<std::pair<std::string, DataCategory>> fields;  // field name -> category
};

// Everything classification.yaml says, checked for form but not yet against the catalog.
struct ClassificationSettings {
  DetectorOptions detectors;
  std::vector<SchemaAnnotation> annotations;
};

struct MessagePlan;

// The declared category of one field in one context, resolved at compile time.
struct FieldPlan {
  const google::protobuf::FieldDescriptor* field = nullptr;
  DataCategory category = DataCategory::kInternal;
  CategorySource source = CategorySource::kDefault;
  // A string field whose declared category does not cover every category the enabled detectors
  // report: its content is scanned. (A field declared personal_identifier is not: nothing a
  // detector can find there would be undeclared.)
  bool scan = false;
  // For message fields (and map fields): the plan of the message under this field's category.
  const MessagePlan* message = nullptr;
};

// The per-field table of one message type reached with one inherited category.
struct MessagePlan {
  const google::protobuf::Descriptor* type = nullptr;
  std::vector<FieldPlan> fields;  // by FieldDescriptor::index()

  // The plan of `field`, or null when this message type does not declare it. `field` may come
  // from another pool holding the same schema (a generated message): it is matched by number.
  const FieldPlan* Find(const google::protobuf::FieldDescriptor* field) const;
};

// The declared category of a field as the policy resolved it.
struct DeclaredCategory {
  DataCategory category = DataCategory::kInternal;
  CategorySource source = CategorySource::kDefault;
};

class ClassificationPolicy {
 public:
  // Compiles `settings` against `catalog`. INVALID_ARGUMENT names an unknown detector, a threshold
  // out of range, an annotated message or field the catalog does not hold, an annotation of a
  // field that declares its own category, or a category option with a number this gateway does
  // not know. REQUIRES: `catalog` outlives the policy.
  static absl::StatusOr<ClassificationPolicy> Create(const ClassificationSettings& settings,
                                                     const DescriptorCatalog& catalog);

  ClassificationPolicy(ClassificationPolicy&&) = default;
  ClassificationPolicy& operator=(ClassificationPolicy&&) = default;
  ~ClassificationPolicy();

  // The detectors every string field is scanned with.
  const DetectorSet& detectors() const { return *detectors_; }

  // The plan of a message used as the root of a payload (a request or response), or null when the
  // catalog does not hold the type. A descriptor of another pool (a generated class) is found by
  // full name. The plan lives as long as the policy.
  const MessagePlan* PlanFor(const google::protobuf::Descriptor* type) const;

  // The declared category of the field at `path` ("summary.problems.note"; no indices) from the
  // root message `root`, or nullopt when the path does not resolve. For tests and tools.
  absl::optional<DeclaredCategory> DeclaredCategoryAt(const google::protobuf::Descriptor* root,
                                                      absl::string_view path) const;

 private:
  struct PlanKey {
    const google::protobuf::Descriptor* type;
    int inherited;  // a DataCategory, or 0 for a root message
    bool operator==(const PlanKey& other) const {
      return type == other.type && inherited == other.inherited;
    }
    template <typename H>
    friend H AbslHashValue(H h, const PlanKey& key) {
      return H::combine(std::move(h), key.type, key.inherited);
    }
  };
  class Compiler;

  ClassificationPolicy() = default;

  std::unique_ptr<const DetectorSet> detectors_;
  // Every plan, by message type and inherited category; a plan's FieldPlan::message points into
  // this map's values (heap-allocated, so their addresses survive a move of the policy).
  absl::flat_hash_map<PlanKey, std::unique_ptr<MessagePlan>> plans_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, const MessagePlan*> roots_;
  absl::flat_hash_map<std::string, const MessagePlan*> roots_by_name_;
};

// Loads classification.yaml (kind Classification) and compiles it against `catalog`. Every error
// goes to `diagnostics` at file:line:column; nullopt when there was any. REQUIRES: `catalog`
// outlives the result.
absl::optional<ClassificationPolicy> LoadClassification(const std::string& path,
                                                        const DescriptorCatalog& catalog,
                                                        Diagnostics& diagnostics);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_CLASSIFICATION_H_
