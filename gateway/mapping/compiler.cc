// Compiles parsed mapping specs against the descriptor catalog: resolves every field path, checks
// that each conversion fits the fields it joins, prepares the code tables, and builds the forward
// plan and, when every rule is invertible, the reverse plan. Errors go to the diagnostics; in
// the reverse direction the same checks explain why a rule is not invertible.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/mapping/mapping.h"
#include "gateway/mapping/parser.h"
#include "gateway/mapping/spec.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace mapping_internal {
namespace {

struct Unit {
  const char* name;
  const char* dimension;
  int64_t factor;  // in the dimension's smallest unit, so that factors are whole numbers
};

constexpr Unit kUnits[] = {
    {"mcg", "mass", 1},     {"ug", "mass", 1},          {"mg", "mass", 1000},
    {"g", "mass", 1000000}, {"kg", "mass", 1000000000}, {"mL", "volume", 1},
    {"cL", "volume", 10},   {"dL", "volume", 100},      {"L", "volume", 1000},
    {"ms", "time", 1},      {"s", "time", 1000},        {"min", "time", 60000},
    {"h", "time", 3600000}, {"d", "time", 86400000},    {"mm", "length", 1},
    {"cm", "length", 10},   {"m", "length", 1000},      {"km", "length", 1000000},
};

const Unit* FindUnit(absl::string_view name) {
  for (const Unit& unit : kUnits) {
    if (name == unit.name) return &unit;
  }
  return nullptr;
}

std::vector<std::string> UnitNames() {
  std::vector<std::string> names;
  for (const Unit& unit : kUnits) names.push_back(unit.name);
  return names;
}

std::string Suggest(absl::string_view word, const std::vector<std::string>& candidates) {
  std::string suggestion = ClosestMatch(word, candidates);
  return suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)");
}

std::vector<std::string> EnumValueNames(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) names.push_back(type->value(i)->name());
  return names;
}

void CollectMessageNames(const Descriptor* descriptor, std::vector<std::string>* names) {
  names->push_back(descriptor->full_name());
  for (int i = 0; i < descriptor->nested_type_count(); ++i) {
    CollectMessageNames(descriptor->nested_type(i), names);
  }
}

// Whether whole numbers of kind `in`, multiplied by multiply / divide and written as text of `out`
// with `decimals` decimals, can lose digits: 40 mcg in mg with one decimal is "0 mg".
bool DropsDigits(const ValueType& in, const ValueType& out, int64_t multiply, int64_t divide,
                 int decimals) {
  if ((in.kind != Value::Kind::kInt && in.kind != Value::Kind::kUint) ||
      out.kind != Value::Kind::kString) {
    return false;
  }
  // The change of one unit, in units of the last decimal written: a whole number, or digits go.
  absl::int128 smallest = multiply;
  for (int i = 0; i < decimals; ++i) smallest *= 10;
  return smallest % divide != 0;
}

// Whether a default writes nothing a reader would find: blank text, a zero, the enum's zero value.
bool WritesNothing(const Value& value) {
  if (value.kind == Value::Kind::kString) return absl::StripAsciiWhitespace(value.s).empty();
  return value.i == 0 && value.u == 0 && value.d == 0 && !value.b;
}

std::string WithoutSelectors(absl::string_view path) {
  std::string out;
  int depth = 0;
  for (char c : path) {
    if (c == '[') ++depth;
    if (depth == 0) out.push_back(c);
    if (c == ']') --depth;
  }
  return out;
}

bool ParseZone(absl::string_view text, absl::TimeZone* zone) {
  if (text.empty() || text == "UTC" || text == "Z") {
    *zone = absl::UTCTimeZone();
    return true;
  }
  if ((text[0] == '+' || text[0] == '-') && text.size() == 6 && text[3] == ':') {
    int hours = 0;
    int minutes = 0;
    if (!absl::SimpleAtoi(text.substr(1, 2), &hours) ||
        !absl::SimpleAtoi(text.substr(4, 2), &minutes) || hours > 14 || minutes > 59) {
      return false;
    }
    int seconds = (hours * 60 + minutes) * 60;
    *zone = absl::FixedTimeZone(text[0] == '-' ? -seconds : seconds);
    return true;
  }
  return absl::LoadTimeZone(std::string(text), zone);
}

// The fields a rule list reads, to warn about the ones none does.
struct ReadTracker {
  std::set<std::string> whole;
  std::set<std::string> partial;

  void Add(const FieldPath& path) {
    std::string prefix;
    for (size_t i = 0; i < path.steps.size(); ++i) {
      const PathStep& step = path.steps[i];
      std::string name = prefix + step.field->name();
      if (step.select == PathStep::Select::kKey) {
        partial.insert(name);
        whole.insert(absl::StrCat(name, ".", step.key_field->name()));
      }
      if (i + 1 < path.steps.size()) {
        partial.insert(name);
      } else {
        whole.insert(name);
      }
      prefix = name + ".";
    }
  }
};

}  // namespace

class Compiler {
 public:
  Compiler(const DescriptorCatalog& catalog, Diagnostics& diagnostics)
      : catalog_(catalog), diagnostics_(diagnostics) {}

  // Every mapping that compiled, even when others did not (their errors are in the diagnostics).
  std::unique_ptr<MappingSet> Build(ParsedFiles files);

 private:
  // Where the problems of one compilation go: load errors (forward), reasons a rule is not
  // invertible (reverse), or nowhere but a count (a mapping compiled through a reference). A value
  // the file gives that its field cannot hold is a load error in reverse too (ValueError).
  struct Sink {
    Diagnostics* errors = nullptr;
    std::vector<Diagnostic>* notes = nullptr;
    std::vector<Diagnostic>* warnings = nullptr;
    bool reverse = false;
    int count = 0;

    void Error(const SourceLocation& location, absl::string_view message) {
      ++count;
      if (notes != nullptr) {
        notes->push_back(Diagnostic{location, std::string(message)});
      } else if (errors != nullptr) {
        errors->Error(location, message);
      }
    }
    // A value written in the file that the field it is for cannot hold: wrong whichever direction
    // meets it, so not a reason the rule is not invertible but an error of the file.
    void ValueError(const SourceLocation& location, absl::string_view message) {
      ++count;
      if (errors != nullptr) errors->Error(location, message);
    }
    // A literal's problem: ValueError when `value_error`, Error otherwise.
    void LiteralError(const SourceLocation& location, absl::string_view message, bool value_error) {
      if (value_error) {
        ValueError(location, message);
      } else {
        Error(location, message);
      }
    }
    void Warn(const SourceLocation& location, absl::string_view message) {
      if (warnings == nullptr) return;
      warnings->push_back(Diagnostic{
          location, reverse ? absl::StrCat("in reverse: ", message) : std::string(message)});
    }
  };

  struct Context {
    const MappingSpec* mapping = nullptr;
    bool reverse = false;
    Sink* sink = nullptr;
    std::vector<std::string> stack;  // ids through `mapping:` references
    bool track_unread = true;
    std::set<std::string> ignored;  // root-relative paths without selectors
  };

  bool CompileRuleList(const std::vector<RuleSpec>& specs, const Descriptor* in,
                       const Descriptor* out, Context& ctx, const std::string& root_prefix,
                       RuleList* list);
  bool CompileCheck(const RuleSpec& spec, const Descriptor* in, const Descriptor* out, Context& ctx,
                    ReadTracker* tracker, RuleList* list);
  bool CompileDataRule(const RuleSpec& spec, const Descriptor* in, const Descriptor* out,
                       Context& ctx, const std::string& root_prefix, ReadTracker* tracker,
                       RuleList* list);
  bool CompileNested(const RuleSpec& spec, Rule* rule, Context& ctx,
                     const std::string& root_prefix);
  // `other` is the message on the other side of the rule: a field found there instead of in
  // `type` is named with `other_hint`, which says how to test it.
  bool CompileCondition(const ConditionSpec& spec, const Descriptor* type, Context& ctx,
                        ReadTracker* tracker, Condition* out, const Descriptor* other,
                        absl::string_view other_hint);
  bool Resolve(absl::string_view text, const Descriptor* type, const SourceLocation& location,
               Context& ctx, FieldPath* path);
  bool AddNormalize(const std::vector<NormalizeSpec>& specs, ValueType* current,
                    const SourceLocation& location, Context& ctx, std::vector<Step>* steps);
  // `in_field` is the field the conversion reads as it is, or null when earlier steps changed the
  // value; `final_field` is the field the converted value is written to, or null when it is text
  // split into pieces.
  bool AddConversion(const RuleSpec& spec, ValueType* current, const FieldDescriptor* in_field,
                     const ValueType& final_type, const FieldDescriptor* final_field, Context& ctx,
                     std::vector<Step>* steps);
  // In reverse: whether what the reverse writes by default (reverse_default, a table's
  // reverse_default) is a national value the forward conversion reads; if not, the rule is not
  // invertible, as a forward default the reverse cannot convert makes it.
  bool ReverseDefaultsReadForward(const RuleSpec& spec, const Rule& rule, Context& ctx);
  // `in_field`, when the table reads a field as it is: a code that field cannot hold is warned
  // about (it can never match; a shared table may serve wider fields too, so not an error).
  std::shared_ptr<const LookupTable> BuildLookup(const LookupSpec& spec, const ValueType& in,
                                                 const FieldDescriptor* in_field,
                                                 const ValueType& out,
                                                 const FieldDescriptor* out_field, Context& ctx);
  // A value a table writes into `field` (an entry's target, or source in reverse; a default),
  // checked as FieldLiteral checks a constant. `subject` says which ("table 'x': code 'A'
  // translates to 'B'"); the error adds the field, its type and what it holds.
  bool TableValue(absl::string_view text, const ValueType& type, const FieldDescriptor* field,
                  absl::string_view subject, const SourceLocation& location, Context& ctx,
                  Value* value);
  // `value_error`: a value the file is wrong to give whichever direction meets it
  // (Sink::ValueError), not a reason a rule is not invertible.
  bool Literal(absl::string_view text, const ValueType& type, const SourceLocation& location,
               absl::string_view what, Context& ctx, Value* value, bool value_error = false);
  // A literal a rule writes into `field` (a constant, a default): Literal, and a value the field
  // holds as written, as one at run time must be, so that the file says it is wrong, not a call.
  bool FieldLiteral(absl::string_view text, const FieldDescriptor* field,
                    const SourceLocation& location, absl::string_view what, Context& ctx,
                    Value* value, bool value_error = false);
  bool Assignable(const ValueType& from, const FieldDescriptor* from_field, const ValueType& to,
                  const FieldDescriptor* to_field, const SourceLocation& location, Context& ctx);
  void WarnUnread(const Descriptor* type, const std::string& tracker_prefix,
                  const std::string& root_prefix, const ReadTracker& tracker, Context& ctx,
                  int depth);
  std::unique_ptr<PlanBody> CompilePlan(const MappingSpec& spec, const Descriptor* source,
                                        const Descriptor* target, bool reverse, Sink* sink);

  const DescriptorCatalog& catalog_;
  Diagnostics& diagnostics_;
  absl::flat_hash_map<std::string, const MappingSpec*> mappings_by_id_;
  absl::flat_hash_map<std::string, const CodeTableSpec*> tables_by_id_;
};

bool Compiler::Resolve(absl::string_view text, const Descriptor* type,
                       const SourceLocation& location, Context& ctx, FieldPath* path) {
  std::string error;
  if (ResolvePath(text, type, path, &error)) return true;
  ctx.sink->Error(location, error);
  return false;
}

bool Compiler::Literal(absl::string_view text, const ValueType& type,
                       const SourceLocation& location, absl::string_view what, Context& ctx,
                       Value* value, bool value_error) {
  if (ValueFromText(text, type, value)) return true;
  ctx.sink->LiteralError(
      location,
      type.kind == Value::Kind::kEnum
          ? absl::StrCat(what, ": '", text, "' is not a value of ", type.enum_type->full_name(),
                         Suggest(text, EnumValueNames(type.enum_type)))
          : absl::StrCat(what, ": '", text, "' is not ", KindName(type), " value"),
      value_error);
  return false;
}

namespace {

// "int32", or an enum field's enum type ("pasarela.health.v1.Sex"), as reports name a field's type.
std::string FieldTypeName(const FieldDescriptor* field) {
  return field->enum_type() != nullptr ? field->enum_type()->full_name()
                                       : std::string(field->type_name());
}

// Whether `field` holds `value`, read from `text`, as written: as a write at run time checks it
// (CheckFitsField), and for a floating-point field a whole number only exactly.
absl::Status HeldAsWritten(absl::string_view text, const FieldDescriptor* field,
                           const Value& value) {
  absl::Status held = CheckFitsField(field, value);
  if (held.ok() && value.kind == Value::Kind::kDouble) {
    held = CheckFloatingPointLiteral(text, value.d);
  }
  return held;
}

}  // namespace

bool Compiler::FieldLiteral(absl::string_view text, const FieldDescriptor* field,
                            const SourceLocation& location, absl::string_view what, Context& ctx,
                            Value* value, bool value_error) {
  if (!Literal(text, TypeOfField(field), location, what, ctx, value, value_error)) return false;
  absl::Status held = HeldAsWritten(text, field, *value);
  if (held.ok()) return true;
  ctx.sink->LiteralError(location, absl::StrCat(what, ": '", text, "' ", held.message()),
                         value_error);
  return false;
}

bool Compiler::TableValue(absl::string_view text, const ValueType& type,
                          const FieldDescriptor* field, absl::string_view subject,
                          const SourceLocation& location, Context& ctx, Value* value) {
  if (field == nullptr) return Literal(text, type, location, subject, ctx, value);
  std::string problem;
  if (!ValueFromText(text, type, value)) {
    problem = absl::StrCat("it holds ", WhatFieldHolds(field));
    if (type.kind == Value::Kind::kEnum) {
      absl::StrAppend(&problem, Suggest(text, EnumValueNames(type.enum_type)));
    }
  } else if (absl::Status held = HeldAsWritten(text, field, *value); !held.ok()) {
    problem = absl::StrCat("the value ", held.message());
  } else {
    return true;
  }
  ctx.sink->ValueError(
      location,
      absl::StrCat(subject, ", which '", field->name(), "' (", FieldTypeName(field), ") of ",
                   field->containing_type()->full_name(), " cannot hold: ", problem));
  return false;
}

bool Compiler::CompileCondition(const ConditionSpec& spec, const Descriptor* type, Context& ctx,
                                ReadTracker* tracker, Condition* out, const Descriptor* other,
                                absl::string_view other_hint) {
  out->kind = spec.kind;
  if (!spec.children.empty()) {
    std::vector<std::string> parts;
    for (const ConditionSpec& child_spec : spec.children) {
      Condition child;
      if (!CompileCondition(child_spec, type, ctx, tracker, &child, other, other_hint)) {
        return false;
      }
      parts.push_back(child.description);
      out->children.push_back(std::move(child));
    }
    if (spec.kind == Condition::Kind::kNot) {
      out->description = absl::StrCat("must not satisfy: ", parts.front());
    } else {
      out->description =
          absl::StrJoin(parts, spec.kind == Condition::Kind::kAll ? ", and " : ", or ");
    }
    return true;
  }
  std::string error;
  if (!ResolvePath(spec.field, type, &out->field, &error)) {
    // A condition on the wrong message is an easy slip: a check on a target field without
    // on: target, a when on the canonical side.
    FieldPath elsewhere;
    std::string unused;
    if (other != nullptr && ResolvePath(spec.field, other, &elsewhere, &unused)) {
      absl::StrAppend(&error, "; it is a field of ", other->full_name(), ": ", other_hint);
    }
    ctx.sink->Error(spec.field_location, error);
    return false;
  }
  if (tracker != nullptr) tracker->Add(out->field);
  out->field_type = TypeOfField(out->field.leaf());
  bool whole_value = !out->field.is_list() && !out->field.is_message();
  if (!whole_value && spec.kind != Condition::Kind::kPresent &&
      spec.kind != Condition::Kind::kAbsent) {
    ctx.sink->Error(
        spec.field_location,
        absl::StrCat("'", spec.field, "' is a ", out->field.is_list() ? "list" : "message",
                     ": a condition on it can only test present: true or false"));
    return false;
  }
  switch (spec.kind) {
    case Condition::Kind::kPresent:
      out->description = "must be present";
      return true;
    case Condition::Kind::kAbsent:
      out->description = "must be absent";
      return true;
    case Condition::Kind::kEquals:
    case Condition::Kind::kIn:
      for (const std::string& text : spec.values) {
        Value value;
        if (!Literal(text, out->field_type, spec.location, absl::StrCat("'", spec.field, "'"), ctx,
                     &value)) {
          return false;
        }
        out->values.push_back(ValueToText(value, out->field_type.enum_type));
      }
      out->description = spec.kind == Condition::Kind::kEquals
                             ? absl::StrCat("must be '", out->values.front(), "'")
                             : absl::StrCat("must be one of ", absl::StrJoin(out->values, ", "));
      return true;
    case Condition::Kind::kMatches: {
      auto pattern = std::make_shared<RE2>(spec.pattern, RE2::Quiet);
      if (!pattern->ok()) {
        ctx.sink->Error(spec.location,
                        absl::StrCat("matches: '", spec.pattern,
                                     "' is not a valid RE2 pattern: ", pattern->error()));
        return false;
      }
      out->pattern = std::move(pattern);
      out->description = absl::StrCat("must match ", spec.pattern);
      return true;
    }
    case Condition::Kind::kValidIdentifier:
      out->scheme = IdentifierScheme::Find(spec.scheme);
      if (out->scheme == nullptr) {
        ctx.sink->Error(
            spec.location,
            absl::StrCat("valid_identifier: unknown scheme '", spec.scheme, "'",
                         Suggest(spec.scheme, IdentifierScheme::Names()),
                         "; expected one of: ", absl::StrJoin(IdentifierScheme::Names(), ", ")));
        return false;
      }
      if (out->field_type.kind != Value::Kind::kString) {
        ctx.sink->Error(spec.field_location,
                        absl::StrCat("valid_identifier: '", spec.field, "' is not a text field"));
        return false;
      }
      out->description =
          absl::StrCat("must be a valid ", spec.scheme, " (",
                       out->scheme->has_check_digit() ? "check digit" : out->scheme->shape(), ")");
      return true;
    default:
      return false;
  }
}

bool Compiler::AddNormalize(const std::vector<NormalizeSpec>& specs, ValueType* current,
                            const SourceLocation& location, Context& ctx,
                            std::vector<Step>* steps) {
  if (specs.empty()) return true;
  if (current->kind != Value::Kind::kString) {
    ctx.sink->Error(location, absl::StrCat("normalize works on text, but the value here is ",
                                           KindName(*current)));
    return false;
  }
  Step step;
  step.kind = Step::Kind::kNormalize;
  step.in = *current;
  step.out = *current;
  for (const NormalizeSpec& spec : specs) {
    NormalizeOp op;
    op.kind = spec.kind;
    op.characters = spec.characters;
    if (spec.kind == NormalizeOp::Kind::kReplace) {
      auto pattern = std::make_shared<RE2>(spec.pattern, RE2::Quiet);
      if (!pattern->ok()) {
        ctx.sink->Error(spec.location,
                        absl::StrCat("replace: '", spec.pattern,
                                     "' is not a valid RE2 pattern: ", pattern->error()));
        return false;
      }
      std::string rewrite_error;
      if (!pattern->CheckRewriteString(spec.rewrite, &rewrite_error)) {
        ctx.sink->Error(spec.location,
                        absl::StrCat("replace: with '", spec.rewrite, "': ", rewrite_error));
        return false;
      }
      op.pattern = std::move(pattern);
      op.rewrite = spec.rewrite;
    }
    step.normalize.push_back(std::move(op));
  }
  steps->push_back(std::move(step));
  return true;
}

std::shared_ptr<const LookupTable> Compiler::BuildLookup(
    const LookupSpec& spec, const ValueType& in, const FieldDescriptor* in_field,
    const ValueType& out, const FieldDescriptor* out_field, Context& ctx) {
  auto table = std::make_shared<LookupTable>();
  const std::vector<EntrySpec>* entries = &spec.entries;
  std::vector<EntrySpec> generated;
  PolicySpec forward = spec.forward;
  PolicySpec reverse = spec.reverse;
  const char* key = spec.is_enum ? "enum" : "translate";
  if (spec.is_enum && in.kind != Value::Kind::kEnum && out.kind != Value::Kind::kEnum) {
    ctx.sink->Error(spec.location,
                    "enum: neither side of this rule is an enum field; use translate for codes");
    return nullptr;
  }
  if (!spec.table.empty()) {
    auto it = tables_by_id_.find(spec.table);
    if (it == tables_by_id_.end()) {
      std::vector<std::string> ids;
      for (const auto& [id, unused] : tables_by_id_) ids.push_back(id);
      std::sort(ids.begin(), ids.end());
      ctx.sink->Error(spec.table_location, absl::StrCat("translate.table: no CodeTable with id '",
                                                        spec.table, "'", Suggest(spec.table, ids)));
      return nullptr;
    }
    entries = &it->second->entries;
    if (!forward.unmapped) forward.unmapped = it->second->forward.unmapped;
    if (!forward.default_value) {
      forward.default_value = it->second->forward.default_value;
      forward.default_location = it->second->forward.default_location;
    }
    if (!reverse.unmapped) reverse.unmapped = it->second->reverse.unmapped;
    if (!reverse.default_value) {
      reverse.default_value = it->second->reverse.default_value;
      reverse.default_location = it->second->reverse.default_location;
    }
    table->name = absl::StrCat("table '", spec.table, "'");
  } else {
    table->name = absl::StrCat("the ", key, " table at line ", spec.location.line);
  }
  if (spec.by_name) {
    // Forward entries pair values of the same name; they are written source -> target.
    ValueType source_type = ctx.reverse ? out : in;
    ValueType target_type = ctx.reverse ? in : out;
    const EnumDescriptor* source_enum = source_type.enum_type;
    const EnumDescriptor* target_enum = target_type.enum_type;
    const EnumDescriptor* names = source_enum != nullptr ? source_enum : target_enum;
    for (int i = 0; i < names->value_count(); ++i) {
      const auto* value = names->value(i);
      if (value->number() == 0) continue;
      if (source_enum != nullptr && target_enum != nullptr &&
          target_enum->FindValueByName(value->name()) == nullptr) {
        if (!ctx.reverse) {
          ctx.sink->Warn(spec.location, absl::StrCat("enum.by_name: ", value->full_name(),
                                                     " has no value of the "
                                                     "same name in ",
                                                     target_enum->full_name(),
                                                     "; the unmapped policy applies to it"));
        }
        continue;
      }
      generated.push_back(EntrySpec{spec.location, value->name(), value->name(), true});
    }
    entries = &generated;
  }
  absl::flat_hash_map<std::string, const EntrySpec*> seen;
  bool ok = true;
  for (const EntrySpec& entry : *entries) {
    if (ctx.reverse && !entry.reverse) continue;
    const std::string& from = ctx.reverse ? entry.target : entry.source;
    const std::string& to = ctx.reverse ? entry.source : entry.target;
    Value key_value;
    if (!Literal(from, in, entry.location, absl::StrCat(key, " entry"), ctx, &key_value)) {
      ok = false;
      continue;
    }
    std::string key_text = ValueToText(key_value, in.enum_type);
    if (in_field != nullptr) {
      if (absl::Status held = CheckFitsField(in_field, key_value); !held.ok()) {
        ctx.sink->Warn(entry.location,
                       absl::StrCat(table->name, ": code '", from, "' can never match: '",
                                    in_field->name(), "' (", FieldTypeName(in_field), ") of ",
                                    in_field->containing_type()->full_name(),
                                    " cannot hold it: the value ", held.message()));
      }
    }
    Value value;
    if (!TableValue(to, out, out_field,
                    absl::StrCat(table->name, ": code '", key_text, "' translates ",
                                 ctx.reverse ? "back " : "", "to '", to, "'"),
                    entry.location, ctx, &value)) {
      ok = false;
      continue;
    }
    auto [previous, inserted] = seen.emplace(key_text, &entry);
    if (!inserted && !ctx.reverse && !spec.table.empty()) {
      continue;  // reported once, with the table
    }
    if (!inserted) {
      if (ctx.reverse) {
        ctx.sink->Error(entry.location,
                        absl::StrCat(table->name, ": '", previous->second->source, "' (line ",
                                     previous->second->location.line, ") and '", entry.source,
                                     "' both translate to '", key_text,
                                     "', so the reverse is ambiguous; mark all but one with "
                                     "reverse: false"));
      } else {
        ctx.sink->Error(entry.location,
                        absl::StrCat(table->name, ": code '", key_text, "' appears twice ",
                                     FirstAt(previous->second->location)));
      }
      ok = false;
      continue;
    }
    table->entries.emplace(key_text, value);
    table->keys.push_back(key_text);
  }
  // The default is checked even when entries were wrong: each value the file gives is reported.
  const PolicySpec& policy = ctx.reverse ? reverse : forward;
  std::string unmapped = policy.unmapped.value_or("error");
  const char* policy_key = ctx.reverse ? "reverse_unmapped" : "unmapped";
  if (unmapped == "default") {
    table->unmapped = LookupTable::Unmapped::kDefault;
    if (!policy.default_value) {
      ctx.sink->Error(spec.location, absl::StrCat(key, ": ", policy_key, ": default needs a ",
                                                  ctx.reverse ? "reverse_default" : "default"));
      return nullptr;
    }
    if (!TableValue(*policy.default_value, out, out_field,
                    absl::StrCat(table->name, ": ", ctx.reverse ? "reverse_default" : "default",
                                 " '", *policy.default_value, "'"),
                    policy.default_location, ctx, &table->default_value)) {
      ok = false;
    }
    table->default_location = policy.default_location;
  } else if (unmapped == "pass_through") {
    table->unmapped = LookupTable::Unmapped::kPassThrough;
    bool same_kind =
        in.kind == out.kind && (in.kind != Value::Kind::kEnum || in.enum_type == out.enum_type);
    if (out.kind != Value::Kind::kString && !same_kind) {
      ctx.sink->Error(
          policy.unmapped_location.line > 0 ? policy.unmapped_location : spec.location,
          absl::StrCat(key, ": ", policy_key, ": pass_through cannot put ", KindName(in), " into ",
                       KindName(out), "; use error or default"));
      return nullptr;
    }
  }
  return ok ? table : nullptr;
}

bool Compiler::AddConversion(const RuleSpec& spec, ValueType* current,
                             const FieldDescriptor* in_field, const ValueType& final_type,
                             const FieldDescriptor* final_field, Context& ctx,
                             std::vector<Step>* steps) {
  Step step;
  step.in = *current;
  if (spec.identifier) {
    step.kind = Step::Kind::kIdentifier;
    step.scheme = IdentifierScheme::Find(spec.identifier->scheme);
    if (step.scheme == nullptr) {
      ctx.sink->Error(
          spec.identifier->location,
          absl::StrCat("identifier: unknown scheme '", spec.identifier->scheme, "'",
                       Suggest(spec.identifier->scheme, IdentifierScheme::Names()),
                       "; expected one of: ", absl::StrJoin(IdentifierScheme::Names(), ", ")));
      return false;
    }
    if (current->kind != Value::Kind::kString || final_type.kind != Value::Kind::kString) {
      ctx.sink->Error(spec.identifier->location, "identifier: both fields must be text (string)");
      return false;
    }
    step.to_canonical = spec.identifier->to_canonical != ctx.reverse;
    step.out = final_type;
  } else if (spec.date) {
    step.kind = Step::Kind::kDate;
    std::string error;
    DateFormat from;
    DateFormat to;
    if (!ParseDateFormat(spec.date->from, &from, &error) ||
        !ParseDateFormat(spec.date->to, &to, &error)) {
      ctx.sink->Error(spec.date->location, absl::StrCat("date: ", error));
      return false;
    }
    absl::TimeZone from_zone;
    absl::TimeZone to_zone;
    if (!ParseZone(spec.date->from_zone, &from_zone) || !ParseZone(spec.date->to_zone, &to_zone)) {
      ctx.sink->Error(spec.date->location,
                      "date: a zone is UTC, an offset such as -03:00, or a name such as "
                      "America/Montevideo");
      return false;
    }
    // What the forward conversion drops can never come back.
    std::vector<std::string> dropped;
    auto holds = [](const DateFormat& format, DateFormat::Token token) {
      if (token == DateFormat::Token::kMilli && format.epoch != DateFormat::Epoch::kNone) {
        return format.epoch == DateFormat::Epoch::kMillis;
      }
      return format.epoch != DateFormat::Epoch::kNone || format.has(token);
    };
    if (from.has_time() && !to.has_time()) {
      dropped.push_back("the time of day");
    } else if (from.has_time()) {
      static constexpr std::pair<DateFormat::Token, const char*> kParts[] = {
          {DateFormat::Token::kMinute, "the minutes"},
          {DateFormat::Token::kSecond, "the seconds"},
          {DateFormat::Token::kMilli, "the milliseconds"}};
      for (const auto& [token, name] : kParts) {
        if (holds(from, token) && !holds(to, token)) dropped.push_back(name);
      }
    }
    if (!dropped.empty()) {
      std::string message =
          absl::StrCat("date: '", spec.date->to, "' drops ", absl::StrJoin(dropped, " and "),
                       " of '", spec.date->from, "': the conversion is lossy");
      if (ctx.reverse) {
        ctx.sink->Error(spec.date->location, message);
        return false;
      }
      ctx.sink->Warn(spec.date->location, message);
    }
    step.date_from = ctx.reverse ? to : from;
    step.date_to = ctx.reverse ? from : to;
    step.zone_from = ctx.reverse ? to_zone : from_zone;
    step.zone_to = ctx.reverse ? from_zone : to_zone;
    auto needs = [&](const DateFormat& format) {
      return format.epoch != DateFormat::Epoch::kNone ? "a whole number" : "text";
    };
    bool in_ok = step.date_from.epoch != DateFormat::Epoch::kNone
                     ? current->kind == Value::Kind::kInt || current->kind == Value::Kind::kUint
                     : current->kind == Value::Kind::kString;
    bool out_ok =
        step.date_to.epoch != DateFormat::Epoch::kNone
            ? final_type.kind == Value::Kind::kInt || final_type.kind == Value::Kind::kUint
            : final_type.kind == Value::Kind::kString;
    if (!in_ok || !out_ok) {
      ctx.sink->Error(spec.date->location,
                      absl::StrCat("date: '", step.date_from.text, "' reads ",
                                   needs(step.date_from), " and '", step.date_to.text, "' writes ",
                                   needs(step.date_to), ", but the fields hold ",
                                   KindName(*current), " and ", KindName(final_type)));
      return false;
    }
    step.out = final_type;
  } else if (spec.number) {
    const NumberSpec& number = *spec.number;
    step.kind = Step::Kind::kNumber;
    if (number.scale && (!number.from_unit.empty() || !number.to_unit.empty())) {
      ctx.sink->Error(number.location, "number: give scale or from_unit and to_unit, not both");
      return false;
    }
    int64_t multiply = 1;
    int64_t divide = 1;
    if (number.scale) {
      multiply = number.scale_numerator;
      divide = number.scale_denominator;
    } else if (!number.from_unit.empty() || !number.to_unit.empty()) {
      const Unit* from = FindUnit(number.from_unit);
      const Unit* to = FindUnit(number.to_unit);
      for (const auto& [unit, name] :
           {std::make_pair(from, number.from_unit), std::make_pair(to, number.to_unit)}) {
        if (unit == nullptr) {
          ctx.sink->Error(
              number.location,
              absl::StrCat("number: unknown unit '", name, "'", Suggest(name, UnitNames()),
                           "; expected one of: ", absl::StrJoin(UnitNames(), ", ")));
          return false;
        }
      }
      if (absl::string_view(from->dimension) != to->dimension) {
        ctx.sink->Error(number.location,
                        absl::StrCat("number: cannot convert ", from->name, " (", from->dimension,
                                     ") to ", to->name, " (", to->dimension, ")"));
        return false;
      }
      multiply = from->factor;
      divide = to->factor;
    }
    step.multiply = ctx.reverse ? divide : multiply;
    step.divide = ctx.reverse ? multiply : divide;
    if (step.divide < 0) {  // a negative scale, in reverse
      step.multiply = -step.multiply;
      step.divide = -step.divide;
    }
    step.decimals = number.decimals;
    step.suffix_from = ctx.reverse ? number.to_suffix : number.from_suffix;
    step.suffix_to = ctx.reverse ? number.from_suffix : number.to_suffix;
    auto numeric_or_text = [](const ValueType& type) {
      return type.kind == Value::Kind::kInt || type.kind == Value::Kind::kUint ||
             type.kind == Value::Kind::kDouble || type.kind == Value::Kind::kString;
    };
    if (!numeric_or_text(*current) || !numeric_or_text(final_type)) {
      ctx.sink->Error(number.location,
                      absl::StrCat("number: converts numbers and numeric text, not ",
                                   KindName(numeric_or_text(*current) ? final_type : *current)));
      return false;
    }
    if ((!step.suffix_from.empty() && current->kind != Value::Kind::kString) ||
        (!step.suffix_to.empty() && final_type.kind != Value::Kind::kString)) {
      ctx.sink->Error(number.location, "number: a suffix belongs to a text field");
      return false;
    }
    bool whole_target =
        final_type.kind == Value::Kind::kInt || final_type.kind == Value::Kind::kUint;
    // Text that is not a whole number is the sender's error; a fractional number or a
    // fractional scale is the mapping's.
    if (whole_target &&
        (current->kind == Value::Kind::kDouble ||
         (current->kind != Value::Kind::kString && step.multiply % step.divide != 0))) {
      ctx.sink->Warn(number.location,
                     "number: the target is a whole-number field; values that do not come out "
                     "whole are rejected at run time");
    }
    // Digits rounded away can never come back, whichever direction drops them: a warning
    // forward, as for a date that drops the time of day, and no reverse.
    const ValueType& forward_in = ctx.reverse ? final_type : *current;
    const ValueType& forward_out = ctx.reverse ? *current : final_type;
    std::string conversion = number.scale ? absl::StrCat("a scale of ", *number.scale)
                                          : absl::StrCat(number.from_unit, " to ", number.to_unit);
    bool forward_drops = DropsDigits(forward_in, forward_out, multiply, divide, number.decimals);
    bool reverse_drops = DropsDigits(forward_out, forward_in, divide, multiply, number.decimals);
    if (forward_drops || reverse_drops) {
      std::string message =
          absl::StrCat("number: with decimals: ", number.decimals, ", whole numbers converted ",
                       forward_drops ? "" : "back ", "by ", conversion,
                       " are not all written exactly (1 becomes ",
                       forward_drops ? static_cast<double>(multiply) / static_cast<double>(divide)
                                     : static_cast<double>(divide) / static_cast<double>(multiply),
                       "): the conversion is lossy");
      if (ctx.reverse) {
        ctx.sink->Error(number.location, message);
        return false;
      }
      if (forward_drops) ctx.sink->Warn(number.location, message);
    }
    step.out = final_type;
  } else if (spec.lookup) {
    step.kind = Step::Kind::kLookup;
    step.table = BuildLookup(*spec.lookup, *current, in_field, final_type, final_field, ctx);
    if (step.table == nullptr) return false;
    step.out = final_type;
  } else {
    return true;
  }
  *current = step.out;
  steps->push_back(std::move(step));
  return true;
}

bool Compiler::Assignable(const ValueType& from, const FieldDescriptor* from_field,
                          const ValueType& to, const FieldDescriptor* to_field,
                          const SourceLocation& location, Context& ctx) {
  std::string to_name = to_field->full_name();
  if (from.kind == to.kind) {
    if (from.kind == Value::Kind::kEnum && from.enum_type != to.enum_type) {
      ctx.sink->Error(location, absl::StrCat("type mismatch: ", from.enum_type->full_name(),
                                             " and ", to.enum_type->full_name(),
                                             " are different enums: translate them with enum"));
      return false;
    }
    if (from_field != nullptr) {
      auto narrower = [](FieldDescriptor::CppType a, FieldDescriptor::CppType b) {
        return (a == FieldDescriptor::CPPTYPE_INT64 && b == FieldDescriptor::CPPTYPE_INT32) ||
               (a == FieldDescriptor::CPPTYPE_UINT64 && b == FieldDescriptor::CPPTYPE_UINT32);
      };
      if (narrower(from_field->cpp_type(), to_field->cpp_type())) {
        ctx.sink->Warn(location,
                       absl::StrCat("'", from_field->name(), "' is 64-bit and '", to_field->name(),
                                    "' 32-bit: values that do not "
                                    "fit are rejected at run time"));
      }
      if (from_field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE &&
          to_field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        ctx.sink->Warn(location, absl::StrCat("'", from_field->name(), "' is double and '",
                                              to_field->name(), "' float: precision is lost"));
      }
    }
    return true;
  }
  if ((from.kind == Value::Kind::kInt && to.kind == Value::Kind::kUint) ||
      (from.kind == Value::Kind::kUint && to.kind == Value::Kind::kInt)) {
    ctx.sink->Warn(location,
                   "signed and unsigned integers: values that do not fit are rejected "
                   "at run time");
    return true;
  }
  std::string hint;
  bool text_from = from.kind == Value::Kind::kString;
  bool text_to = to.kind == Value::Kind::kString;
  if (from.kind == Value::Kind::kEnum || to.kind == Value::Kind::kEnum) {
    hint = "; use enum to translate";
  } else if (text_from || text_to || from.kind == Value::Kind::kDouble ||
             to.kind == Value::Kind::kDouble) {
    hint = "; use number (or date, or translate) to convert";
  } else if (from.kind == Value::Kind::kBool || to.kind == Value::Kind::kBool) {
    hint = "; use translate to convert";
  }
  ctx.sink->Error(location,
                  absl::StrCat("type mismatch: the value is ", KindName(from), " but '",
                               to_field->name(), "' (", to_field->containing_type()->full_name(),
                               ") holds ", KindName(to), hint));
  return false;
}

bool Compiler::CompileCheck(const RuleSpec& spec, const Descriptor* in, const Descriptor* out,
                            Context& ctx, ReadTracker* tracker, RuleList* list) {
  if (ctx.reverse && spec.forward_only) return true;
  // The field belongs to the forward source (on: source) or the forward target (on: target);
  // whichever it is, the check runs when that message is the input or once it is the output.
  const Descriptor* forward_source = ctx.reverse ? out : in;
  const Descriptor* forward_target = ctx.reverse ? in : out;
  const Descriptor* checked = spec.on_target ? forward_target : forward_source;
  const Descriptor* unchecked = spec.on_target ? forward_source : forward_target;
  absl::string_view hint = spec.on_target ? "a check on the source has no on: target"
                                          : "a check on the target needs on: target";
  bool on_input = spec.on_target == ctx.reverse;
  Rule rule;
  rule.shape = Rule::Shape::kCheck;
  rule.location = spec.location;
  rule.check_message = spec.message;
  if (!CompileCondition(*spec.check, checked, ctx, on_input ? tracker : nullptr, &rule.check,
                        unchecked, hint)) {
    return false;
  }
  if (spec.when) {
    rule.when = std::make_unique<Condition>();
    if (!CompileCondition(*spec.when, checked, ctx, nullptr, rule.when.get(), unchecked, hint)) {
      return false;
    }
  }
  (on_input ? list->input_checks : list->output_checks).push_back(std::move(rule));
  return true;
}

bool Compiler::CompileNested(const RuleSpec& spec, Rule* rule, Context& ctx,
                             const std::string& root_prefix) {
  const FieldPath& from = rule->from.front();
  const FieldPath& to = rule->to.front();
  const Descriptor* in_type = from.leaf()->message_type();
  const Descriptor* out_type = to.leaf()->message_type();
  rule->nested = std::make_unique<RuleList>();
  if (spec.has_rules) {
    return CompileRuleList(spec.rules, in_type, out_type, ctx,
                           absl::StrCat(root_prefix, WithoutSelectors(from.text), "."),
                           rule->nested.get());
  }
  auto it = mappings_by_id_.find(spec.mapping);
  if (it == mappings_by_id_.end()) {
    std::vector<std::string> ids;
    for (const auto& [id, unused] : mappings_by_id_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ctx.sink->Error(spec.mapping_location,
                    absl::StrCat("mapping: no mapping with id '", spec.mapping, "'",
                                 Suggest(spec.mapping, ids)));
    return false;
  }
  const MappingSpec& referenced = *it->second;
  if (std::find(ctx.stack.begin(), ctx.stack.end(), referenced.id) != ctx.stack.end()) {
    ctx.sink->Error(spec.mapping_location,
                    absl::StrCat("mapping: '", referenced.id, "' refers back to itself: ",
                                 absl::StrJoin(ctx.stack, " -> "), " -> ", referenced.id));
    return false;
  }
  const Descriptor* forward_in = ctx.reverse ? out_type : in_type;
  const Descriptor* forward_out = ctx.reverse ? in_type : out_type;
  if (referenced.source != forward_in->full_name() ||
      referenced.target != forward_out->full_name()) {
    ctx.sink->Error(spec.mapping_location,
                    absl::StrCat("mapping: '", referenced.id, "' maps ", referenced.source, " to ",
                                 referenced.target, ", but this rule maps ",
                                 forward_in->full_name(), " to ", forward_out->full_name()));
    return false;
  }
  // The referenced mapping reports its own problems where it is defined; here only whether it
  // compiles in this direction matters.
  Sink quiet;
  quiet.reverse = ctx.reverse;
  Context inner = ctx;
  inner.sink = &quiet;
  inner.track_unread = false;
  inner.stack.push_back(referenced.id);
  bool ok = CompileRuleList(referenced.rules, in_type, out_type, inner, "", rule->nested.get());
  if (!ok || quiet.count > 0) {
    if (ctx.reverse) {
      ctx.sink->Error(spec.mapping_location,
                      absl::StrCat("mapping: '", referenced.id, "' is not invertible"));
    } else {
      ctx.sink->Error(spec.mapping_location,
                      absl::StrCat("mapping: '", referenced.id, "' has errors (see its file)"));
    }
    return false;
  }
  return true;
}

bool Compiler::CompileDataRule(const RuleSpec& spec, const Descriptor* in, const Descriptor* out,
                               Context& ctx, const std::string& root_prefix, ReadTracker* tracker,
                               RuleList* list) {
  if (ctx.reverse && spec.forward_only) return true;
  if (ctx.reverse && spec.constant) {
    // A constant does not run in reverse; the field it fills holds nothing to carry back.
    FieldPath path;
    if (!Resolve(spec.to.front(), in, spec.to_location, ctx, &path)) return false;
    tracker->Add(path);
    return true;
  }
  Rule rule;
  rule.location = spec.location;
  const ConditionSpec* condition = nullptr;
  if (ctx.reverse) {
    if (spec.when && !spec.reverse_when) {
      ctx.sink->Error(spec.location,
                      "the rule has when but no reverse_when: say when it applies in reverse, or "
                      "mark it direction: forward");
      return false;
    }
    if (spec.reverse_when) condition = &*spec.reverse_when;
  } else if (spec.when) {
    condition = &*spec.when;
  }
  if (condition != nullptr) {
    rule.when = std::make_unique<Condition>();
    if (!CompileCondition(*condition, in, ctx, tracker, rule.when.get(), out,
                          ctx.reverse ? "reverse_when tests the target, the reverse's input"
                                      : "when tests the source; reverse_when tests the target")) {
      return false;
    }
  }
  const std::vector<std::string>& inputs = ctx.reverse ? spec.to : spec.from;
  const std::vector<std::string>& outputs = ctx.reverse ? spec.from : spec.to;
  const SourceLocation& input_location = ctx.reverse ? spec.to_location : spec.from_location;
  const SourceLocation& output_location = ctx.reverse ? spec.from_location : spec.to_location;
  for (const std::string& text : inputs) {
    FieldPath path;
    if (!Resolve(text, in, input_location, ctx, &path)) return false;
    rule.from.push_back(std::move(path));
  }
  for (const std::string& text : outputs) {
    FieldPath path;
    if (!Resolve(text, out, output_location, ctx, &path)) return false;
    rule.to.push_back(std::move(path));
  }
  for (const FieldPath& path : rule.from) tracker->Add(path);

  if (spec.constant) {
    rule.shape = Rule::Shape::kConstant;
    const FieldPath& to = rule.to.front();
    if (to.is_message()) {
      ctx.sink->Error(output_location, "constant: the field is a message; give its fields");
      return false;
    }
    if (!FieldLiteral(*spec.constant, to.leaf(), spec.constant_location, "constant", ctx,
                      &rule.constant)) {
      return false;
    }
    list->rules.push_back(std::move(rule));
    return true;
  }

  const absl::optional<std::string>& default_text =
      ctx.reverse ? spec.reverse_default : spec.default_value;
  const SourceLocation& default_location =
      ctx.reverse ? spec.reverse_default_location : spec.default_location;

  // Nested messages.
  const FieldPath& first_in = rule.from.front();
  const FieldPath& first_out = rule.to.front();
  bool nested = spec.has_rules || !spec.mapping.empty();
  if (nested || first_in.is_message() || first_out.is_message()) {
    bool converts = spec.identifier || spec.date || spec.number || spec.lookup || spec.join ||
                    spec.split || !spec.normalize.empty() || spec.default_value;
    if (!nested && converts) {
      ctx.sink->Error(spec.location,
                      "a message is copied as it is: conversions belong to nested rules");
      return false;
    }
    if (!first_in.is_message() || !first_out.is_message()) {
      ctx.sink->Error(
          nested ? (spec.has_rules ? spec.location : spec.mapping_location) : output_location,
          absl::StrCat("'", first_in.text, "' and '", first_out.text,
                       "' must both be messages to map one into the other"));
      return false;
    }
    if (first_in.is_list() && !first_out.is_list()) {
      ctx.sink->Error(output_location,
                      absl::StrCat("'", first_in.text, "' is repeated and '", first_out.text,
                                   "' is not: select one element with [index]"));
      return false;
    }
    if (nested) {
      rule.shape = Rule::Shape::kNested;
      if (!CompileNested(spec, &rule, ctx, root_prefix)) return false;
    } else {
      rule.shape = Rule::Shape::kDeepCopy;
      if (first_in.leaf()->message_type() != first_out.leaf()->message_type()) {
        ctx.sink->Error(
            output_location,
            absl::StrCat("type mismatch: '", first_in.text, "' is ",
                         first_in.leaf()->message_type()->full_name(), " and '", first_out.text,
                         "' is ", first_out.leaf()->message_type()->full_name(),
                         ": map their fields with nested rules (or mapping)"));
        return false;
      }
    }
    list->rules.push_back(std::move(rule));
    return true;
  }
  for (const FieldPath& path : rule.from) {
    if (path.is_message()) {
      ctx.sink->Error(input_location, absl::StrCat("'", path.text,
                                                   "' is a message: map it "
                                                   "with nested rules, or name its fields"));
      return false;
    }
  }
  for (const FieldPath& path : rule.to) {
    if (path.is_message()) {
      ctx.sink->Error(output_location, absl::StrCat("'", path.text,
                                                    "' is a message: map it "
                                                    "with nested rules, or name its fields"));
      return false;
    }
  }

  bool join = ctx.reverse ? spec.split.has_value() : spec.join.has_value();
  bool split = ctx.reverse ? spec.join.has_value() : spec.split.has_value();
  const SeparatorSpec* separator = spec.join ? &*spec.join : spec.split ? &*spec.split : nullptr;
  if (separator != nullptr) {
    rule.separator = separator->separator;
    rule.split_at = separator->split_at;
  }
  if (separator != nullptr && separator->split_at == SplitAt::kLastNumber &&
      (spec.join ? spec.from.size() : spec.to.size()) != 2) {
    ctx.sink->Error(separator->location,
                    "split_at: last_number splits a text into two fields (a street and its "
                    "number): give two fields");
    return false;
  }

  ValueType current;
  ValueType final_type;
  if (join) {
    rule.shape = Rule::Shape::kJoin;
    if (rule.from.size() == 1 && !rule.from.front().is_list()) {
      ctx.sink->Error(input_location, "join: give several fields, or one repeated field, to join");
      return false;
    }
    if (rule.from.size() > 1) {
      for (const FieldPath& path : rule.from) {
        if (path.is_list()) {
          ctx.sink->Error(input_location,
                          absl::StrCat("join: '", path.text, "' is repeated; join it alone"));
          return false;
        }
      }
    }
    if (rule.to.size() != 1 || rule.to.front().is_list()) {
      ctx.sink->Error(output_location, "join: the result goes into one singular field");
      return false;
    }
    if (ctx.reverse && rule.separator.empty()) {
      ctx.sink->Error(separator->location,
                      "split: without a separator the joined value cannot be split back");
      return false;
    }
    current.kind = Value::Kind::kString;
    final_type = TypeOfField(rule.to.front().leaf());
  } else if (split) {
    rule.shape = Rule::Shape::kSplit;
    if (rule.separator.empty()) {
      ctx.sink->Error(separator->location,
                      ctx.reverse ? "join: without a separator the joined value cannot be split "
                                    "back"
                                  : "split: the separator must not be empty");
      return false;
    }
    if (rule.from.size() != 1 || rule.from.front().is_list()) {
      ctx.sink->Error(input_location, "split: the value to split comes from one singular field");
      return false;
    }
    if (rule.to.size() == 1 && !rule.to.front().is_list()) {
      ctx.sink->Error(output_location,
                      "split: give several fields, or one repeated field, for the pieces");
      return false;
    }
    for (const FieldPath& path : rule.to) {
      if (TypeOfField(path.leaf()).kind != Value::Kind::kString) {
        ctx.sink->Error(output_location,
                        absl::StrCat("split: '", path.text, "' must be a text field"));
        return false;
      }
      if (rule.to.size() > 1 && path.is_list()) {
        ctx.sink->Error(output_location,
                        absl::StrCat("split: '", path.text, "' is repeated; split into it alone"));
        return false;
      }
    }
    current = TypeOfField(rule.from.front().leaf());
    final_type.kind = Value::Kind::kString;
  } else {
    rule.shape = Rule::Shape::kCopy;
    const FieldPath& from = rule.from.front();
    const FieldPath& to = rule.to.front();
    if (from.is_list() && !to.is_list()) {
      ctx.sink->Error(output_location,
                      absl::StrCat("'", from.text, "' is repeated and '", to.text,
                                   "' is not: select one element with [index], or join them"));
      return false;
    }
    current = TypeOfField(from.leaf());
    final_type = TypeOfField(to.leaf());
  }

  // Forward: normalise, then convert. Reverse: convert back, then the reverse normalisation.
  if (!ctx.reverse) {
    if (!AddNormalize(spec.normalize, &current, spec.normalize_location, ctx, &rule.steps)) {
      return false;
    }
  } else if (!spec.normalize.empty() && !spec.reverse_normalize) {
    ctx.sink->Error(spec.normalize_location,
                    "normalize has no reverse_normalize: say what the reverse does "
                    "(reverse_normalize: [] writes the value back as it is)");
    return false;
  }
  bool has_conversion = spec.identifier || spec.date || spec.number || spec.lookup;
  if (has_conversion) {
    // A split's pieces are text, whatever the field it splits.
    const FieldDescriptor* final_field =
        rule.shape == Rule::Shape::kSplit ? nullptr : rule.to.front().leaf();
    // The conversion reads the source field as it is when nothing came before it.
    const FieldDescriptor* in_field =
        rule.shape == Rule::Shape::kCopy && rule.steps.empty() ? rule.from.front().leaf() : nullptr;
    if (!AddConversion(spec, &current, in_field, final_type, final_field, ctx, &rule.steps)) {
      return false;
    }
  }
  if (ctx.reverse && spec.reverse_normalize) {
    if (!AddNormalize(*spec.reverse_normalize, &current, spec.normalize_location, ctx,
                      &rule.steps)) {
      return false;
    }
  }
  const FieldDescriptor* from_field =
      rule.shape == Rule::Shape::kCopy && rule.steps.empty() ? rule.from.front().leaf() : nullptr;
  const FieldDescriptor* to_field = rule.to.front().leaf();
  if (rule.shape == Rule::Shape::kSplit) {
    if (current.kind != Value::Kind::kString) {
      ctx.sink->Error(input_location, absl::StrCat("split: the value is ", KindName(current),
                                                   "; only text is split"));
      return false;
    }
  } else if (!Assignable(current, from_field, final_type, to_field, output_location, ctx)) {
    return false;
  }
  // A split writes the pieces it finds and nothing when there is no value: a default there would
  // be accepted and never written. Said once, where the file is compiled forward.
  if (!ctx.reverse && spec.split && spec.default_value) {
    ctx.sink->Error(
        spec.default_location,
        "default: a split writes no default; an absent value leaves every piece absent");
    return false;
  }
  if (!ctx.reverse && spec.join && spec.reverse_default) {
    ctx.sink->Error(spec.reverse_default_location,
                    "reverse_default: the reverse of a join is a split, which writes no default; "
                    "an absent value leaves every field absent");
    return false;
  }
  if (default_text) {
    if (rule.to.front().is_list() && rule.shape != Rule::Shape::kCopy) {
      ctx.sink->Error(default_location, "default: give it for a singular field");
      return false;
    }
    rule.has_default = true;
    // A reverse_default its national field cannot hold is the file's error, as a table's is: no
    // reverse could ever write it.
    if (!FieldLiteral(*default_text, to_field, default_location,
                      ctx.reverse ? "reverse_default" : "default", ctx, &rule.default_value,
                      /*value_error=*/ctx.reverse)) {
      return false;
    }
  }
  // A forward default that the reverse cannot convert back (SEX_UNKNOWN, which the enum's
  // values do not list) would make every message without the field fail coming back.
  if (ctx.reverse && spec.default_value && !rule.steps.empty()) {
    Value value;
    if (!Literal(*spec.default_value, TypeOfField(rule.from.front().leaf()), spec.default_location,
                 "default", ctx, &value)) {
      return false;
    }
    absl::Status back = WritesNothing(value) ? absl::OkStatus() : RunSteps(rule.steps, &value);
    if (!back.ok()) {
      ctx.sink->Error(spec.default_location, absl::StrCat("default: '", *spec.default_value,
                                                          "' cannot come back: ", back.message()));
      return false;
    }
  }
  if (ctx.reverse && !ReverseDefaultsReadForward(spec, rule, ctx)) return false;
  // Examples: a generated value should already be in the form the national side writes.
  const std::vector<NormalizeSpec>* example = nullptr;
  if (!ctx.reverse && spec.reverse_normalize) example = &*spec.reverse_normalize;
  if (ctx.reverse) example = &spec.normalize;
  if (example != nullptr) {
    std::vector<Step> scratch;
    ValueType text;
    Sink quiet;
    Context inner = ctx;
    inner.sink = &quiet;
    if (AddNormalize(*example, &text, spec.normalize_location, inner, &scratch) &&
        !scratch.empty()) {
      rule.example_normalize = scratch.front().normalize;
    }
  }
  list->rules.push_back(std::move(rule));
  return true;
}

bool Compiler::ReverseDefaultsReadForward(const RuleSpec& spec, const Rule& rule, Context& ctx) {
  // A split writes no default; a copy or a join writes it into one national field.
  if (rule.shape != Rule::Shape::kCopy && rule.shape != Rule::Shape::kJoin) return true;
  struct Written {
    Value value;
    SourceLocation location;
  };
  std::vector<Written> written;
  if (rule.has_default) written.push_back({rule.default_value, spec.reverse_default_location});
  for (size_t i = 0; i < rule.steps.size(); ++i) {
    const Step& step = rule.steps[i];
    if (step.kind != Step::Kind::kLookup ||
        step.table->unmapped != LookupTable::Unmapped::kDefault) {
      continue;
    }
    // The table's reverse_default, as the rest of the reverse (reverse_normalize) writes it.
    Value value = step.table->default_value;
    std::vector<Step> rest(rule.steps.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                           rule.steps.end());
    if (WritesNothing(value) || !RunSteps(rest, &value).ok()) continue;
    written.push_back({value, step.table->default_location});
  }
  if (written.empty()) return true;
  // The forward conversion, compiled again quietly: the forward plan compiled, so this does too.
  Context forward = ctx;
  forward.reverse = false;
  Sink quiet;
  forward.sink = &quiet;
  const ValueType national = TypeOfField(rule.to.front().leaf());
  ValueType current = national;
  ValueType canonical = TypeOfField(rule.from.front().leaf());
  if (rule.shape == Rule::Shape::kJoin) canonical.kind = Value::Kind::kString;  // a split forward
  std::vector<Step> steps;
  if (!AddNormalize(spec.normalize, &current, spec.normalize_location, forward, &steps)) {
    return true;
  }
  const FieldDescriptor* canonical_field =
      rule.shape == Rule::Shape::kJoin ? nullptr : rule.from.front().leaf();
  if ((spec.identifier || spec.date || spec.number || spec.lookup) &&
      !AddConversion(spec, &current, nullptr, canonical, canonical_field, forward, &steps)) {
    return true;
  }
  for (Written& value : written) {
    if (WritesNothing(value.value)) continue;
    std::string shown = ValueToText(value.value, national.enum_type);
    absl::Status read = RunSteps(steps, &value.value);
    if (!read.ok()) {
      ctx.sink->Error(value.location, absl::StrCat("reverse_default: '", shown,
                                                   "' cannot be read forward: ", read.message()));
      return false;
    }
  }
  return true;
}

bool Compiler::CompileRuleList(const std::vector<RuleSpec>& specs, const Descriptor* in,
                               const Descriptor* out, Context& ctx, const std::string& root_prefix,
                               RuleList* list) {
  ReadTracker tracker;
  bool ok = true;
  for (const RuleSpec& spec : specs) {
    bool rule_ok = spec.check ? CompileCheck(spec, in, out, ctx, &tracker, list)
                              : CompileDataRule(spec, in, out, ctx, root_prefix, &tracker, list);
    ok = rule_ok && ok;
  }
  if (ok && ctx.track_unread) WarnUnread(in, "", root_prefix, tracker, ctx, 0);
  NumberSourceConditions(list);
  return ok;
}

void Compiler::WarnUnread(const Descriptor* type, const std::string& tracker_prefix,
                          const std::string& root_prefix, const ReadTracker& tracker, Context& ctx,
                          int depth) {
  if (depth > 8) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    std::string name = tracker_prefix + field->name();
    std::string from_root = root_prefix + name;
    if (tracker.whole.count(name) > 0 || ctx.ignored.count(from_root) > 0) continue;
    if (tracker.partial.count(name) > 0 && field->message_type() != nullptr) {
      WarnUnread(field->message_type(), name + ".", root_prefix, tracker, ctx, depth + 1);
      continue;
    }
    const MappingSpec& mapping = *ctx.mapping;
    ctx.sink->Warn(ctx.reverse ? mapping.target_location : mapping.source_location,
                   absl::StrCat("no rule reads '", from_root, "' of ",
                                ctx.reverse ? mapping.target : mapping.source,
                                ": its value is dropped (list it under ignore if that is meant)"));
  }
}

std::unique_ptr<PlanBody> Compiler::CompilePlan(const MappingSpec& spec, const Descriptor* source,
                                                const Descriptor* target, bool reverse,
                                                Sink* sink) {
  auto body = std::make_unique<PlanBody>();
  body->mapping_id = spec.id;
  body->reverse = reverse;
  body->source = reverse ? target : source;
  body->target = reverse ? source : target;
  Context ctx;
  ctx.mapping = &spec;
  ctx.reverse = reverse;
  ctx.sink = sink;
  ctx.stack.push_back(spec.id);
  for (const std::string& path : spec.ignore) ctx.ignored.insert(WithoutSelectors(path));
  int before = sink->count;
  bool ok = CompileRuleList(spec.rules, body->source, body->target, ctx, "", &body->rules);
  if (!ok || sink->count != before) return nullptr;
  return body;
}

std::unique_ptr<MappingSet> Compiler::Build(ParsedFiles files) {
  for (const CodeTableSpec& table : files.tables) {
    auto [it, inserted] = tables_by_id_.emplace(table.id, &table);
    if (!inserted) {
      diagnostics_.Error(table.location,
                         absl::StrCat("CodeTable id '", table.id, "' is already used by ",
                                      it->second->location.ToString()));
    }
    absl::flat_hash_map<std::string, const EntrySpec*> sources;
    for (const EntrySpec& entry : table.entries) {
      auto [previous, fresh] = sources.emplace(entry.source, &entry);
      if (!fresh) {
        diagnostics_.Error(entry.location,
                           absl::StrCat("table '", table.id, "': code '", entry.source,
                                        "' appears twice ", FirstAt(previous->second->location)));
      }
    }
  }
  for (const MappingSpec& mapping : files.mappings) {
    auto [it, inserted] = mappings_by_id_.emplace(mapping.id, &mapping);
    if (!inserted) {
      diagnostics_.Error(mapping.id_location,
                         absl::StrCat("mapping id '", mapping.id, "' is already used by ",
                                      it->second->id_location.ToString()));
    }
  }
  std::vector<std::string> message_names;
  for (const std::string& file_name : catalog_.file_names()) {
    const google::protobuf::FileDescriptor* file = catalog_.pool().FindFileByName(file_name);
    for (int i = 0; i < file->message_type_count(); ++i) {
      CollectMessageNames(file->message_type(i), &message_names);
    }
  }
  auto set = std::unique_ptr<MappingSet>(new MappingSet());
  for (const MappingSpec& spec : files.mappings) {
    if (mappings_by_id_.at(spec.id) != &spec) continue;
    const Descriptor* source = catalog_.pool().FindMessageTypeByName(spec.source);
    const Descriptor* target = catalog_.pool().FindMessageTypeByName(spec.target);
    for (const auto& [type, name, location] :
         {std::make_tuple(source, spec.source, spec.source_location),
          std::make_tuple(target, spec.target, spec.target_location)}) {
      if (type == nullptr) {
        diagnostics_.Error(location, absl::StrCat("unknown message type '", name, "'",
                                                  Suggest(name, message_names),
                                                  "; is its descriptor set loaded?"));
      }
    }
    if (source == nullptr || target == nullptr) continue;
    bool ignore_ok = true;
    for (size_t i = 0; i < spec.ignore.size(); ++i) {
      // An ignored path names a field of the source or of the target, selectors left out.
      std::string bare = WithoutSelectors(spec.ignore[i]);
      bool found = false;
      for (const Descriptor* root : {source, target}) {
        const Descriptor* current = root;
        bool ok = true;
        for (absl::string_view name : absl::StrSplit(bare, '.')) {
          const FieldDescriptor* field =
              current == nullptr ? nullptr : current->FindFieldByName(std::string(name));
          if (field == nullptr) {
            ok = false;
            break;
          }
          current = field->message_type();
        }
        found = found || ok;
      }
      if (!found) {
        diagnostics_.Error(spec.ignore_locations[i],
                           absl::StrCat("ignore: '", spec.ignore[i], "' is a field of neither ",
                                        spec.source, " nor ", spec.target));
        ignore_ok = false;
      }
    }
    if (!ignore_ok) continue;
    Sink forward_sink;
    forward_sink.errors = &diagnostics_;
    std::vector<Diagnostic> forward_warnings;
    forward_sink.warnings = &forward_warnings;
    std::unique_ptr<PlanBody> forward = CompilePlan(spec, source, target, false, &forward_sink);
    if (forward == nullptr) continue;
    Sink reverse_sink;
    reverse_sink.reverse = true;
    reverse_sink.errors = &diagnostics_;
    const size_t errors_before_reverse = diagnostics_.errors().size();
    std::vector<Diagnostic> notes;
    std::vector<Diagnostic> reverse_warnings;
    reverse_sink.notes = &notes;
    reverse_sink.warnings = &reverse_warnings;
    std::unique_ptr<PlanBody> reverse = CompilePlan(spec, source, target, true, &reverse_sink);
    if (diagnostics_.errors().size() != errors_before_reverse) continue;
    auto mapping = std::unique_ptr<Mapping>(new Mapping());
    mapping->id_ = spec.id;
    mapping->file_ = spec.file;
    mapping->description_ = spec.description;
    mapping->forward_ = std::unique_ptr<const MappingPlan>(new MappingPlan(std::move(forward)));
    if (reverse != nullptr && notes.empty()) {
      mapping->reverse_ = std::unique_ptr<const MappingPlan>(new MappingPlan(std::move(reverse)));
      forward_warnings.insert(forward_warnings.end(), reverse_warnings.begin(),
                              reverse_warnings.end());
    }
    mapping->non_invertible_ = std::move(notes);
    set->warnings_.insert(set->warnings_.end(), forward_warnings.begin(), forward_warnings.end());
    set->mappings_.emplace(spec.id, std::move(mapping));
  }
  return set;
}

}  // namespace mapping_internal

namespace {

// Every *.yaml file under `dir`, subdirectories (mappings/tables/) included. `read` holds the
// directories listed so far, each as (device, inode): a link to one of them (a link to .. or to
// mappings/ itself) would read its files again and report each of its ids as used twice.
void ListYamlFiles(const std::string& dir, std::vector<std::string>* files, int depth,
                   std::set<std::pair<dev_t, ino_t>>* read, Diagnostics& diagnostics) {
  if (depth > 8) {
    diagnostics.Error(SourceLocation{dir, 0, 0},
                      "not read: mappings/ is read at most 8 directories deep");
    return;
  }
  struct stat info;
  if (::stat(dir.c_str(), &info) == 0 && !read->emplace(info.st_dev, info.st_ino).second) {
    std::error_code error;
    const std::filesystem::path target = std::filesystem::read_symlink(dir, error);
    const std::string what =
        error ? std::string("is") : absl::StrCat("is a link to ", target.string(), ",");
    diagnostics.Error(SourceLocation{dir, 0, 0},
                      absl::StrCat(what,
                                   " a directory of mappings/ read already (a loop, or a second "
                                   "way to the same files): remove the link"));
    return;
  }
  absl::optional<std::vector<PolicyDirectoryEntry>> entries = ListPolicyDirectory(dir, diagnostics);
  if (!entries.has_value()) return;
  for (const PolicyDirectoryEntry& entry : *entries) {
    if (entry.is_directory) {
      ListYamlFiles(entry.path, files, depth + 1, read, diagnostics);
    } else {
      files->push_back(entry.path);
    }
  }
}

}  // namespace

std::unique_ptr<const MappingSet> LoadMappingsKeepingPartial(const std::string& dir,
                                                             const DescriptorCatalog& catalog,
                                                             Diagnostics& diagnostics) {
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    diagnostics.Error(SourceLocation{dir, 0, 0}, "cannot read the mappings directory");
    return nullptr;
  }
  // Errors of files loaded before (federation.yaml) are not this directory's.
  const size_t errors_before = diagnostics.errors().size();
  std::vector<std::string> paths;
  std::set<std::pair<dev_t, ino_t>> read;
  ListYamlFiles(dir, &paths, 0, &read, diagnostics);
  mapping_internal::ParsedFiles files;
  for (const std::string& path : paths) {
    mapping_internal::ParseMappingFile(path, diagnostics, &files);
  }
  mapping_internal::Compiler compiler(catalog, diagnostics);
  std::unique_ptr<MappingSet> set = compiler.Build(std::move(files));
  set->complete_ = diagnostics.errors().size() == errors_before;
  return set;
}

std::unique_ptr<const MappingSet> LoadMappings(const std::string& dir,
                                               const DescriptorCatalog& catalog,
                                               Diagnostics& diagnostics) {
  std::unique_ptr<const MappingSet> set = LoadMappingsKeepingPartial(dir, catalog, diagnostics);
  if (set == nullptr || !set->complete()) return nullptr;
  return set;
}

}  // namespace pasarela
