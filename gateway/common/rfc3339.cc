#include "gateway/common/rfc3339.h"

#include <cstdint>

namespace pasarela {
namespace {

// Writes the `width` last decimal digits of `value` (not negative) at `at`; returns the end.
char* PutDigits(int64_t value, int width, char* at) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return at + width;
}

}  // namespace

void AppendRfc3339Millis(absl::Time time, std::string* out) {
  const absl::TimeZone::CivilInfo civil = absl::UTCTimeZone().At(time);
  // The infinite times are the civil extremes, outside these years too.
  if (civil.cs.year() < 1000 || civil.cs.year() > 9999) {
    out->append(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()));
    return;
  }
  char text[sizeof "2026-11-30T02:23:16.123Z"];
  char* at = PutDigits(civil.cs.year(), 4, text);
  *at++ = '-';
  at = PutDigits(civil.cs.month(), 2, at);
  *at++ = '-';
  at = PutDigits(civil.cs.day(), 2, at);
  *at++ = 'T';
  at = PutDigits(civil.cs.hour(), 2, at);
  *at++ = ':';
  at = PutDigits(civil.cs.minute(), 2, at);
  *at++ = ':';
  at = PutDigits(civil.cs.second(), 2, at);
  *at++ = '.';
  // The subsecond is in [0, 1 s): truncated to milliseconds, as %E3S does.
  at = PutDigits(absl::ToInt64Milliseconds(civil.subsecond), 3, at);
  *at++ = 'Z';
  out->append(text, static_cast<size_t>(at - text));
}

std::string FormatRfc3339Millis(absl::Time time) {
  std::string text;
  AppendRfc3339Millis(time, &text);
  return text;
}

std::string FormatRfc3339Seconds(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

absl::optional<int64_t> YearOutsideRfc3339(absl::Time time) {
  const int64_t year = absl::ToCivilYear(time, absl::UTCTimeZone()).year();
  if (year < 1 || year > 9999) return year;
  return absl::nullopt;
}

}  // namespace pasarela
