#include "gateway/audit/timestamp.h"

#include "absl/strings/str_cat.h"

namespace pasarela::audit {

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  // Through seconds, not absl::ToUnixNanos: 64 bits of nanoseconds end in 1677 and 2262.
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds towards the past
  out->set_seconds(seconds);
  out->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

bool IsValidTimestamp(const google::protobuf::Timestamp& t) {
  constexpr int64_t kFirstSecond = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kLastSecond = 253402300799;   // 9999-12-31T23:59:59Z
  return t.seconds() >= kFirstSecond && t.seconds() <= kLastSecond && t.nanos() >= 0 &&
         t.nanos() <= 999999999;
}

std::string DescribeTimestamp(const google::protobuf::Timestamp& t) {
  return absl::StrCat("seconds ", t.seconds(), ", nanos ", t.nanos());
}

}  // namespace pasarela::audit
