// Applying compiled plans to messages, and generating example inputs from them.
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/mapping/mapping.h"
#include "gateway/mapping/plan_internal.h"
#include "gateway/mapping/text.h"

namespace pasarela {
namespace mapping_internal {
namespace {

std::string MappingName(const PlanBody& plan) {
  return absl::StrCat("mapping '", plan.mapping_id, "'", plan.reverse ? " (reverse)" : "");
}

absl::Status FieldError(const PlanBody& plan, const Where* where, const FieldPath& path,
                        absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(MappingName(plan), ": field '", WhereToString(where, path.text), "': ", what));
}

absl::Status CheckFailed(const PlanBody& plan, const Where* where, const Rule& check) {
  const FieldPath* field = ConditionField(check.check);
  std::string what = check.check_message.empty() ? check.check.description : check.check_message;
  return absl::InvalidArgumentError(absl::StrCat(
      MappingName(plan), ": field '", WhereToString(where, field != nullptr ? field->text : ""),
      "': check failed: ", what));
}

// `memo`: for the input checks, the memo of the list's tests on the source; null for the output
// checks, which read the target as it is being written.
absl::Status RunChecks(const PlanBody& plan, const std::vector<Rule>& checks,
                       const Message& message, const Where* where, ConditionMemo* memo) {
  for (const Rule& check : checks) {
    if (check.when != nullptr && !EvaluateCondition(*check.when, message, memo)) continue;
    if (!EvaluateCondition(check.check, message, memo)) return CheckFailed(plan, where, check);
  }
  return absl::OkStatus();
}

// Writes `value` at `path`; `origin` is the source field it was read from (null for a constant or a
// default), which an error names beside the target field.
absl::Status Write(const PlanBody& plan, Message* target, const FieldPath& path, Value value,
                   const Where* where, const Where* origin = nullptr) {
  absl::Status written = WriteScalar(target, path, std::move(value));
  if (written.ok()) return absl::OkStatus();
  if (origin == nullptr) return FieldError(plan, where, path, written.message());
  return FieldError(
      plan, where, path,
      absl::StrCat("the value of '", WhereToString(origin, ""), "' ", written.message()));
}

// A text that is empty once trimmed carries nothing: it counts as absent, like an empty string,
// in either direction and for every element or piece.
bool IsBlank(const Value& value) {
  return value.kind == Value::Kind::kString && text::IsBlank(value.s);
}

// A house number as the region writes it after the street: digits, an optional letter, an
// optional "N°", "Nº" or "#" before them ("1234", "1234B", "N°1234", "#12").
bool IsHouseNumber(absl::string_view token) {
  static const RE2* const kHouseNumber = new RE2(R"((?:[Nn][°º]\s?|#)?[0-9]+[A-Za-z]?)");
  return RE2::FullMatch(re2::StringPiece(token.data(), token.size()), *kHouseNumber);
}

// `split_at: last_number`: the street and its number, cut before the last separator only when
// what follows is a house number and the street has no other comma (a comma at its end is
// dropped: "Rua Augusta, 1500"). Otherwise the whole line is the street: "Av. Corrientes",
// "Av. Providencia 1234, depto 5".
std::vector<std::string> SplitHouseNumber(const std::string& text, const std::string& separator) {
  size_t found = text.rfind(separator);
  if (found != std::string::npos && found > 0) {
    absl::string_view street = absl::string_view(text).substr(0, found);
    absl::string_view number = absl::string_view(text).substr(found + separator.size());
    absl::ConsumeSuffix(&street, ",");
    if (IsHouseNumber(number) && street.find(',') == absl::string_view::npos &&
        !text::IsBlank(street)) {
      return {std::string(street), std::string(number)};
    }
  }
  return {text};
}

// Splits `text` into at most `pieces` parts at the first (or last) separators.
std::vector<std::string> SplitInto(const std::string& text, const std::string& separator,
                                   size_t pieces, bool from_right) {
  std::vector<std::string> parts;
  if (!from_right) {
    size_t start = 0;
    while (parts.size() + 1 < pieces) {
      size_t found = text.find(separator, start);
      if (found == std::string::npos) break;
      parts.push_back(text.substr(start, found - start));
      start = found + separator.size();
    }
    parts.push_back(text.substr(start));
    return parts;
  }
  size_t end = text.size();
  std::vector<std::string> reversed;
  while (reversed.size() + 1 < pieces) {
    if (end < separator.size()) break;
    size_t found = text.rfind(separator, end - separator.size());
    if (found == std::string::npos) break;
    reversed.push_back(text.substr(found + separator.size(), end - found - separator.size()));
    end = found;
  }
  reversed.push_back(text.substr(0, end));
  return std::vector<std::string>(reversed.rbegin(), reversed.rend());
}

// Whether `paths` name positions of one repeated field ("names[1]", "names[2]"), not fields of
// their own.
bool PositionsOfOneList(const std::vector<FieldPath>& paths) {
  for (const FieldPath& path : paths) {
    const PathStep& last = path.steps.back();
    const PathStep& first = paths.front().steps.back();
    const std::string& first_text = paths.front().text;
    if (last.select != PathStep::Select::kIndex || last.field != first.field ||
        path.text.substr(0, path.text.rfind('[')) != first_text.substr(0, first_text.rfind('['))) {
      return false;
    }
  }
  return true;
}

absl::Status ApplyRule(const PlanBody& plan, const Rule& rule, const Message& source,
                       Message* target, const Where* source_where, const Where* target_where) {
  switch (rule.shape) {
    case Rule::Shape::kCheck:
      return absl::OkStatus();
    case Rule::Shape::kConstant:
      return Write(plan, target, rule.to.front(), rule.constant, target_where);
    case Rule::Shape::kCopy: {
      const FieldPath& from = rule.from.front();
      const FieldPath& to = rule.to.front();
      if (from.is_list()) {
        std::vector<Value> values;
        ReadScalarList(source, from, &values);
        for (size_t i = 0; i < values.size(); ++i) {
          if (IsBlank(values[i])) continue;
          absl::Status converted = RunSteps(rule.steps, &values[i]);
          if (!converted.ok()) {
            Where element{source_where, from.text, static_cast<int>(i)};
            return FieldError(plan, &element, FieldPath(), converted.message());
          }
          if (IsBlank(values[i])) continue;
          Where element{source_where, from.text, static_cast<int>(i)};
          absl::Status written =
              Write(plan, target, to, std::move(values[i]), target_where, &element);
          if (!written.ok()) return written;
        }
        return absl::OkStatus();
      }
      Value value;
      bool present = ReadScalar(source, from, &value) && !IsBlank(value);
      if (present) {
        absl::Status converted = RunSteps(rule.steps, &value);
        if (!converted.ok()) return FieldError(plan, source_where, from, converted.message());
        present = !IsBlank(value);
      }
      if (!present) {
        if (!rule.has_default) return absl::OkStatus();
        return Write(plan, target, to, rule.default_value, target_where);
      }
      Where origin{source_where, from.text, -1};
      return Write(plan, target, to, std::move(value), target_where, &origin);
    }
    case Rule::Shape::kJoin: {
      // Only the parts present are joined: an absent one leaves no stray separator.
      std::vector<std::string> parts;
      auto add = [&](const Value& value, const FieldPath& from) {
        if (!IsBlank(value))
          parts.push_back(ValueToText(value, TypeOfField(from.leaf()).enum_type));
      };
      if (rule.from.size() == 1) {
        std::vector<Value> values;
        ReadScalarList(source, rule.from.front(), &values);
        for (const Value& value : values) add(value, rule.from.front());
      } else {
        for (const FieldPath& from : rule.from) {
          Value value;
          if (ReadScalar(source, from, &value)) add(value, from);
        }
      }
      Value joined = Value::String(absl::StrJoin(parts, rule.separator));
      if (!parts.empty()) {
        absl::Status converted = RunSteps(rule.steps, &joined);
        if (!converted.ok()) {
          return FieldError(plan, source_where, rule.from.front(), converted.message());
        }
      }
      if (parts.empty() || IsBlank(joined)) {
        if (!rule.has_default) return absl::OkStatus();
        return Write(plan, target, rule.to.front(), rule.default_value, target_where);
      }
      return Write(plan, target, rule.to.front(), std::move(joined), target_where);
    }
    case Rule::Shape::kSplit: {
      const FieldPath& from = rule.from.front();
      Value value;
      if (!ReadScalar(source, from, &value) || IsBlank(value)) return absl::OkStatus();
      absl::Status converted = RunSteps(rule.steps, &value);
      if (!converted.ok()) return FieldError(plan, source_where, from, converted.message());
      if (rule.to.size() == 1) {
        for (absl::string_view piece : absl::StrSplit(value.s, rule.separator, absl::SkipEmpty())) {
          Value element = Value::String(std::string(piece));
          if (IsBlank(element)) continue;
          absl::Status written =
              Write(plan, target, rule.to.front(), std::move(element), target_where);
          if (!written.ok()) return written;
        }
        return absl::OkStatus();
      }
      std::vector<std::string> pieces;
      if (rule.split_at == SplitAt::kLastNumber) {
        pieces = SplitHouseNumber(value.s, rule.separator);
      } else {
        pieces =
            SplitInto(value.s, rule.separator, rule.to.size(), rule.split_at == SplitAt::kLast);
        // Guessing which field a missing piece belongs to would put a value in the wrong one
        // ("PASSPORT" as a country): the sender must say. Positions of one list are another
        // matter: fewer pieces are fewer elements.
        if (pieces.size() < rule.to.size() && !PositionsOfOneList(rule.to)) {
          std::vector<std::string> names;
          for (const FieldPath& to : rule.to) names.push_back(to.text);
          return FieldError(
              plan, source_where, from,
              absl::StrCat("expected ", rule.to.size(), " parts separated by '", rule.separator,
                           "' (", absl::StrJoin(names, ", "), "), found ", pieces.size()));
        }
      }
      for (size_t i = 0; i < pieces.size(); ++i) {
        Value piece = Value::String(pieces[i]);
        if (IsBlank(piece)) continue;
        absl::Status written = Write(plan, target, rule.to[i], std::move(piece), target_where);
        if (!written.ok()) return written;
      }
      return absl::OkStatus();
    }
    case Rule::Shape::kNested:
    case Rule::Shape::kDeepCopy: {
      const FieldPath& from = rule.from.front();
      const FieldPath& to = rule.to.front();
      // A single message (the common case: "persona" to "person") needs no list of one.
      const Message* single = nullptr;
      std::vector<const Message*> elements;
      if (from.is_list()) {
        ReadMessageList(source, from, &elements);
      } else {
        single = ReadMessage(source, from);
      }
      const size_t count = from.is_list() ? elements.size() : (single != nullptr ? 1 : 0);
      for (size_t i = 0; i < count; ++i) {
        const Message& element = from.is_list() ? *elements[i] : *single;
        Message* out = MutableMessageAt(target, to);
        if (rule.shape == Rule::Shape::kDeepCopy) {
          out->CopyFrom(element);
          continue;
        }
        int index = from.is_list() ? static_cast<int>(i) : -1;
        Where in_where{source_where, from.text, index};
        Where out_where{target_where, to.text, to.is_list() ? index : -1};
        absl::Status applied =
            ApplyRuleList(plan, *rule.nested, element, out, &in_where, &out_where);
        if (!applied.ok()) return applied;
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// A small deterministic generator (splitmix64) for examples.
uint64_t Next(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int Uniform(uint64_t* state, int low, int high) {
  return low + static_cast<int>(Next(state) % static_cast<uint64_t>(high - low + 1));
}

std::string Word(uint64_t* state) {
  static constexpr const char* kWords[] = {
      "María", "José",  "Ana",    "João",      "Luis",    "Pérez",    "González", "Núñez",
      "Silva", "Souza", "Araújo", "Ñandú",     "Rocha",   "Martínez", "Inés",     "Conceição",
      "Paz",   "Lima",  "Ortiz",  "Fernández", "Olivera", "Quispe",   "Díaz",     "Sánchez"};
  return kWords[Next(state) % (sizeof(kWords) / sizeof(kWords[0]))];
}

// A value of `type` that the rule's first conversion accepts.
Value ExampleValue(const Rule& rule, const ValueType& type, uint64_t* state) {
  for (const Step& step : rule.steps) {
    switch (step.kind) {
      case Step::Kind::kNormalize:
        continue;
      case Step::Kind::kIdentifier: {
        std::string national = step.scheme->Example(Next(state));
        if (step.to_canonical) return Value::String(national);
        return Value::String(step.scheme->ToCanonical(national).value_or(national));
      }
      case Step::Kind::kDate: {
        absl::CivilSecond civil(Uniform(state, 1935, 2023), Uniform(state, 1, 12),
                                Uniform(state, 1, 28), Uniform(state, 0, 23), Uniform(state, 0, 59),
                                Uniform(state, 0, 59));
        absl::Time instant = absl::FromCivil(civil, step.zone_from);
        Value value;
        value.kind = type.kind;
        if (step.date_from.epoch == DateFormat::Epoch::kSeconds) {
          value.i = absl::ToUnixSeconds(instant);
        } else if (step.date_from.epoch == DateFormat::Epoch::kMillis) {
          value.i = absl::ToUnixMillis(instant) + Uniform(state, 0, 999);
        } else {
          // Format through a conversion to itself.
          Step identity = step;
          identity.date_from.epoch = DateFormat::Epoch::kSeconds;
          identity.date_to = step.date_from;
          identity.zone_to = step.zone_from;
          identity.out.kind = Value::Kind::kString;
          Value seconds;
          seconds.kind = Value::Kind::kInt;
          seconds.i = absl::ToUnixSeconds(instant);
          (void)RunSteps({identity}, &seconds);
          return seconds;
        }
        value.u = static_cast<uint64_t>(value.i);
        return value;
      }
      case Step::Kind::kNumber: {
        int number = Uniform(state, 1, 500000);
        if (type.kind == Value::Kind::kString) {
          return Value::String(absl::StrCat(number, step.suffix_from));
        }
        Value value;
        value.kind = type.kind;
        value.i = number;
        value.u = static_cast<uint64_t>(number);
        value.d = number;
        return value;
      }
      case Step::Kind::kLookup: {
        const LookupTable& table = *step.table;
        if (table.keys.empty()) break;
        Value value;
        ValueFromText(table.keys[Next(state) % table.keys.size()], type, &value);
        return value;
      }
    }
    break;
  }
  Value value;
  value.kind = type.kind;
  switch (type.kind) {
    case Value::Kind::kString: {
      std::string text = Word(state);
      if (Uniform(state, 0, 2) == 0) absl::StrAppend(&text, " ", Word(state));
      for (const Step& step : rule.steps) {
        if (step.kind == Step::Kind::kNormalize) (void)ApplyNormalize(step.normalize, &text);
      }
      (void)ApplyNormalize(rule.example_normalize, &text);
      value.s = text;
      break;
    }
    case Value::Kind::kInt:
    case Value::Kind::kUint:
      value.i = Uniform(state, 1, 99);
      value.u = static_cast<uint64_t>(value.i);
      break;
    case Value::Kind::kDouble:
      value.d = Uniform(state, 1, 9999) / 100.0;
      break;
    case Value::Kind::kBool:
      value.b = true;
      break;
    case Value::Kind::kEnum: {
      std::vector<int> numbers;
      for (int i = 0; i < type.enum_type->value_count(); ++i) {
        if (type.enum_type->value(i)->number() != 0)
          numbers.push_back(type.enum_type->value(i)->number());
      }
      value.i = numbers.empty() ? 0 : numbers[Next(state) % numbers.size()];
      break;
    }
  }
  return value;
}

void RandomFill(Message* message, uint64_t* state, int depth) {
  const Descriptor* type = message->GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (Uniform(state, 0, 3) == 0) continue;
    FieldPath path;
    PathStep step;
    step.field = field;
    path.steps.push_back(step);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (depth < 3) RandomFill(MutableMessageAt(message, path), state, depth + 1);
      continue;
    }
    Rule plain;
    int count = field->is_repeated() ? Uniform(state, 0, 2) : 1;
    for (int n = 0; n < count; ++n) {
      (void)WriteScalar(message, path, ExampleValue(plain, TypeOfField(field), state));
    }
  }
}

using Candidates = absl::flat_hash_map<std::string, std::vector<std::string>>;

// What the conditions and checks of a level (and of the levels above it) say about its fields.
struct Hints {
  Candidates candidates;           // values named by equals and in
  std::set<std::string> required;  // fields a check requires present
};

// The hints about the fields under `prefix` ("documento"), relative to it.
Hints HintsUnder(const Hints& hints, const std::string& prefix) {
  Hints inner;
  std::string start = prefix + ".";
  for (const auto& [field, values] : hints.candidates) {
    if (field.compare(0, start.size(), start) == 0)
      inner.candidates[field.substr(start.size())] = values;
  }
  for (const std::string& field : hints.required) {
    if (field.compare(0, start.size(), start) == 0)
      inner.required.insert(field.substr(start.size()));
  }
  return inner;
}

void CollectRequired(const Condition& condition, std::set<std::string>* required) {
  if (condition.kind == Condition::Kind::kAll) {
    for (const Condition& child : condition.children) CollectRequired(child, required);
  }
  if (condition.kind == Condition::Kind::kPresent || condition.kind == Condition::Kind::kEquals ||
      condition.kind == Condition::Kind::kIn || condition.kind == Condition::Kind::kMatches ||
      condition.kind == Condition::Kind::kValidIdentifier) {
    required->insert(condition.field.text);
  }
}

void CollectCandidates(const Condition& condition, Candidates* candidates) {
  for (const Condition& child : condition.children) CollectCandidates(child, candidates);
  if (condition.kind == Condition::Kind::kEquals || condition.kind == Condition::Kind::kIn) {
    std::vector<std::string>& values = (*candidates)[condition.field.text];
    for (const std::string& value : condition.values) {
      if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
    }
  }
}

// A value for `rule`'s input `path`: one a condition names when there are such, else one the
// rule's conversion accepts.
Value InputValue(const Rule& rule, const FieldPath& path, const Candidates& candidates,
                 uint64_t* state) {
  ValueType type = TypeOfField(path.leaf());
  auto it = candidates.find(path.text);
  bool converts = false;
  for (const Step& step : rule.steps) converts = converts || step.kind != Step::Kind::kNormalize;
  if (it != candidates.end() && !converts) {
    Value value;
    if (ValueFromText(it->second[Next(state) % it->second.size()], type, &value)) return value;
  }
  return ExampleValue(rule, type, state);
}

// Sets fields so that `condition` has a chance to hold: named values for equals and in, a value
// for present. Fields already set are left alone.
void Satisfy(const Condition& condition, const Rule& rule, const Candidates& candidates,
             uint64_t* state, Message* source) {
  switch (condition.kind) {
    case Condition::Kind::kAll:
      for (const Condition& child : condition.children) {
        Satisfy(child, rule, candidates, state, source);
      }
      return;
    case Condition::Kind::kAny: {
      if (EvaluateCondition(condition, *source)) return;
      // Only some alternatives can be made true by writing a field: "system equals S, or no
      // code" holds for an example with a code only through its first.
      std::vector<const Condition*> writable;
      for (const Condition& child : condition.children) {
        if (child.kind == Condition::Kind::kEquals || child.kind == Condition::Kind::kIn ||
            child.kind == Condition::Kind::kPresent || child.kind == Condition::Kind::kAll) {
          writable.push_back(&child);
        }
      }
      const Condition& chosen = writable.empty()
                                    ? condition.children[Next(state) % condition.children.size()]
                                    : *writable[Next(state) % writable.size()];
      Satisfy(chosen, rule, candidates, state, source);
      return;
    }
    case Condition::Kind::kPresent: {
      if (IsPresent(*source, condition.field) || condition.field.is_message()) return;
      static const Rule kPlain;
      bool own_input = !rule.from.empty() && rule.from.front().text == condition.field.text;
      (void)WriteScalar(source, condition.field,
                        InputValue(own_input ? rule : kPlain, condition.field, candidates, state));
      return;
    }
    case Condition::Kind::kEquals:
    case Condition::Kind::kIn: {
      if (IsPresent(*source, condition.field)) return;
      Value value;
      if (ValueFromText(condition.values[Next(state) % condition.values.size()],
                        condition.field_type, &value)) {
        (void)WriteScalar(source, condition.field, value);
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace

absl::Status ApplyRuleList(const PlanBody& plan, const RuleList& list, const Message& source,
                           Message* target, const Where* source_where, const Where* target_where) {
  std::optional<ConditionMemo> kept;
  if (list.repeats_tests) kept.emplace();
  ConditionMemo* memo = kept.has_value() ? &*kept : nullptr;
  absl::Status status = RunChecks(plan, list.input_checks, source, source_where, memo);
  if (!status.ok()) return status;
  for (const Rule& rule : list.rules) {
    if (rule.when != nullptr && !EvaluateCondition(*rule.when, source, memo)) continue;
    status = ApplyRule(plan, rule, source, target, source_where, target_where);
    if (!status.ok()) return status;
  }
  return RunChecks(plan, list.output_checks, *target, target_where, nullptr);
}

void FillExample(const RuleList& list, uint64_t* state, Message* source, int depth,
                 const Hints& inherited) {
  if (depth > 6) return;
  // Values the conditions and checks name: a generated field takes one of them, so that
  // conditional rules and checks are exercised rather than always skipped or failed.
  Hints hints = inherited;
  Candidates& candidates = hints.candidates;
  for (const Rule& check : list.input_checks) {
    CollectCandidates(check.check, &candidates);
    if (check.when == nullptr) CollectRequired(check.check, &hints.required);
  }
  for (const Rule& rule : list.rules) {
    if (rule.when != nullptr) CollectCandidates(*rule.when, &candidates);
  }
  // A field left absent on purpose stays absent: a later rule must not fill it with a value
  // the earlier rule's conversion would reject.
  std::set<std::string> decided;
  auto decide = [&](const FieldPath& path) { return decided.insert(path.text).second; };
  auto how_many = [&](const FieldPath& path) {
    if (path.is_list()) return Uniform(state, 0, 3);
    for (const std::string& field : hints.required) {
      if (field == path.text || field.compare(0, path.text.size() + 1, path.text + ".") == 0) {
        return 1;
      }
    }
    return Uniform(state, 0, 7) == 0 ? 0 : 1;
  };
  for (const Rule& rule : list.rules) {
    if (rule.shape == Rule::Shape::kCheck || rule.shape == Rule::Shape::kConstant) continue;
    if (rule.when != nullptr) {
      if (Uniform(state, 0, 1) == 0) Satisfy(*rule.when, rule, candidates, state, source);
      if (!EvaluateCondition(*rule.when, *source)) continue;
    }
    switch (rule.shape) {
      case Rule::Shape::kCheck:
      case Rule::Shape::kConstant:
        break;
      case Rule::Shape::kCopy: {
        const FieldPath& from = rule.from.front();
        if (IsPresent(*source, from) || !decide(from)) break;
        int count = how_many(from);
        for (int i = 0; i < count; ++i) {
          (void)WriteScalar(source, from, InputValue(rule, from, candidates, state));
        }
        break;
      }
      case Rule::Shape::kJoin: {
        if (rule.from.size() == 1) {
          const FieldPath& from = rule.from.front();
          if (IsPresent(*source, from) || !decide(from)) break;
          int count = Uniform(state, 1, 3);
          for (int i = 0; i < count; ++i) {
            std::string word = Word(state);
            (void)ApplyNormalize(rule.example_normalize, &word);
            (void)WriteScalar(source, from, Value::String(word));
          }
          break;
        }
        // Split back at its separators, a join inverts only when all of its parts are present or
        // none is: a part another rule left absent leaves the others absent too.
        if (rule.split_at != SplitAt::kLastNumber &&
            std::any_of(rule.from.begin(), rule.from.end(), [&](const FieldPath& from) {
              return decided.count(from.text) > 0 && !IsPresent(*source, from);
            })) {
          break;
        }
        for (const FieldPath& from : rule.from) {
          if (IsPresent(*source, from) || !decide(from)) continue;
          ValueType type = TypeOfField(from.leaf());
          Value value = InputValue(Rule(), from, candidates, state);
          if (type.kind == Value::Kind::kString && candidates.find(from.text) == candidates.end()) {
            value.s = Word(state);
            for (const Step& step : rule.steps) {
              if (step.kind == Step::Kind::kNormalize)
                (void)ApplyNormalize(step.normalize, &value.s);
            }
            (void)ApplyNormalize(rule.example_normalize, &value.s);
          }
          (void)WriteScalar(source, from, value);
        }
        break;
      }
      case Rule::Shape::kSplit: {
        const FieldPath& from = rule.from.front();
        if (IsPresent(*source, from) || !decide(from)) break;
        size_t count =
            rule.to.size() > 1 ? rule.to.size() : static_cast<size_t>(Uniform(state, 1, 3));
        std::vector<std::string> words;
        for (size_t i = 0; i < count; ++i) words.push_back(Word(state));
        std::string text = absl::StrJoin(words, rule.separator);
        for (const Step& step : rule.steps) {
          if (step.kind == Step::Kind::kNormalize) (void)ApplyNormalize(step.normalize, &text);
        }
        (void)ApplyNormalize(rule.example_normalize, &text);
        (void)WriteScalar(source, from, Value::String(text));
        break;
      }
      case Rule::Shape::kNested:
      case Rule::Shape::kDeepCopy: {
        const FieldPath& from = rule.from.front();
        if (IsPresent(*source, from) || !decide(from)) break;
        int count = how_many(from);
        Hints inner = HintsUnder(hints, from.text);
        for (int i = 0; i < count; ++i) {
          Message* element = MutableMessageAt(source, from);
          if (rule.shape == Rule::Shape::kDeepCopy) {
            RandomFill(element, state, depth);
          } else {
            FillExample(*rule.nested, state, element, depth + 1, inner);
          }
        }
        break;
      }
    }
  }
  // A field only a check reads is written by no rule above: a reversed constant
  // ("issuing_country: CL") becomes such a check. Given the value the check names, the example
  // passes it. Done last, so that a nested rule still fills the message that holds the field.
  static const Rule kPlain;
  for (const Rule& check : list.input_checks) {
    if (check.when == nullptr) Satisfy(check.check, kPlain, candidates, state, source);
  }
}

}  // namespace mapping_internal

MappingPlan::MappingPlan(std::unique_ptr<const mapping_internal::PlanBody> body)
    : body_(std::move(body)) {}

MappingPlan::~MappingPlan() = default;

const std::string& MappingPlan::mapping_id() const { return body_->mapping_id; }

bool MappingPlan::is_reverse() const { return body_->reverse; }

const google::protobuf::Descriptor* MappingPlan::source_type() const { return body_->source; }

const google::protobuf::Descriptor* MappingPlan::target_type() const { return body_->target; }

absl::Status MappingPlan::Apply(const google::protobuf::Message& source,
                                google::protobuf::Message* target) const {
  if (source.GetDescriptor() != body_->source || target->GetDescriptor() != body_->target) {
    return absl::InvalidArgumentError(absl::StrCat(
        mapping_internal::MappingName(*body_), " maps ", body_->source->full_name(), " to ",
        body_->target->full_name(), " (of the descriptor pool it was loaded with), not ",
        source.GetDescriptor()->full_name(), " to ", target->GetDescriptor()->full_name()));
  }
  target->Clear();
  return mapping_internal::ApplyRuleList(*body_, body_->rules, source, target, nullptr, nullptr);
}

void MappingPlan::FillExample(uint64_t seed, google::protobuf::Message* source) const {
  source->Clear();
  if (source->GetDescriptor() != body_->source) return;
  uint64_t state = seed;
  mapping_internal::FillExample(body_->rules, &state, source, 0, mapping_internal::Hints());
}

absl::StatusOr<const MappingPlan*> Mapping::reverse() const {
  if (reverse_ != nullptr) return reverse_.get();
  std::string text =
      absl::StrCat("mapping '", id_, "' cannot run in reverse: ", non_invertible_.size(),
                   " rule(s) are not invertible:");
  for (const Diagnostic& note : non_invertible_) {
    absl::StrAppend(&text, "\n", note.location.file, ":", note.location.line, ":",
                    note.location.column, ": not invertible: ", note.message);
  }
  return absl::FailedPreconditionError(text);
}

const Mapping* MappingSet::Find(absl::string_view id) const {
  auto it = mappings_.find(std::string(id));
  return it == mappings_.end() ? nullptr : it->second.get();
}

std::vector<std::string> MappingSet::ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, unused] : mappings_) ids.push_back(id);
  return ids;
}

const MappingPlan* MappingSet::FindPlan(absl::string_view source_type,
                                        absl::string_view target_type) const {
  for (const auto& [id, mapping] : mappings_) {
    const MappingPlan& forward = mapping->forward();
    if (forward.source_type()->full_name() == source_type &&
        forward.target_type()->full_name() == target_type) {
      return &forward;
    }
    if (mapping->invertible() && forward.target_type()->full_name() == source_type &&
        forward.source_type()->full_name() == target_type) {
      return *mapping->reverse();
    }
  }
  return nullptr;
}

std::string FormatWarning(const Diagnostic& warning) {
  if (warning.location.line <= 0) {
    return absl::StrCat(warning.location.file, ": warning: ", warning.message);
  }
  return absl::StrCat(warning.location.file, ":", warning.location.line, ":",
                      warning.location.column, ": warning: ", warning.message);
}

}  // namespace pasarela
