// The audit records' and receipts' times, google.protobuf.Timestamp (UTC seconds and nanoseconds),
// to and from absl::Time. Both are exact for every time a record can carry (years 1-9999).
//
// Thread safety: pure functions.
#ifndef PASARELA_GATEWAY_AUDIT_TIMESTAMP_H_
#define PASARELA_GATEWAY_AUDIT_TIMESTAMP_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace pasarela::audit {

// Sets `out` to `t`; before 1970 the seconds are negative and the nanoseconds still count up.
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);

absl::Time TimeOf(const google::protobuf::Timestamp& t);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_TIMESTAMP_H_
