// The form of the addresses the gateway dials (peer gateways, providers), checked when the policy
// is loaded rather than at the first call. Pure functions, safe from any thread.
#ifndef PASARELA_GATEWAY_COMMON_HOST_PORT_H_
#define PASARELA_GATEWAY_COMMON_HOST_PORT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// OK when `address` is "host:port" as gRPC dials it: a host name or IPv4 address, or an IPv6
// address in brackets ("[2001:db8::1]:7444"), and a port from 1 to 65535. Otherwise
// INVALID_ARGUMENT saying what is wrong, with `address` quoted.
absl::Status CheckDialAddress(absl::string_view address);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_HOST_PORT_H_
