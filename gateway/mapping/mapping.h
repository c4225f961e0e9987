// Semantic mapping between national and canonical messages: the public interface; start here.
//
// An administrator writes one YAML file per mapping (kind: Mapping) and may keep code tables in
// files of their own (kind: CodeTable); see README.md for the language. LoadMappings compiles every
// file of a directory into plans over the descriptors of a DescriptorCatalog: field paths become
// FieldDescriptor chains, tables hash maps, patterns RE2 objects. Nothing is interpreted from YAML
// per call. A plan maps DynamicMessages of the catalog's pool (or any message whose descriptor is
// the one the plan was compiled for) with protobuf reflection.
//
// Thread safety: a MappingSet and everything it hands out are immutable once loaded; Apply may run
// concurrently from any number of threads without synchronisation.
//
// Lifetime: plans point into the catalog's descriptor pool. REQUIRES: the catalog outlives the
// MappingSet.
#ifndef PASARELA_GATEWAY_MAPPING_MAPPING_H_
#define PASARELA_GATEWAY_MAPPING_MAPPING_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {

namespace mapping_internal {
struct PlanBody;
class Compiler;
}  // namespace mapping_internal

// One direction of a mapping, compiled.
class MappingPlan {
 public:
  ~MappingPlan();
  MappingPlan(const MappingPlan&) = delete;
  MappingPlan& operator=(const MappingPlan&) = delete;

  const std::string& mapping_id() const;
  // True for the plan that runs a mapping from its target type back to its source type.
  bool is_reverse() const;
  const google::protobuf::Descriptor* source_type() const;
  const google::protobuf::Descriptor* target_type() const;

  // Clears *target and fills it from `source`. INVALID_ARGUMENT names the mapping and the field
  // (a failed check, a value that does not convert, a code without a translation) and never
  // repeats the value. REQUIRES: source and target have this plan's source and target types
  // (otherwise INVALID_ARGUMENT).
  absl::Status Apply(const google::protobuf::Message& source,
                     google::protobuf::Message* target) const;

  // Clears *source and fills it with a message this plan accepts, chosen from `seed`: valid
  // identifiers, dates in the declared format, codes from the tables, the values unconditional
  // checks name. A check on a value a rule derives may still fail (a reverse plan's output
  // checks). For trying a mapping and for property tests. REQUIRES: source has this plan's
  // source type.
  void FillExample(uint64_t seed, google::protobuf::Message* source) const;

 private:
  friend class mapping_internal::Compiler;
  explicit MappingPlan(std::unique_ptr<const mapping_internal::PlanBody> body);
  std::unique_ptr<const mapping_internal::PlanBody> body_;
};

// One mapping file: its forward plan and, when every rule is invertible, its reverse plan.
class Mapping {
 public:
  const std::string& id() const { return id_; }
  const std::string& file() const { return file_; }
  const std::string& description() const { return description_; }
  const MappingPlan& forward() const { return *forward_; }
  // True when every rule has an inverse, so that reverse() succeeds.
  bool invertible() const { return reverse_ != nullptr; }
  // The plan from the target type back to the source type, or FAILED_PRECONDITION listing each
  // rule that is not invertible (file:line:column and why), one per line.
  absl::StatusOr<const MappingPlan*> reverse() const;
  // The rules that are not invertible, each at its location with the reason.
  const std::vector<Diagnostic>& non_invertible_rules() const { return non_invertible_; }

 private:
  friend class mapping_internal::Compiler;
  std::string id_;
  std::string file_;
  std::string description_;
  std::unique_ptr<const MappingPlan> forward_;
  std::unique_ptr<const MappingPlan> reverse_;
  std::vector<Diagnostic> non_invertible_;
};

// Every mapping of a policy directory, by id.
class MappingSet {
 public:
  // The mapping with `id`, or null.
  const Mapping* Find(absl::string_view id) const;
  // Every mapping id, sorted.
  std::vector<std::string> ids() const;
  // The plan that maps `source_type` to `target_type` (full message names), forward or reverse,
  // or null when no mapping joins them in that direction.
  const MappingPlan* FindPlan(absl::string_view source_type, absl::string_view target_type) const;
  // Lossy conversions and fields no rule reads: worth an administrator's look, not fatal. Each at
  // its location; format them with FormatWarning.
  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  // False when some file of the directory had errors: an id this set lacks may be one of theirs.
  bool complete() const { return complete_; }

 private:
  friend class mapping_internal::Compiler;
  friend std::unique_ptr<const MappingSet> LoadMappingsKeepingPartial(const std::string&,
                                                                      const DescriptorCatalog&,
                                                                      Diagnostics&);
  std::map<std::string, std::unique_ptr<const Mapping>> mappings_;
  std::vector<Diagnostic> warnings_;
  bool complete_ = true;
};

// Loads every *.yaml file under `dir` (subdirectories included): kind Mapping and kind CodeTable.
// Returns null when any file has an error; every error, at file:line:column, is in `diagnostics`.
std::unique_ptr<const MappingSet> LoadMappings(const std::string& dir,
                                               const DescriptorCatalog& catalog,
                                               Diagnostics& diagnostics);

// As LoadMappings, but keeps the mappings that compiled when other files have errors (the set is
// then not complete()), so that services.yaml can be checked against them without an error for
// each of its references into mappings/. Null only when `dir` cannot be read.
std::unique_ptr<const MappingSet> LoadMappingsKeepingPartial(const std::string& dir,
                                                             const DescriptorCatalog& catalog,
                                                             Diagnostics& diagnostics);

// "file:line:column: warning: message".
std::string FormatWarning(const Diagnostic& warning);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_MAPPING_H_
