// Internal representation of a compiled mapping: what LoadMappings builds once per policy load and
// MappingPlan::Apply walks per call. Nothing here refers to YAML: every field is a resolved
// FieldDescriptor, every table a prepared hash map, every pattern a compiled RE2. Immutable once
// built; safe to read from any thread.
#ifndef PASARELA_GATEWAY_MAPPING_PLAN_INTERNAL_H_
#define PASARELA_GATEWAY_MAPPING_PLAN_INTERNAL_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/mapping/national_id.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {
namespace mapping_internal {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// One scalar value on its way from a source field to a target field.
struct Value {
  enum class Kind { kString, kInt, kUint, kDouble, kBool, kEnum };
  Kind kind = Kind::kString;
  std::string s;
  int64_t i = 0;  // kInt, and the number of a kEnum
  uint64_t u = 0;
  double d = 0;
  bool b = false;

  static Value String(std::string text) {
    Value v;
    v.s = std::move(text);
    return v;
  }
};

// The kind of value a field holds, and its enum type when it is an enum.
struct ValueType {
  Value::Kind kind = Value::Kind::kString;
  const EnumDescriptor* enum_type = nullptr;
};

ValueType TypeOfField(const FieldDescriptor* field);
const char* KindName(const ValueType& type);
// The value as text: an enum's value name, a number in decimal, "true"/"false".
std::string ValueToText(const Value& value, const EnumDescriptor* enum_type);
// Parses `text` as a value of `type` (an enum by value name); false when it is not one.
bool ValueFromText(absl::string_view text, const ValueType& type, Value* value);

// A number written in decimal, held exactly: mantissa / 10^places. Integers and decimal text
// convert through it, so that a 64-bit id or a 19-digit number crosses digit for digit.
struct Decimal {
  absl::int128 mantissa = 0;
  int places = 0;  // 0 to kMaxDecimalDigits
};
// The digits a Decimal, and any product the number step forms, may have: 10^37 < 2^127 / 10, so a
// remainder times ten never overflows.
constexpr int kMaxDecimalDigits = 37;
// Parses "-12", "2.5", "1e3", "0.0015" (a sign, digits with an optional point, an optional
// exponent). INVALID_ARGUMENT "not a number (...)", or "has too many digits to convert exactly
// (...)" when the value needs more than kMaxDecimalDigits digits; neither repeats the text.
absl::Status ParseDecimal(absl::string_view text, Decimal* out);
// Whether a floating-point field holds the number written as `text` (read as `held`) as the number
// step requires of its results: a fraction as its nearest binary value when its whole part is
// below 2^53, a whole number only exactly ("9007199254740993" is not). INVALID_ARGUMENT otherwise,
// with the number step's message.
absl::Status CheckFloatingPointLiteral(absl::string_view text, double held);

// One segment of a field path: a field, and for a repeated field an optional [index] or
// [key=value] selector.
struct PathStep {
  enum class Select { kNone, kIndex, kKey };
  const FieldDescriptor* field = nullptr;
  Select select = Select::kNone;
  int index = 0;
  const FieldDescriptor* key_field = nullptr;
  Value key;
};

struct FieldPath {
  std::vector<PathStep> steps;
  std::string text;  // as written, for messages

  const FieldDescriptor* leaf() const { return steps.back().field; }
  // True when the path ends at a repeated field without a selector: it names all elements.
  bool is_list() const {
    return steps.back().field->is_repeated() && steps.back().select == PathStep::Select::kNone;
  }
  bool is_message() const { return leaf()->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE; }
};

// Resolves "a.b[0].c" or "ids[scheme=CL-RUN].value" against `root`; on failure returns false and
// sets *error to a message that names the segment and suggests a near field name.
bool ResolvePath(absl::string_view text, const Descriptor* root, FieldPath* path,
                 std::string* error);

// Reading. A singular scalar with implicit presence that holds its default value is absent.
bool ReadScalar(const Message& message, const FieldPath& path, Value* value);
// ReadScalar of a string field without copying its text: *text points into the message, or into
// *scratch. REQUIRES: path.leaf() is a string field.
bool ReadText(const Message& message, const FieldPath& path, std::string* scratch,
              absl::string_view* text);
void ReadScalarList(const Message& message, const FieldPath& path, std::vector<Value>* values);
const Message* ReadMessage(const Message& message, const FieldPath& path);
void ReadMessageList(const Message& message, const FieldPath& path,
                     std::vector<const Message*>* messages);
// `present: true`: a scalar that ReadScalar finds and that is not blank text, a non-empty repeated
// field, or a message with at least one value set somewhere inside.
bool IsPresent(const Message& message, const FieldPath& path);

// Whether `field` holds `value` as it is: INVALID_ARGUMENT naming the field's type and its range
// when it does not (an integer beyond it, a float beyond float's range or a whole number float
// would change), never the value.
absl::Status CheckFitsField(const FieldDescriptor* field, const Value& value);
// What a scalar field holds, as CheckFitsField and ValueFromText accept it: "a whole number from
// -2147483648 to 2147483647", "true or false", "one of SEX_UNSPECIFIED, SEX_FEMALE, SEX_MALE".
std::string WhatFieldHolds(const FieldDescriptor* field);

// Writing; intermediate messages and selected elements are created as needed. Refuses a value
// the field does not hold with CheckFitsField's error.
absl::Status WriteScalar(Message* message, const FieldPath& path, Value value);
Message* MutableMessageAt(Message* message, const FieldPath& path);

// Where a value is, for error messages: a chain of path prefixes built only when an error is
// reported.
struct Where {
  const Where* parent = nullptr;
  absl::string_view segment;
  int index = -1;  // element of a repeated field, or -1
};
std::string WhereToString(const Where* where, absl::string_view leaf);

struct NormalizeOp {
  enum class Kind {
    kTrim,
    kCollapseSpaces,
    kUpper,
    kLower,
    kTitle,
    kFoldAccents,
    kRemove,
    kReplace
  };
  Kind kind = Kind::kTrim;
  std::string characters;              // kRemove
  std::shared_ptr<const RE2> pattern;  // kReplace
  std::string rewrite;                 // kReplace
};

// A date/time layout: tokens YYYY MM M DD D hh mm ss SSS and literal text, or a count since the
// Unix epoch.
struct DateFormat {
  enum class Token {
    kLiteral,
    kYear,
    kMonth,
    kMonthShort,
    kDay,
    kDayShort,
    kHour,
    kMinute,
    kSecond,
    kMilli
  };
  struct Part {
    Token token;
    std::string literal;
  };
  enum class Epoch { kNone, kSeconds, kMillis };
  std::string text;
  Epoch epoch = Epoch::kNone;
  // ISO_DATETIME and ISO_DATETIME_MS: read any RFC 3339 date-time (fractional seconds, Z or an
  // offset); write YYYY-MM-DDThh:mm:ss (.SSS) with Z in UTC, or with the zone's offset.
  bool rfc3339 = false;
  std::vector<Part> parts;
  bool has_date() const;
  bool has_time() const;
  bool has(Token token) const;
};

struct LookupTable {
  enum class Unmapped { kError, kDefault, kPassThrough };
  std::string name;  // "table 'uy-medicamentos-atc'" or "the inline table"
  absl::flat_hash_map<std::string, Value> entries;
  std::vector<std::string> keys;  // in file order, for examples
  Unmapped unmapped = Unmapped::kError;
  Value default_value;
  SourceLocation default_location;  // where the file gives it, for load messages
};

// One conversion of a value. Steps run in order; each was type-checked at load.
struct Step {
  enum class Kind { kNormalize, kIdentifier, kDate, kNumber, kLookup };
  Kind kind = Kind::kNormalize;
  ValueType in;
  ValueType out;
  std::vector<NormalizeOp> normalize;
  const IdentifierScheme* scheme = nullptr;
  bool to_canonical = true;
  DateFormat date_from;
  DateFormat date_to;
  absl::TimeZone zone_from;
  absl::TimeZone zone_to;
  // number: out = in * multiply / divide, computed exactly for whole and decimal numbers (mcg ->
  // mg divides by 1000; a scale of 0.001 is 1/1000). divide > 0.
  int64_t multiply = 1;
  int64_t divide = 1;
  int decimals = 6;
  std::string suffix_from;
  std::string suffix_to;
  std::shared_ptr<const LookupTable> table;
};

struct Condition {
  enum class Kind { kEquals, kIn, kPresent, kAbsent, kMatches, kValidIdentifier, kAll, kAny, kNot };
  Kind kind = Kind::kPresent;
  FieldPath field;
  ValueType field_type;
  std::vector<std::string> values;  // text forms, compared with ValueToText
  std::shared_ptr<const RE2> pattern;
  const IdentifierScheme* scheme = nullptr;
  std::vector<Condition> children;
  std::string description;  // "must be one of [RUN, CI]"
  // For a test of one field (not all, any or not) that its rule list evaluates on its source
  // message: where a ConditionMemo keeps its result. Tests written alike share one (a mapping
  // that picks a rule by country and type repeats them); -1 for the others.
  int memo = -1;
};

// The results of one rule list's tests on one source message, each computed once: the list's
// rules often repeat a test ("pais_emisor equals AR") that reads a field and may run a pattern.
// Per call, on the stack; a list with more distinct tests than it holds computes the rest each
// time.
class ConditionMemo {
 public:
  static constexpr int kSlots = 64;
  ConditionMemo() { results_.fill(kUnknown); }
  // The result kept for `condition`, or -1 when there is none.
  int Find(const Condition& condition) const {
    return condition.memo >= 0 && condition.memo < kSlots ? results_[condition.memo] : kUnknown;
  }
  void Keep(const Condition& condition, bool result) {
    if (condition.memo >= 0 && condition.memo < kSlots) results_[condition.memo] = result ? 1 : 0;
  }

 private:
  static constexpr int8_t kUnknown = -1;
  std::array<int8_t, kSlots> results_;
};

struct RuleList;

// Where a text is split into several fields: at the first separators, at the last ones, or
// before a trailing house number only (`split_at: last_number`).
enum class SplitAt { kFirst, kLast, kLastNumber };

struct Rule {
  enum class Shape { kCopy, kJoin, kSplit, kConstant, kNested, kDeepCopy, kCheck };
  Shape shape = Shape::kCopy;
  SourceLocation location;
  std::vector<FieldPath> from;
  std::vector<FieldPath> to;
  std::vector<Step> steps;
  std::string separator;
  SplitAt split_at = SplitAt::kFirst;
  bool has_constant = false;
  Value constant;  // kConstant, and the default of the others
  bool has_default = false;
  Value default_value;
  std::unique_ptr<Condition> when;
  std::unique_ptr<RuleList> nested;
  // kCheck
  Condition check;
  std::string check_message;
  // Examples only: the normalisation the other direction applies, so that a generated value is
  // already in the form a national system writes.
  std::vector<NormalizeOp> example_normalize;
};

// The rules for one message: checks on the input, data rules in file order, checks on the output.
struct RuleList {
  std::vector<Rule> input_checks;
  std::vector<Rule> rules;
  std::vector<Rule> output_checks;
  // Some test of the source comes more than once (NumberSourceConditions): worth a memo.
  bool repeats_tests = false;
};

// Numbers the tests of `list` that read its source (the input checks and the rules' `when`, not
// nested lists, which read other messages) for a ConditionMemo: alike tests get one number.
void NumberSourceConditions(RuleList* list);

struct PlanBody {
  std::string mapping_id;
  bool reverse = false;
  const Descriptor* source = nullptr;
  const Descriptor* target = nullptr;
  RuleList rules;
};

// Runs `steps` over *value; an error message says what is wrong with the value (the caller names
// the field).
absl::Status RunSteps(const std::vector<Step>& steps, Value* value);
absl::Status ApplyNormalize(const std::vector<NormalizeOp>& ops, std::string* text);
bool ParseDateFormat(absl::string_view text, DateFormat* format, std::string* error);
// With a memo, a test already evaluated on `message` is not evaluated again. REQUIRES: the memo
// was made for `message` and the rule list `condition` belongs to.
bool EvaluateCondition(const Condition& condition, const Message& message,
                       ConditionMemo* memo = nullptr);
// The first field a condition names, for error messages.
const FieldPath* ConditionField(const Condition& condition);

absl::Status ApplyRuleList(const PlanBody& plan, const RuleList& list, const Message& source,
                           Message* target, const Where* source_where, const Where* target_where);

}  // namespace mapping_internal
}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_PLAN_INTERNAL_H_
