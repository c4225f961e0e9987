#include "gateway/audit/timestamp.h"

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

}  // namespace pasarela::audit
