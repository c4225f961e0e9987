// The audit records' and receipts' times, google.protobuf.Timestamp (UTC seconds and nanoseconds),
// to and from absl::Time. Both are exact for every time a record can carry (years 1-9999).
//
// Thread safety: pure functions.
#ifndef PASARELA_GATEWAY_AUDIT_TIMESTAMP_H_
#define PASARELA_GATEWAY_AUDIT_TIMESTAMP_H_

#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "absl/time/time.h"

namespace pasarela::audit {

// Sets `out` to `t`; before 1970 the seconds are negative and the nanoseconds still count up.
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);

absl::Time TimeOf(const google::protobuf::Timestamp& t);

// Whether `t` is a time google.protobuf.Timestamp allows (0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, nanoseconds 0 to 999,999,999): every time a gateway writes is,
// and protobuf's JSON printer refuses the others.
bool IsValidTimestamp(const google::protobuf::Timestamp& t);

// "seconds S, nanos N": how messages show a Timestamp that is not valid.
std::string DescribeTimestamp(const google::protobuf::Timestamp& t);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_TIMESTAMP_H_
