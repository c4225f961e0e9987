// The mapping language as parsed from YAML, before it is compiled against descriptors. Internal to
// the loader.
#ifndef PASARELA_GATEWAY_MAPPING_SPEC_H_
#define PASARELA_GATEWAY_MAPPING_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "gateway/mapping/plan_internal.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {
namespace mapping_internal {

struct ConditionSpec {
  SourceLocation location;
  Condition::Kind kind = Condition::Kind::kPresent;
  std::string field;
  SourceLocation field_location;
  std::vector<std::string> values;
  std::string pattern;
  std::string scheme;
  std::vector<ConditionSpec> children;
};

struct NormalizeSpec {
  SourceLocation location;
  NormalizeOp::Kind kind = NormalizeOp::Kind::kTrim;
  std::string characters;
  std::string pattern;
  std::string rewrite;
};

struct EntrySpec {
  SourceLocation location;
  std::string source;
  std::string target;
  bool reverse = true;
};

// An unmapped-code policy as written: "error", "default" or "pass_through", and a default value.
struct PolicySpec {
  absl::optional<std::string> unmapped;
  SourceLocation unmapped_location;
  absl::optional<std::string> default_value;
  SourceLocation default_location;
};

struct LookupSpec {
  SourceLocation location;
  bool is_enum = false;  // written as `enum:`
  std::string table;     // a CodeTable id
  SourceLocation table_location;
  bool by_name = false;
  bool has_entries = false;
  std::vector<EntrySpec> entries;
  PolicySpec forward;
  PolicySpec reverse;
};

struct CodeTableSpec {
  std::string id;
  std::string file;
  SourceLocation location;
  std::vector<EntrySpec> entries;
  PolicySpec forward;
  PolicySpec reverse;
};

struct DateSpec {
  SourceLocation location;
  std::string from;
  std::string to;
  std::string from_zone;
  std::string to_zone;
};

struct NumberSpec {
  SourceLocation location;
  std::string from_unit;
  std::string to_unit;
  // The scale as written ("0.001"), and the exact fraction it is (1/1000).
  absl::optional<std::string> scale;
  int64_t scale_numerator = 1;
  int64_t scale_denominator = 1;
  int decimals = 6;
  std::string from_suffix;
  std::string to_suffix;
};

struct IdentifierSpec {
  SourceLocation location;
  std::string scheme;
  bool to_canonical = true;
};

struct SeparatorSpec {
  SourceLocation location;
  std::string separator;
  SplitAt split_at = SplitAt::kFirst;
};

struct RuleSpec {
  SourceLocation location;
  std::vector<std::string> from;
  SourceLocation from_location;
  std::vector<std::string> to;
  SourceLocation to_location;
  absl::optional<SeparatorSpec> join;
  absl::optional<SeparatorSpec> split;
  std::vector<NormalizeSpec> normalize;
  SourceLocation normalize_location;
  absl::optional<std::vector<NormalizeSpec>> reverse_normalize;
  absl::optional<IdentifierSpec> identifier;
  absl::optional<DateSpec> date;
  absl::optional<NumberSpec> number;
  absl::optional<LookupSpec> lookup;
  absl::optional<std::string> constant;
  SourceLocation constant_location;
  absl::optional<std::string> default_value;
  SourceLocation default_location;
  absl::optional<std::string> reverse_default;
  SourceLocation reverse_default_location;
  absl::optional<ConditionSpec> when;
  absl::optional<ConditionSpec> reverse_when;
  absl::optional<ConditionSpec> check;
  std::string message;
  bool on_target = false;
  bool forward_only = false;
  std::vector<RuleSpec> rules;
  bool has_rules = false;
  std::string mapping;
  SourceLocation mapping_location;
};

struct MappingSpec {
  std::string id;
  std::string file;
  SourceLocation location;
  SourceLocation id_location;
  std::string description;
  std::string source;
  SourceLocation source_location;
  std::string target;
  SourceLocation target_location;
  std::vector<std::string> ignore;
  std::vector<SourceLocation> ignore_locations;
  std::vector<RuleSpec> rules;
};

}  // namespace mapping_internal
}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_SPEC_H_
