// Field paths over protobuf reflection: resolving them against descriptors at load, reading and
// writing them on messages of any pool per call.
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/mapping/plan_internal.h"
#include "gateway/mapping/text.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace mapping_internal {
namespace {

using google::protobuf::Reflection;

bool ScalarEquals(const Message& element, const PathStep& step) {
  const Reflection* reflection = element.GetReflection();
  const FieldDescriptor* key = step.key_field;
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;  // used only by a field whose text is not held as a string
      return reflection->GetStringReference(element, key, &scratch) == step.key.s;
    }
    case FieldDescriptor::CPPTYPE_ENUM:
      return reflection->GetEnumValue(element, key) == step.key.i;
    case FieldDescriptor::CPPTYPE_INT32:
      return reflection->GetInt32(element, key) == step.key.i;
    case FieldDescriptor::CPPTYPE_INT64:
      return reflection->GetInt64(element, key) == step.key.i;
    case FieldDescriptor::CPPTYPE_UINT32:
      return reflection->GetUInt32(element, key) == step.key.u;
    case FieldDescriptor::CPPTYPE_UINT64:
      return reflection->GetUInt64(element, key) == step.key.u;
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetBool(element, key) == step.key.b;
    default:
      return false;
  }
}

Value GetSingular(const Message& message, const FieldDescriptor* field) {
  const Reflection* reflection = message.GetReflection();
  Value value;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      value.kind = Value::Kind::kString;
      value.s = reflection->GetString(message, field);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      value.kind = Value::Kind::kInt;
      value.i = reflection->GetInt32(message, field);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      value.kind = Value::Kind::kInt;
      value.i = reflection->GetInt64(message, field);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      value.kind = Value::Kind::kUint;
      value.u = reflection->GetUInt32(message, field);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      value.kind = Value::Kind::kUint;
      value.u = reflection->GetUInt64(message, field);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      value.kind = Value::Kind::kDouble;
      value.d = reflection->GetDouble(message, field);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      value.kind = Value::Kind::kDouble;
      value.d = reflection->GetFloat(message, field);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      value.kind = Value::Kind::kBool;
      value.b = reflection->GetBool(message, field);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      value.kind = Value::Kind::kEnum;
      value.i = reflection->GetEnumValue(message, field);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return value;
}

Value GetRepeated(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* reflection = message.GetReflection();
  Value value;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      value.kind = Value::Kind::kString;
      value.s = reflection->GetRepeatedString(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      value.kind = Value::Kind::kInt;
      value.i = reflection->GetRepeatedInt32(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      value.kind = Value::Kind::kInt;
      value.i = reflection->GetRepeatedInt64(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      value.kind = Value::Kind::kUint;
      value.u = reflection->GetRepeatedUInt32(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      value.kind = Value::Kind::kUint;
      value.u = reflection->GetRepeatedUInt64(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      value.kind = Value::Kind::kDouble;
      value.d = reflection->GetRepeatedDouble(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      value.kind = Value::Kind::kDouble;
      value.d = reflection->GetRepeatedFloat(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      value.kind = Value::Kind::kBool;
      value.b = reflection->GetRepeatedBool(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      value.kind = Value::Kind::kEnum;
      value.i = reflection->GetRepeatedEnumValue(message, field, index);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return value;
}

}  // namespace

namespace {

constexpr char kInt32Range[] = "-2147483648 to 2147483647";
constexpr char kInt64Range[] = "-9223372036854775808 to 9223372036854775807";
constexpr char kUint32Range[] = "0 to 4294967295";
constexpr char kUint64Range[] = "0 to 18446744073709551615";
constexpr char kFloatRange[] = "magnitude at most 3.4028235e38";

}  // namespace

std::string WhatFieldHolds(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat("a whole number from ", kInt32Range);
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat("a whole number from ", kInt64Range);
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat("a whole number from ", kUint32Range);
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat("a whole number from ", kUint64Range);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return "a number";
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat("a number of ", kFloatRange);
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> names;
      const EnumDescriptor* type = field->enum_type();
      for (int i = 0; i < type->value_count(); ++i) names.push_back(type->value(i)->name());
      return absl::StrCat("one of ", absl::StrJoin(names, ", "));
    }
    case FieldDescriptor::CPPTYPE_STRING:
      return "text";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "a message";
}

absl::Status CheckFitsField(const FieldDescriptor* field, const Value& value) {
  // The message names the field's type and what it holds, never the value: it may be personal
  // data, and the caller names the field.
  auto out_of_range = [&](const char* range) {
    return absl::InvalidArgumentError(
        absl::StrCat("does not fit in a field of type ", field->cpp_type_name(), " (", range, ")"));
  };
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      if (value.kind == Value::Kind::kInt && (value.i < std::numeric_limits<int32_t>::min() ||
                                              value.i > std::numeric_limits<int32_t>::max())) {
        return out_of_range(kInt32Range);
      }
      if (value.kind == Value::Kind::kUint &&
          value.u > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return out_of_range(kInt32Range);
      }
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      if (value.kind == Value::Kind::kUint &&
          value.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return out_of_range(kInt64Range);
      }
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      if (value.kind == Value::Kind::kInt &&
          (value.i < 0 || value.i > std::numeric_limits<uint32_t>::max())) {
        return out_of_range(kUint32Range);
      }
      if (value.kind == Value::Kind::kUint && value.u > std::numeric_limits<uint32_t>::max()) {
        return out_of_range(kUint32Range);
      }
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      if (value.kind == Value::Kind::kInt && value.i < 0) return out_of_range(kUint64Range);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT: {
      // A fraction rounds to the nearest float (a copy from a double warns of it at load); a
      // value beyond float's range would become infinity, and a whole number with more digits
      // than float holds (an id, a count) another number.
      if (value.kind != Value::Kind::kDouble || !std::isfinite(value.d)) break;
      float narrowed = static_cast<float>(value.d);
      if (std::isinf(narrowed)) return out_of_range(kFloatRange);
      if (value.d == std::trunc(value.d) && static_cast<double>(narrowed) != value.d) {
        return absl::InvalidArgumentError(
            "has more digits than a floating-point field of type float holds exactly (whole "
            "numbers are exact up to 16777216)");
      }
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

namespace {

int64_t AsInt(const Value& value) {
  return value.kind == Value::Kind::kUint ? static_cast<int64_t>(value.u) : value.i;
}
uint64_t AsUint(const Value& value) {
  return value.kind == Value::Kind::kInt ? static_cast<uint64_t>(value.i) : value.u;
}

// SetSingular, SetRepeated and AddRepeated move the text out of `value`: a written value is
// not read again, and a copy would cost an allocation for every text longer than a few bytes.
void SetSingular(Message* message, const FieldDescriptor* field, Value& value) {
  const Reflection* reflection = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(message, field, std::move(value.s));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      reflection->SetInt32(message, field, static_cast<int32_t>(AsInt(value)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      reflection->SetInt64(message, field, AsInt(value));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      reflection->SetUInt32(message, field, static_cast<uint32_t>(AsUint(value)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      reflection->SetUInt64(message, field, AsUint(value));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      reflection->SetDouble(message, field, value.d);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      reflection->SetFloat(message, field, static_cast<float>(value.d));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      reflection->SetBool(message, field, value.b);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      reflection->SetEnumValue(message, field, static_cast<int>(value.i));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
}

void SetRepeated(Message* message, const FieldDescriptor* field, int index, Value& value) {
  const Reflection* reflection = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->SetRepeatedString(message, field, index, std::move(value.s));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      reflection->SetRepeatedInt32(message, field, index, static_cast<int32_t>(AsInt(value)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      reflection->SetRepeatedInt64(message, field, index, AsInt(value));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      reflection->SetRepeatedUInt32(message, field, index, static_cast<uint32_t>(AsUint(value)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      reflection->SetRepeatedUInt64(message, field, index, AsUint(value));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      reflection->SetRepeatedDouble(message, field, index, value.d);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      reflection->SetRepeatedFloat(message, field, index, static_cast<float>(value.d));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      reflection->SetRepeatedBool(message, field, index, value.b);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      reflection->SetRepeatedEnumValue(message, field, index, static_cast<int>(value.i));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
}

void AddRepeated(Message* message, const FieldDescriptor* field, Value& value) {
  const Reflection* reflection = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->AddString(message, field, std::move(value.s));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      reflection->AddInt32(message, field, static_cast<int32_t>(AsInt(value)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      reflection->AddInt64(message, field, AsInt(value));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      reflection->AddUInt32(message, field, static_cast<uint32_t>(AsUint(value)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      reflection->AddUInt64(message, field, AsUint(value));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      reflection->AddDouble(message, field, value.d);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      reflection->AddFloat(message, field, static_cast<float>(value.d));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      reflection->AddBool(message, field, value.b);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      reflection->AddEnumValue(message, field, static_cast<int>(value.i));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
}

// Follows `step` (a message-typed field) from `message` for reading; null when absent.
const Message* Descend(const Message& message, const PathStep& step) {
  const Reflection* reflection = message.GetReflection();
  if (!step.field->is_repeated()) {
    if (!reflection->HasField(message, step.field)) return nullptr;
    return &reflection->GetMessage(message, step.field);
  }
  int size = reflection->FieldSize(message, step.field);
  if (step.select == PathStep::Select::kIndex) {
    return step.index < size ? &reflection->GetRepeatedMessage(message, step.field, step.index)
                             : nullptr;
  }
  for (int i = 0; i < size; ++i) {
    const Message& element = reflection->GetRepeatedMessage(message, step.field, i);
    if (ScalarEquals(element, step)) return &element;
  }
  return nullptr;
}

// Follows `step` for writing, creating the message or the selected element.
Message* DescendMutable(Message* message, const PathStep& step) {
  const Reflection* reflection = message->GetReflection();
  if (!step.field->is_repeated()) return reflection->MutableMessage(message, step.field);
  int size = reflection->FieldSize(*message, step.field);
  if (step.select == PathStep::Select::kIndex) {
    while (size <= step.index) {
      reflection->AddMessage(message, step.field);
      ++size;
    }
    return reflection->MutableRepeatedMessage(message, step.field, step.index);
  }
  if (step.select == PathStep::Select::kKey) {
    for (int i = 0; i < size; ++i) {
      Message* element = reflection->MutableRepeatedMessage(message, step.field, i);
      if (ScalarEquals(*element, step)) return element;
    }
    Message* element = reflection->AddMessage(message, step.field);
    Value key = step.key;
    SetSingular(element, step.key_field, key);
    return element;
  }
  return reflection->AddMessage(message, step.field);
}

// The message holding the path's last field, for reading; null when a message on the way is
// absent.
const Message* Container(const Message& message, const FieldPath& path) {
  const Message* current = &message;
  for (size_t i = 0; i + 1 < path.steps.size() && current != nullptr; ++i) {
    current = Descend(*current, path.steps[i]);
  }
  return current;
}

Message* MutableContainer(Message* message, const FieldPath& path) {
  Message* current = message;
  for (size_t i = 0; i + 1 < path.steps.size(); ++i)
    current = DescendMutable(current, path.steps[i]);
  return current;
}

std::vector<std::string> FieldNames(const Descriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->field_count(); ++i) names.push_back(descriptor->field(i)->name());
  return names;
}

}  // namespace

ValueType TypeOfField(const FieldDescriptor* field) {
  ValueType type;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
    case FieldDescriptor::CPPTYPE_MESSAGE:
      type.kind = Value::Kind::kString;
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      type.kind = Value::Kind::kInt;
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      type.kind = Value::Kind::kUint;
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      type.kind = Value::Kind::kDouble;
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      type.kind = Value::Kind::kBool;
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      type.kind = Value::Kind::kEnum;
      type.enum_type = field->enum_type();
      break;
  }
  return type;
}

const char* KindName(const ValueType& type) {
  switch (type.kind) {
    case Value::Kind::kString:
      return "text";
    case Value::Kind::kInt:
      return "a signed integer";
    case Value::Kind::kUint:
      return "an unsigned integer";
    case Value::Kind::kDouble:
      return "a floating-point number";
    case Value::Kind::kBool:
      return "a boolean";
    case Value::Kind::kEnum:
      return "an enum";
  }
  return "a value";
}

std::string ValueToText(const Value& value, const EnumDescriptor* enum_type) {
  switch (value.kind) {
    case Value::Kind::kString:
      return value.s;
    case Value::Kind::kInt:
      return absl::StrCat(value.i);
    case Value::Kind::kUint:
      return absl::StrCat(value.u);
    case Value::Kind::kDouble: {
      // The fewest digits that read back as the same number: StrCat's six significant digits
      // would write 1234567.25 as 1.23457e+06.
      for (int digits = 1; digits < 17; ++digits) {
        std::string text = absl::StrFormat("%.*g", digits, value.d);
        double back = 0;
        if (absl::SimpleAtod(text, &back) && back == value.d) return text;
      }
      return absl::StrFormat("%.17g", value.d);
    }
    case Value::Kind::kBool:
      return value.b ? "true" : "false";
    case Value::Kind::kEnum: {
      const google::protobuf::EnumValueDescriptor* named =
          enum_type == nullptr ? nullptr : enum_type->FindValueByNumber(static_cast<int>(value.i));
      return named != nullptr ? named->name() : absl::StrCat(value.i);
    }
  }
  return "";
}

bool ValueFromText(absl::string_view text, const ValueType& type, Value* value) {
  *value = Value();
  value->kind = type.kind;
  switch (type.kind) {
    case Value::Kind::kString:
      value->s = std::string(text);
      return true;
    case Value::Kind::kInt:
      return absl::SimpleAtoi(text, &value->i);
    case Value::Kind::kUint:
      return absl::SimpleAtoi(text, &value->u);
    case Value::Kind::kDouble:
      return absl::SimpleAtod(text, &value->d) && std::isfinite(value->d);
    case Value::Kind::kBool:
      if (text == "true" || text == "false") {
        value->b = text == "true";
        return true;
      }
      return false;
    case Value::Kind::kEnum: {
      const google::protobuf::EnumValueDescriptor* named =
          type.enum_type->FindValueByName(std::string(text));
      if (named == nullptr) return false;
      value->i = named->number();
      return true;
    }
  }
  return false;
}

bool ResolvePath(absl::string_view text, const Descriptor* root, FieldPath* path,
                 std::string* error) {
  *path = FieldPath();
  path->text = std::string(text);
  if (text.empty()) {
    *error = "empty field path";
    return false;
  }
  const Descriptor* current = root;
  std::vector<absl::string_view> segments = absl::StrSplit(text, '.');
  // A key selector may hold dots ("[system=http://x.y]"): glue segments back inside brackets.
  std::vector<std::string> glued;
  for (absl::string_view segment : segments) {
    if (!glued.empty() && glued.back().find('[') != std::string::npos &&
        glued.back().find(']') == std::string::npos) {
      absl::StrAppend(&glued.back(), ".", segment);
    } else {
      glued.emplace_back(segment);
    }
  }
  for (size_t i = 0; i < glued.size(); ++i) {
    const std::string& segment = glued[i];
    if (current == nullptr) {
      *error = absl::StrCat("'", path->text, "': '", path->steps.back().field->name(),
                            "' is not a message, so it has no field '", segment, "'");
      return false;
    }
    PathStep step;
    std::string name = segment;
    std::string selector;
    size_t open = segment.find('[');
    if (open != std::string::npos) {
      if (segment.back() != ']') {
        *error = absl::StrCat("'", path->text, "': unclosed '[' in '", segment, "'");
        return false;
      }
      name = segment.substr(0, open);
      selector = segment.substr(open + 1, segment.size() - open - 2);
      // Otherwise a second selector would silently become part of a key's value:
      // "identifiers[scheme=CL-RUN][0]" would look for the scheme "CL-RUN][0".
      if (selector.find_first_of("[]") != std::string::npos) {
        *error = absl::StrCat("'", path->text, "': '", segment,
                              "' has more than one [selector]; a field takes one");
        return false;
      }
    }
    step.field = current->FindFieldByName(name);
    if (step.field == nullptr) {
      std::string suggestion = ClosestMatch(name, FieldNames(current));
      *error = absl::StrCat(
          "'", path->text, "': ", current->full_name(), " has no field '", name, "'",
          suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"));
      return false;
    }
    if (open != std::string::npos) {
      if (!step.field->is_repeated()) {
        *error = absl::StrCat("'", path->text, "': '", name,
                              "' is not repeated, so it takes no [selector]");
        return false;
      }
      size_t equals = selector.find('=');
      if (equals == std::string::npos) {
        if (!absl::SimpleAtoi(selector, &step.index) || step.index < 0 || step.index > 1000) {
          *error = absl::StrCat("'", path->text, "': '[", selector,
                                "]' is neither an index from 0 to 1000 nor a [field=value] key");
          return false;
        }
        step.select = PathStep::Select::kIndex;
      } else {
        if (step.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          *error = absl::StrCat("'", path->text, "': '", name,
                                "' holds scalars; a [field=value] key selects messages only");
          return false;
        }
        std::string key_name = selector.substr(0, equals);
        std::string key_value = selector.substr(equals + 1);
        const Descriptor* element = step.field->message_type();
        step.key_field = element->FindFieldByName(key_name);
        if (step.key_field == nullptr || step.key_field->is_repeated() ||
            step.key_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          std::string suggestion = ClosestMatch(key_name, FieldNames(element));
          *error = absl::StrCat(
              "'", path->text, "': the key '", key_name, "' is not a singular scalar field of ",
              element->full_name(),
              suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"));
          return false;
        }
        if (!ValueFromText(key_value, TypeOfField(step.key_field), &step.key)) {
          *error =
              absl::StrCat("'", path->text, "': '", key_value, "' is not ",
                           KindName(TypeOfField(step.key_field)), " value for '", key_name, "'");
          return false;
        }
        step.select = PathStep::Select::kKey;
      }
    }
    bool last = i + 1 == glued.size();
    if (!last && step.field->is_repeated() && step.select == PathStep::Select::kNone) {
      *error = absl::StrCat("'", path->text, "': '", name,
                            "' is repeated: select one element with [index] or [field=value], or "
                            "map the elements one by one with nested rules");
      return false;
    }
    current = step.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                  ? step.field->message_type()
                  : nullptr;
    path->steps.push_back(std::move(step));
  }
  return true;
}

namespace {

// The message holding the value at `path`, or null when the value is absent: a message on the
// way is, the repeated field lacks the selected element, or the singular field has presence and
// is unset. A singular field without presence is left to the caller: it is absent when it holds
// its default, which the caller can tell from the value it reads anyway.
const Message* Holder(const Message& message, const FieldPath& path) {
  const Message* container = Container(message, path);
  if (container == nullptr) return nullptr;
  const PathStep& last = path.steps.back();
  const Reflection* reflection = container->GetReflection();
  if (last.field->is_repeated()) {
    return reflection->FieldSize(*container, last.field) > last.index ? container : nullptr;
  }
  if (last.field->has_presence() && !reflection->HasField(*container, last.field)) return nullptr;
  return container;
}

}  // namespace

bool ReadText(const Message& message, const FieldPath& path, std::string* scratch,
              absl::string_view* text) {
  const Message* holder = Holder(message, path);
  if (holder == nullptr) return false;
  const PathStep& last = path.steps.back();
  const Reflection* reflection = holder->GetReflection();
  if (last.field->is_repeated()) {
    *text = reflection->GetRepeatedStringReference(*holder, last.field, last.index, scratch);
    return true;
  }
  // Without presence (proto3's plain fields) a text is set when it is not empty, as HasField
  // says: asking HasField would look the text up a second time.
  const std::string& held = reflection->GetStringReference(*holder, last.field, scratch);
  if (!last.field->has_presence() && held.empty()) return false;
  *text = held;
  return true;
}

bool ReadScalar(const Message& message, const FieldPath& path, Value* value) {
  if (path.leaf()->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;
    absl::string_view text;
    if (!ReadText(message, path, &scratch, &text)) return false;
    *value = Value();
    value->s.assign(text.data(), text.size());
    return true;
  }
  const Message* holder = Holder(message, path);
  if (holder == nullptr) return false;
  const PathStep& last = path.steps.back();
  if (last.field->is_repeated()) {
    *value = GetRepeated(*holder, last.field, last.index);
    return true;
  }
  if (!last.field->has_presence() && !holder->GetReflection()->HasField(*holder, last.field)) {
    return false;
  }
  *value = GetSingular(*holder, last.field);
  return true;
}

void ReadScalarList(const Message& message, const FieldPath& path, std::vector<Value>* values) {
  values->clear();
  const Message* container = Container(message, path);
  if (container == nullptr) return;
  int size = container->GetReflection()->FieldSize(*container, path.leaf());
  values->reserve(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) values->push_back(GetRepeated(*container, path.leaf(), i));
}

const Message* ReadMessage(const Message& message, const FieldPath& path) {
  const Message* container = Container(message, path);
  return container == nullptr ? nullptr : Descend(*container, path.steps.back());
}

void ReadMessageList(const Message& message, const FieldPath& path,
                     std::vector<const Message*>* messages) {
  messages->clear();
  const Message* container = Container(message, path);
  if (container == nullptr) return;
  const Reflection* reflection = container->GetReflection();
  int size = reflection->FieldSize(*container, path.leaf());
  messages->reserve(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    messages->push_back(&reflection->GetRepeatedMessage(*container, path.leaf(), i));
  }
}

namespace {

// True when `message` holds a value somewhere: a scalar, a non-empty repeated field, or a message
// field that has content itself. `{"paciente": {}}` names a patient but says nothing about them.
bool HasContent(const Message& message) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_repeated() || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
    if (HasContent(message.GetReflection()->GetMessage(message, field))) return true;
  }
  return false;
}

}  // namespace

bool IsPresent(const Message& message, const FieldPath& path) {
  if (path.is_list()) {
    const Message* container = Container(message, path);
    return container != nullptr &&
           container->GetReflection()->FieldSize(*container, path.leaf()) > 0;
  }
  if (path.is_message()) {
    const Message* value = ReadMessage(message, path);
    return value != nullptr && HasContent(*value);
  }
  if (path.leaf()->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;
    absl::string_view text;
    return ReadText(message, path, &scratch, &text) && !text::IsBlank(text);
  }
  Value value;
  return ReadScalar(message, path, &value) &&
         !(value.kind == Value::Kind::kString && text::IsBlank(value.s));
}

absl::Status WriteScalar(Message* message, const FieldPath& path, Value value) {
  const PathStep& last = path.steps.back();
  absl::Status fits = CheckFitsField(last.field, value);
  if (!fits.ok()) return fits;
  Message* container = MutableContainer(message, path);
  const Reflection* reflection = container->GetReflection();
  if (!last.field->is_repeated()) {
    SetSingular(container, last.field, value);
  } else if (last.select == PathStep::Select::kNone) {
    AddRepeated(container, last.field, value);
  } else {
    int size = reflection->FieldSize(*container, last.field);
    for (; size <= last.index; ++size) {
      Value filler;
      filler.kind = value.kind;
      AddRepeated(container, last.field, filler);
    }
    SetRepeated(container, last.field, last.index, value);
  }
  return absl::OkStatus();
}

Message* MutableMessageAt(Message* message, const FieldPath& path) {
  return DescendMutable(MutableContainer(message, path), path.steps.back());
}

std::string WhereToString(const Where* where, absl::string_view leaf) {
  std::vector<const Where*> chain;
  for (const Where* w = where; w != nullptr; w = w->parent) chain.push_back(w);
  std::string out;
  for (size_t i = chain.size(); i-- > 0;) {
    if (chain[i]->segment.empty()) continue;
    if (!out.empty()) out.push_back('.');
    absl::StrAppend(&out, chain[i]->segment);
    if (chain[i]->index >= 0) absl::StrAppend(&out, "[", chain[i]->index, "]");
  }
  if (!leaf.empty()) {
    if (!out.empty()) out.push_back('.');
    absl::StrAppend(&out, leaf);
  }
  return out;
}

}  // namespace mapping_internal
}  // namespace pasarela
