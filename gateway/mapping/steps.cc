// The value conversions a rule applies (normalisation, identifiers, dates, numbers, code tables)
// and the conditions of `when` and `check`. Error messages say what was expected and never repeat
// the value: it may be personal data, and the caller names the field.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gateway/mapping/plan_internal.h"
#include "gateway/mapping/text.h"

namespace pasarela {
namespace mapping_internal {
namespace {

struct DateTimeValue {
  int64_t year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int milli = 0;
};

bool ReadDigits(absl::string_view text, size_t* pos, size_t min, size_t max, int64_t* out) {
  size_t start = *pos;
  while (*pos < text.size() && *pos - start < max && absl::ascii_isdigit(text[*pos])) ++*pos;
  if (*pos - start < min) return false;
  return absl::SimpleAtoi(text.substr(start, *pos - start), out);
}

bool ParseDateTime(absl::string_view text, const DateFormat& format, DateTimeValue* out) {
  size_t pos = 0;
  for (const DateFormat::Part& part : format.parts) {
    int64_t number = 0;
    bool ok = true;
    switch (part.token) {
      case DateFormat::Token::kLiteral:
        if (text.substr(pos, part.literal.size()) != part.literal) return false;
        pos += part.literal.size();
        continue;
      case DateFormat::Token::kYear:
        // RFC 3339 and the layouts have no year 0000.
        ok = ReadDigits(text, &pos, 4, 4, &number) && number >= 1;
        out->year = number;
        break;
      case DateFormat::Token::kMonth:
      case DateFormat::Token::kMonthShort:
        ok = ReadDigits(text, &pos, part.token == DateFormat::Token::kMonth ? 2 : 1, 2, &number);
        out->month = static_cast<int>(number);
        break;
      case DateFormat::Token::kDay:
      case DateFormat::Token::kDayShort:
        ok = ReadDigits(text, &pos, part.token == DateFormat::Token::kDay ? 2 : 1, 2, &number);
        out->day = static_cast<int>(number);
        break;
      case DateFormat::Token::kHour:
        ok = ReadDigits(text, &pos, 2, 2, &number) && number < 24;
        out->hour = static_cast<int>(number);
        break;
      case DateFormat::Token::kMinute:
        ok = ReadDigits(text, &pos, 2, 2, &number) && number < 60;
        out->minute = static_cast<int>(number);
        break;
      case DateFormat::Token::kSecond:
        ok = ReadDigits(text, &pos, 2, 2, &number) && number < 60;
        out->second = static_cast<int>(number);
        break;
      case DateFormat::Token::kMilli:
        ok = ReadDigits(text, &pos, 3, 3, &number);
        out->milli = static_cast<int>(number);
        break;
    }
    if (!ok) return false;
  }
  if (pos != text.size()) return false;
  absl::CivilDay day(out->year, out->month, out->day);
  return day.year() == out->year && day.month() == out->month && day.day() == out->day;
}

// printf's "%0*d": at least `width` digits, zeros in front. Written by hand because a format
// string is parsed on every call, and every date a mapping converts goes through here.
void AppendPadded(int64_t number, int width, std::string* out) {
  if (number < 0) {
    absl::StrAppendFormat(out, "%0*d", width, number);
    return;
  }
  char digits[20];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number != 0);
  for (int i = count; i < width; ++i) out->push_back('0');
  while (count > 0) out->push_back(digits[--count]);
}

std::string FormatDateTime(const DateTimeValue& value, const DateFormat& format) {
  std::string out;
  for (const DateFormat::Part& part : format.parts) {
    switch (part.token) {
      case DateFormat::Token::kLiteral:
        out += part.literal;
        break;
      case DateFormat::Token::kYear:
        AppendPadded(value.year, 4, &out);
        break;
      case DateFormat::Token::kMonth:
        AppendPadded(value.month, 2, &out);
        break;
      case DateFormat::Token::kMonthShort:
        absl::StrAppend(&out, value.month);
        break;
      case DateFormat::Token::kDay:
        AppendPadded(value.day, 2, &out);
        break;
      case DateFormat::Token::kDayShort:
        absl::StrAppend(&out, value.day);
        break;
      case DateFormat::Token::kHour:
        AppendPadded(value.hour, 2, &out);
        break;
      case DateFormat::Token::kMinute:
        AppendPadded(value.minute, 2, &out);
        break;
      case DateFormat::Token::kSecond:
        AppendPadded(value.second, 2, &out);
        break;
      case DateFormat::Token::kMilli:
        AppendPadded(value.milli, 3, &out);
        break;
    }
  }
  return out;
}

absl::Time ToTime(const DateTimeValue& value, absl::TimeZone zone) {
  absl::CivilSecond civil(value.year, value.month, value.day, value.hour, value.minute,
                          value.second);
  return absl::FromCivil(civil, zone) + absl::Milliseconds(value.milli);
}

DateTimeValue FromTime(absl::Time time, absl::TimeZone zone) {
  absl::CivilSecond civil = absl::ToCivilSecond(time, zone);
  DateTimeValue value;
  value.year = civil.year();
  value.month = civil.month();
  value.day = civil.day();
  value.hour = civil.hour();
  value.minute = civil.minute();
  value.second = civil.second();
  int64_t millis = absl::ToUnixMillis(time);
  value.milli = static_cast<int>(((millis % 1000) + 1000) % 1000);
  return value;
}

// The years a four-digit layout and RFC 3339 can write.
absl::Status CheckYearRange(absl::Time instant, absl::TimeZone zone) {
  int64_t year = absl::ToCivilYear(instant, zone).year();
  if (year < 1 || year > 9999) {
    return absl::InvalidArgumentError("the date is outside the years 0001 to 9999");
  }
  return absl::OkStatus();
}

absl::Status ConvertDate(const Step& step, Value* value) {
  const DateFormat& from = step.date_from;
  const DateFormat& to = step.date_to;
  DateTimeValue parsed;
  absl::Time instant;
  bool have_instant = false;
  if (from.epoch != DateFormat::Epoch::kNone) {
    // Beyond 2^63 - 1 an unsigned count would wrap to a date before 1970.
    if (value->kind == Value::Kind::kUint &&
        value->u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InvalidArgumentError("the date is outside the years 0001 to 9999");
    }
    int64_t count = value->kind == Value::Kind::kUint ? static_cast<int64_t>(value->u) : value->i;
    instant = from.epoch == DateFormat::Epoch::kSeconds ? absl::FromUnixSeconds(count)
                                                        : absl::FromUnixMillis(count);
    have_instant = true;
  } else if (from.rfc3339) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, value->s, &instant, &error)) {
      return absl::InvalidArgumentError("not an ISO 8601 date-time such as 2024-03-25T17:30:00Z");
    }
    have_instant = true;
  } else if (!ParseDateTime(value->s, from, &parsed)) {
    return absl::InvalidArgumentError(absl::StrCat("not a valid date in the format ", from.text));
  } else if (from.has_time() && (to.has_time() || to.epoch != DateFormat::Epoch::kNone)) {
    instant = ToTime(parsed, step.zone_from);
    have_instant = true;
  }
  if (to.epoch != DateFormat::Epoch::kNone) {
    if (!have_instant) instant = ToTime(parsed, step.zone_from);
    // A count the other direction would refuse (year 0000 in RFC 3339) is refused here, in the
    // zone that direction writes in, so that a count written is one that can be read back.
    absl::Status in_range = CheckYearRange(instant, step.zone_from);
    if (!in_range.ok()) return in_range;
    Value out;
    out.kind = step.out.kind;
    int64_t count = to.epoch == DateFormat::Epoch::kSeconds ? absl::ToUnixSeconds(instant)
                                                            : absl::ToUnixMillis(instant);
    // An unsigned field would hold a date before 1970 as a count in the far future.
    if (count < 0 && step.out.kind == Value::Kind::kUint) {
      return absl::InvalidArgumentError(
          "the date is before 1970, which an unsigned count since 1970 cannot hold");
    }
    out.i = count;
    out.u = static_cast<uint64_t>(count);
    *value = out;
    return absl::OkStatus();
  }
  if (to.rfc3339) {
    if (!have_instant) instant = ToTime(parsed, step.zone_from);
    absl::Status in_range = CheckYearRange(instant, step.zone_to);
    if (!in_range.ok()) return in_range;
    bool utc = step.zone_to == absl::UTCTimeZone();
    bool millis = to.has(DateFormat::Token::kMilli);
    const char* layout = millis ? (utc ? "%Y-%m-%dT%H:%M:%E3SZ" : "%Y-%m-%dT%H:%M:%E3S%Ez")
                                : (utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S%Ez");
    *value = Value::String(absl::FormatTime(layout, instant, step.zone_to));
    return absl::OkStatus();
  }
  if (have_instant) {
    absl::Status in_range = CheckYearRange(instant, step.zone_to);
    if (!in_range.ok()) return in_range;
  }
  DateTimeValue shown = have_instant ? FromTime(instant, step.zone_to) : parsed;
  *value = Value::String(FormatDateTime(shown, to));
  return absl::OkStatus();
}

std::string FormatNumber(double number, int decimals) {
  std::string text = absl::StrFormat("%.*f", decimals, number);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

absl::int128 PowerOfTen(int exponent) {
  absl::int128 power = 1;
  for (int i = 0; i < exponent; ++i) power *= 10;
  return power;
}

// The largest magnitude a Decimal's mantissa or a product of the number step may reach.
absl::int128 DigitLimit() {
  static const absl::int128 limit = PowerOfTen(kMaxDecimalDigits);
  return limit;
}

absl::int128 Magnitude(absl::int128 value) { return value < 0 ? -value : value; }

// *product = a * b, or false when the product would exceed DigitLimit().
bool MultiplyWithinLimit(absl::int128 a, absl::int128 b, absl::int128* product) {
  if (a != 0 && Magnitude(b) > DigitLimit() / Magnitude(a)) return false;
  *product = a * b;
  return true;
}

absl::Status TooManyDigits() {
  return absl::InvalidArgumentError(
      "has too many digits to convert exactly (at most 37 significant digits, before and after "
      "the conversion)");
}

absl::Status NotANumber() {
  return absl::InvalidArgumentError(
      "not a number (digits with an optional sign, decimal point or comma and exponent: -12, 2.5, "
      "1e3)");
}

absl::Status NotHeldExactly() {
  return absl::InvalidArgumentError(
      "has more digits than a floating-point field holds exactly (whole numbers are exact up to "
      "9007199254740992)");
}

// What the number step says of a value that does not come out whole, or that its 64-bit integer
// does not hold: the range, never the value.
absl::Status NotWhole() {
  return absl::InvalidArgumentError(
      "does not convert to a whole number, as an integer field needs");
}
absl::Status BeyondInteger(Value::Kind kind) {
  return absl::InvalidArgumentError(
      kind == Value::Kind::kInt
          ? "does not fit in a 64-bit signed integer (-9223372036854775808 to "
            "9223372036854775807)"
          : "does not fit in a 64-bit unsigned integer (0 to 18446744073709551615)");
}

// The decimal digits of a non-negative value.
std::string Digits(absl::int128 value) {
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  return std::string(digits.rbegin(), digits.rend());
}

// numerator / denominator (denominator > 0) in decimal with at most `decimals` decimals, rounded
// half away from zero, trailing zeros dropped.
std::string FormatFraction(absl::int128 numerator, absl::int128 denominator, int decimals) {
  bool negative = numerator < 0;
  absl::int128 magnitude = Magnitude(numerator);
  std::string digits = Digits(magnitude / denominator);
  size_t whole_digits = digits.size();
  absl::int128 remainder = magnitude % denominator;
  for (int i = 0; i < decimals; ++i) {
    remainder *= 10;  // below 10^38: the denominator is at most DigitLimit()
    digits.push_back(static_cast<char>('0' + static_cast<int>(remainder / denominator)));
    remainder %= denominator;
  }
  if (remainder * 2 >= denominator) {
    size_t i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) {
      digits.insert(digits.begin(), '1');
      ++whole_digits;
    } else {
      ++digits[i - 1];
    }
  }
  std::string text = digits.substr(0, whole_digits);
  std::string fraction = digits.substr(whole_digits);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) absl::StrAppend(&text, ".", fraction);
  if (negative && text != "0") text.insert(text.begin(), '-');
  return text;
}

// A floating-point number: converted, rounded to whole numbers or decimals as the target asks.
absl::Status ConvertFloatingPoint(const Step& step, double number, Value* out) {
  number = number * static_cast<double>(step.multiply) / static_cast<double>(step.divide);
  switch (step.out.kind) {
    case Value::Kind::kString:
      out->s = absl::StrCat(FormatNumber(number, step.decimals), step.suffix_to);
      return absl::OkStatus();
    case Value::Kind::kDouble:
      out->d = number;
      return absl::OkStatus();
    case Value::Kind::kInt:
    case Value::Kind::kUint: {
      double rounded = std::round(number);
      if (std::fabs(number - rounded) > 1e-9 * std::max(1.0, std::fabs(number))) {
        return NotWhole();
      }
      // 2^63 and 2^64, the first values the fields cannot hold.
      bool fits = step.out.kind == Value::Kind::kInt
                      ? rounded >= -9223372036854775808.0 && rounded < 9223372036854775808.0
                      : rounded >= 0 && rounded < 18446744073709551616.0;
      if (!fits) return BeyondInteger(step.out.kind);
      if (step.out.kind == Value::Kind::kInt) {
        out->i = static_cast<int64_t>(rounded);
      } else {
        out->u = static_cast<uint64_t>(rounded);
      }
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("number step with a non-numeric output");
  }
}

// A whole or decimal number, converted without rounding: what cannot be written exactly is an
// error, never a nearby value.
absl::Status ConvertExact(const Step& step, const Decimal& number, Value* out) {
  absl::int128 numerator;
  absl::int128 denominator;
  if (!MultiplyWithinLimit(number.mantissa, step.multiply, &numerator) ||
      !MultiplyWithinLimit(PowerOfTen(number.places), step.divide, &denominator)) {
    return TooManyDigits();
  }
  absl::int128 whole = numerator / denominator;
  bool is_whole = numerator % denominator == 0;
  switch (step.out.kind) {
    case Value::Kind::kString:
      out->s = absl::StrCat(FormatFraction(numerator, denominator, step.decimals), step.suffix_to);
      return absl::OkStatus();
    case Value::Kind::kInt:
      if (!is_whole) return NotWhole();
      if (whole < absl::int128(std::numeric_limits<int64_t>::min()) ||
          whole > absl::int128(std::numeric_limits<int64_t>::max())) {
        return BeyondInteger(step.out.kind);
      }
      out->i = static_cast<int64_t>(whole);
      return absl::OkStatus();
    case Value::Kind::kUint:
      if (!is_whole) return NotWhole();
      if (whole < 0 || whole > absl::int128(std::numeric_limits<uint64_t>::max())) {
        return BeyondInteger(step.out.kind);
      }
      out->u = static_cast<uint64_t>(whole);
      return absl::OkStatus();
    case Value::Kind::kDouble: {
      // A fraction is held as the nearest binary value, as any floating-point field holds it; a
      // whole part beyond 2^53 would lose its last digits.
      out->d = is_whole ? static_cast<double>(whole)
                        : static_cast<double>(numerator) / static_cast<double>(denominator);
      bool exact =
          is_whole ? absl::int128(out->d) == whole : Magnitude(whole) < (absl::int128(1) << 53);
      if (!exact) return NotHeldExactly();
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("number step with a non-numeric output");
  }
}

absl::Status ConvertNumber(const Step& step, Value* value) {
  Value out;
  out.kind = step.out.kind;
  Decimal number;
  switch (value->kind) {
    case Value::Kind::kInt:
      number.mantissa = value->i;
      break;
    case Value::Kind::kUint:
      number.mantissa = value->u;
      break;
    case Value::Kind::kDouble: {
      absl::Status converted = ConvertFloatingPoint(step, value->d, &out);
      if (!converted.ok()) return converted;
      *value = std::move(out);
      return absl::OkStatus();
    }
    case Value::Kind::kString: {
      absl::string_view text = absl::StripAsciiWhitespace(value->s);
      if (!step.suffix_from.empty()) {
        absl::string_view suffix = absl::StripAsciiWhitespace(step.suffix_from);
        if (!absl::ConsumeSuffix(&text, suffix)) {
          return absl::InvalidArgumentError(absl::StrCat("not a number followed by '", suffix,
                                                         "' (such as 2.5", step.suffix_from, ")"));
        }
        text = absl::StripAsciiWhitespace(text);
      }
      std::string decimal(text);
      // Decimal commas, as the region writes them, are accepted when there is no point.
      if (decimal.find('.') == std::string::npos) {
        for (char& c : decimal) {
          if (c == ',') c = '.';
        }
      }
      absl::Status parsed = ParseDecimal(decimal, &number);
      if (!parsed.ok()) return parsed;
      break;
    }
    default:
      return NotANumber();
  }
  absl::Status converted = ConvertExact(step, number, &out);
  if (!converted.ok()) return converted;
  *value = std::move(out);
  return absl::OkStatus();
}

// What a table takes, for an error about a code it does not list: its codes, the first few of a
// long one. Codes are the policy's, never a message's.
std::string CodesOf(const LookupTable& table) {
  constexpr size_t kShown = 6;
  if (table.keys.size() <= kShown) return absl::StrCat("lists ", absl::StrJoin(table.keys, ", "));
  std::vector<std::string> first(table.keys.begin(), table.keys.begin() + kShown);
  return absl::StrCat("lists ", table.keys.size(), " codes: ", absl::StrJoin(first, ", "), ", ...");
}

absl::Status Lookup(const Step& step, Value* value) {
  const LookupTable& table = *step.table;
  std::string key = ValueToText(*value, step.in.enum_type);
  auto it = table.entries.find(key);
  if (it != table.entries.end()) {
    *value = it->second;
    return absl::OkStatus();
  }
  switch (table.unmapped) {
    case LookupTable::Unmapped::kError:
      return absl::InvalidArgumentError(absl::StrCat("the code has no translation in ", table.name,
                                                     ", which ", CodesOf(table),
                                                     " (unmapped: error)"));
    case LookupTable::Unmapped::kDefault:
      *value = table.default_value;
      return absl::OkStatus();
    case LookupTable::Unmapped::kPassThrough:
      if (step.out.kind == Value::Kind::kString) *value = Value::String(std::move(key));
      // Otherwise the kinds match (checked at load) and the value passes as it is.
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseDecimal(absl::string_view text, Decimal* out) {
  *out = Decimal();
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  std::string digits;
  int places = 0;
  bool point = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (absl::ascii_isdigit(c)) {
      digits.push_back(c);
      if (point) ++places;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return NotANumber();
  int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    if (!absl::SimpleAtoi(text.substr(pos + 1), &exponent)) {
      return NotANumber();
    }
    pos = text.size();
  }
  if (pos != text.size()) return NotANumber();
  // Zeros at either end carry no digits of their own: 1.50 is 15 tenths, 000123 is 123.
  while (places > 0 && digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    --places;
  }
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  if (digits == "0") return absl::OkStatus();
  if (exponent > kMaxDecimalDigits || exponent < -kMaxDecimalDigits) return TooManyDigits();
  int64_t scale = places - exponent;
  if (scale < 0) {
    digits.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  if (digits.size() > static_cast<size_t>(kMaxDecimalDigits) || scale > kMaxDecimalDigits) {
    return TooManyDigits();
  }
  for (char c : digits) out->mantissa = out->mantissa * 10 + (c - '0');
  if (negative) out->mantissa = -out->mantissa;
  out->places = static_cast<int>(scale);
  return absl::OkStatus();
}

absl::Status CheckFloatingPointLiteral(absl::string_view text, double held) {
  Decimal number;
  if (!ParseDecimal(text, &number).ok()) {
    // More than 37 digits: a fraction (1e-40) rounds, as every fraction does; a whole number
    // (1e300) has more digits than a double holds.
    return held == std::trunc(held) ? NotHeldExactly() : absl::OkStatus();
  }
  // The number step's own test of a result, with nothing to convert.
  Step as_written;
  as_written.out.kind = Value::Kind::kDouble;
  Value unused;
  return ConvertExact(as_written, number, &unused);
}

bool DateFormat::has(Token token) const {
  for (const Part& part : parts) {
    if (part.token == token) return true;
  }
  return false;
}

bool DateFormat::has_date() const { return epoch != Epoch::kNone || has(Token::kYear); }

bool DateFormat::has_time() const { return epoch != Epoch::kNone || has(Token::kHour); }

bool ParseDateFormat(absl::string_view text, DateFormat* format, std::string* error) {
  *format = DateFormat();
  format->text = std::string(text);
  if (text == "ISO_DATE" || text == "ISO_DATETIME" || text == "ISO_DATETIME_MS") {
    const char* layout = text == "ISO_DATE"       ? "YYYY-MM-DD"
                         : text == "ISO_DATETIME" ? "YYYY-MM-DDThh:mm:ssZ"
                                                  : "YYYY-MM-DDThh:mm:ss.SSSZ";
    bool ok = ParseDateFormat(layout, format, error);
    format->text = std::string(text);
    format->rfc3339 = text != "ISO_DATE";
    return ok;
  }
  if (text == "EPOCH_SECONDS") {
    format->epoch = DateFormat::Epoch::kSeconds;
    return true;
  }
  if (text == "EPOCH_MILLIS") {
    format->epoch = DateFormat::Epoch::kMillis;
    return true;
  }
  static constexpr struct {
    const char* spelling;
    DateFormat::Token token;
  } kTokens[] = {{"YYYY", DateFormat::Token::kYear},    {"MM", DateFormat::Token::kMonth},
                 {"M", DateFormat::Token::kMonthShort}, {"DD", DateFormat::Token::kDay},
                 {"D", DateFormat::Token::kDayShort},   {"hh", DateFormat::Token::kHour},
                 {"mm", DateFormat::Token::kMinute},    {"ss", DateFormat::Token::kSecond},
                 {"SSS", DateFormat::Token::kMilli}};
  size_t pos = 0;
  while (pos < text.size()) {
    bool matched = false;
    for (const auto& candidate : kTokens) {
      absl::string_view spelling = candidate.spelling;
      if (text.substr(pos, spelling.size()) == spelling) {
        if (format->has(candidate.token)) {
          *error = absl::StrCat("date format '", text, "' has '", spelling, "' twice");
          return false;
        }
        format->parts.push_back(DateFormat::Part{candidate.token, ""});
        pos += spelling.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (absl::ascii_isalpha(text[pos]) && text[pos] != 'T' && text[pos] != 'Z') {
      *error = absl::StrCat("date format '", text, "': '", text.substr(pos, 1),
                            "' is not a token (YYYY MM M DD D hh mm ss SSS) nor a separator; "
                            "or use ISO_DATE, ISO_DATETIME, ISO_DATETIME_MS, EPOCH_SECONDS, "
                            "EPOCH_MILLIS");
      return false;
    }
    if (format->parts.empty() || format->parts.back().token != DateFormat::Token::kLiteral) {
      format->parts.push_back(DateFormat::Part{DateFormat::Token::kLiteral, ""});
    }
    format->parts.back().literal.push_back(text[pos]);
    ++pos;
  }
  bool has_day = format->has(DateFormat::Token::kDay) || format->has(DateFormat::Token::kDayShort);
  bool has_month =
      format->has(DateFormat::Token::kMonth) || format->has(DateFormat::Token::kMonthShort);
  if (!format->has(DateFormat::Token::kYear) || !has_month || !has_day) {
    *error =
        absl::StrCat("date format '", text, "' needs a year, a month and a day (YYYY, MM, DD)");
    return false;
  }
  for (size_t i = 0; i + 1 < format->parts.size(); ++i) {
    DateFormat::Token a = format->parts[i].token;
    DateFormat::Token b = format->parts[i + 1].token;
    bool variable = a == DateFormat::Token::kMonthShort || a == DateFormat::Token::kDayShort;
    if (variable && b != DateFormat::Token::kLiteral) {
      *error = absl::StrCat("date format '", text,
                            "': M and D have one or two digits, so a separator must follow them");
      return false;
    }
  }
  return true;
}

absl::Status ApplyNormalize(const std::vector<NormalizeOp>& ops, std::string* text) {
  for (const NormalizeOp& op : ops) {
    switch (op.kind) {
      case NormalizeOp::Kind::kTrim:
        *text = text::Trim(*text);
        break;
      case NormalizeOp::Kind::kCollapseSpaces:
        *text = text::CollapseSpaces(*text);
        break;
      case NormalizeOp::Kind::kUpper:
        *text = text::ToUpper(*text);
        break;
      case NormalizeOp::Kind::kLower:
        *text = text::ToLower(*text);
        break;
      case NormalizeOp::Kind::kTitle:
        *text = text::ToTitle(*text);
        break;
      case NormalizeOp::Kind::kFoldAccents:
        *text = text::FoldAccents(*text);
        break;
      case NormalizeOp::Kind::kRemove:
        *text = text::RemoveCharacters(*text, op.characters);
        break;
      case NormalizeOp::Kind::kReplace:
        RE2::GlobalReplace(text, *op.pattern, op.rewrite);
        break;
    }
  }
  return absl::OkStatus();
}

absl::Status RunSteps(const std::vector<Step>& steps, Value* value) {
  for (const Step& step : steps) {
    absl::Status status;
    switch (step.kind) {
      case Step::Kind::kNormalize:
        status = ApplyNormalize(step.normalize, &value->s);
        break;
      case Step::Kind::kIdentifier: {
        absl::StatusOr<std::string> converted = step.to_canonical
                                                    ? step.scheme->ToCanonical(value->s)
                                                    : step.scheme->ToNational(value->s);
        if (!converted.ok()) return converted.status();
        value->s = *std::move(converted);
        break;
      }
      case Step::Kind::kDate:
        status = ConvertDate(step, value);
        break;
      case Step::Kind::kNumber:
        status = ConvertNumber(step, value);
        break;
      case Step::Kind::kLookup:
        status = Lookup(step, value);
        break;
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

namespace {

// One test of one field: a condition that is not all, any or not.
bool EvaluateTest(const Condition& condition, const Message& message) {
  switch (condition.kind) {
    case Condition::Kind::kPresent:
      return IsPresent(message, condition.field);
    case Condition::Kind::kAbsent:
      return !IsPresent(message, condition.field);
    default:
      break;
  }
  // A text is compared where the message holds it; only other values are written out first.
  std::string written;
  absl::string_view text;
  if (condition.field.leaf()->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
    if (!ReadText(message, condition.field, &written, &text)) return false;
  } else {
    Value value;
    if (!ReadScalar(message, condition.field, &value)) return false;
    written = ValueToText(value, condition.field_type.enum_type);
    text = written;
  }
  switch (condition.kind) {
    case Condition::Kind::kEquals:
    case Condition::Kind::kIn:
      for (const std::string& candidate : condition.values) {
        if (candidate == text) return true;
      }
      return false;
    case Condition::Kind::kMatches:
      return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *condition.pattern);
    case Condition::Kind::kValidIdentifier:
      return condition.scheme->IsValid(text);
    default:
      return false;
  }
}

// What makes two tests alike: the same test of the same field with the same values. Each part is
// written with its length, so that no value can pass for two.
std::string TestKey(const Condition& condition) {
  std::string key = absl::StrCat(static_cast<int>(condition.kind), ",",
                                 static_cast<int>(condition.field_type.kind));
  auto add = [&key](absl::string_view part) { absl::StrAppend(&key, ",", part.size(), ":", part); };
  add(condition.field.text);
  add(condition.pattern != nullptr ? condition.pattern->pattern() : "");
  add(condition.scheme != nullptr ? condition.scheme->name() : "");
  for (const std::string& value : condition.values) add(value);
  return key;
}

// Returns whether a test of `condition` was numbered before.
bool NumberTests(Condition* condition, absl::flat_hash_map<std::string, int>* numbers) {
  if (condition->kind == Condition::Kind::kAll || condition->kind == Condition::Kind::kAny ||
      condition->kind == Condition::Kind::kNot) {
    bool repeated = false;
    for (Condition& child : condition->children)
      repeated = NumberTests(&child, numbers) || repeated;
    return repeated;
  }
  auto [it, fresh] = numbers->emplace(TestKey(*condition), static_cast<int>(numbers->size()));
  condition->memo = it->second;
  return !fresh;
}

}  // namespace

bool EvaluateCondition(const Condition& condition, const Message& message, ConditionMemo* memo) {
  switch (condition.kind) {
    case Condition::Kind::kAll:
      for (const Condition& child : condition.children) {
        if (!EvaluateCondition(child, message, memo)) return false;
      }
      return true;
    case Condition::Kind::kAny:
      for (const Condition& child : condition.children) {
        if (EvaluateCondition(child, message, memo)) return true;
      }
      return false;
    case Condition::Kind::kNot:
      return !EvaluateCondition(condition.children.front(), message, memo);
    default:
      break;
  }
  if (memo == nullptr) return EvaluateTest(condition, message);
  const int kept = memo->Find(condition);
  if (kept >= 0) return kept == 1;
  const bool result = EvaluateTest(condition, message);
  memo->Keep(condition, result);
  return result;
}

void NumberSourceConditions(RuleList* list) {
  absl::flat_hash_map<std::string, int> numbers;
  bool repeated = false;
  for (Rule& check : list->input_checks) {
    if (check.when != nullptr) repeated = NumberTests(check.when.get(), &numbers) || repeated;
    repeated = NumberTests(&check.check, &numbers) || repeated;
  }
  for (Rule& rule : list->rules) {
    if (rule.when != nullptr) repeated = NumberTests(rule.when.get(), &numbers) || repeated;
  }
  list->repeats_tests = repeated;
}

const FieldPath* ConditionField(const Condition& condition) {
  if (!condition.children.empty()) return ConditionField(condition.children.front());
  return condition.field.steps.empty() ? nullptr : &condition.field;
}

}  // namespace mapping_internal
}  // namespace pasarela
