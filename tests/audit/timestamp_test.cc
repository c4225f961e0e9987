#include "gateway/audit/timestamp.h"

#include <gtest/gtest.h>

namespace pasarela::audit {
namespace {

TEST(TimestampTest, CarriesSecondsAndNanoseconds) {
  google::protobuf::Timestamp t;
  SetTimestamp(absl::FromUnixNanos(1'764'460'800'123'456'789), &t);
  EXPECT_EQ(t.seconds(), 1'764'460'800);
  EXPECT_EQ(t.nanos(), 123'456'789);
  EXPECT_EQ(TimeOf(t), absl::FromUnixNanos(1'764'460'800'123'456'789));
}

TEST(TimestampTest, BeforeTheEpochTheNanosecondsStillCountUp) {
  google::protobuf::Timestamp t;
  SetTimestamp(absl::FromUnixNanos(-1), &t);
  EXPECT_EQ(t.seconds(), -1);
  EXPECT_EQ(t.nanos(), 999'999'999);
  EXPECT_EQ(TimeOf(t), absl::FromUnixNanos(-1));
}

TEST(TimestampTest, RoundTripsAcrossTheYearsARecordCanCarry) {
  // 0001-01-01 to 9999-12-31, the range google.protobuf.Timestamp allows.
  const int64_t first = -62'135'596'800, last = 253'402'300'799;
  for (int64_t seconds = first; seconds < last; seconds += 86'399'999) {
    for (int32_t nanos : {0, 1, 500'000'000, 999'999'999}) {
      const absl::Time time = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
      google::protobuf::Timestamp t;
      SetTimestamp(time, &t);
      ASSERT_EQ(t.seconds(), seconds);
      ASSERT_EQ(t.nanos(), nanos);
      ASSERT_EQ(TimeOf(t), time);
    }
  }
}

}  // namespace
}  // namespace pasarela::audit
