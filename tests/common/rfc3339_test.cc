// FormatRfc3339Millis writes what absl::FormatTime writes for the same pattern, for every time.
#include "gateway/common/rfc3339.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace pasarela {
namespace {

std::string Reference(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

TEST(Rfc3339Test, WritesUtcWithMillisecondsTruncated) {
  EXPECT_EQ(FormatRfc3339Millis(absl::FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Millis(absl::FromUnixNanos(1796005396123999999)),
            "2026-11-30T02:23:16.123Z");
  EXPECT_EQ(FormatRfc3339Millis(
                absl::FromCivil(absl::CivilSecond(2028, 2, 29, 23, 59, 59), absl::UTCTimeZone()) +
                absl::Microseconds(999999)),
            "2028-02-29T23:59:59.999Z");
  // Before 1970 the subsecond still counts forward from the second.
  EXPECT_EQ(FormatRfc3339Millis(absl::FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339Test, AgreesWithAbslFormatTimeEverywhere) {
  std::mt19937_64 random(20261130);
  // From year 1 to year 9999, to the nanosecond.
  std::uniform_int_distribution<int64_t> seconds(-62135596800, 253402300799);
  std::uniform_int_distribution<int64_t> nanos(0, 999999999);
  for (int i = 0; i < 20000; ++i) {
    const absl::Time time =
        absl::FromUnixSeconds(seconds(random)) + absl::Nanoseconds(nanos(random));
    ASSERT_EQ(FormatRfc3339Millis(time), Reference(time)) << time;
  }
  for (absl::Time time :
       {absl::InfiniteFuture(), absl::InfinitePast(),
        absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), absl::UTCTimeZone()),
        absl::FromCivil(absl::CivilSecond(-1, 12, 31, 23, 59, 59), absl::UTCTimeZone()),
        absl::FromCivil(absl::CivilSecond(0, 1, 1, 0, 0, 0), absl::UTCTimeZone()),
        absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone())}) {
    EXPECT_EQ(FormatRfc3339Millis(time), Reference(time));
  }
}

TEST(Rfc3339Test, AppendsAfterWhatIsThere) {
  std::string line = "at ";
  AppendRfc3339Millis(absl::FromUnixMillis(1000), &line);
  EXPECT_EQ(line, "at 1970-01-01T00:00:01.000Z");
}

}  // namespace
}  // namespace pasarela
