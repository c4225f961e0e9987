// The "host:port" addresses of gateway.yaml and the policy: split as gRPC reads them, and the form
// of the addresses the gateway dials (peer gateways, providers), checked when the policy is loaded
// rather than at the first call. Pure functions, safe from any thread.
#ifndef PASARELA_GATEWAY_COMMON_HOST_PORT_H_
#define PASARELA_GATEWAY_COMMON_HOST_PORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace pasarela {

struct HostPort {
  std::string host;  // an IPv6 address without its brackets; empty for ":port"
  std::string port;  // as written: see PortNumber
};

// "host:port" or "[v6-address]:port" split in two. INVALID_ARGUMENT whose message says only what
// is wrong, for the caller to put beside the address: "no ']' after the IPv6 address", "no port",
// "write an IPv6 address in brackets".
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address);

// The port as a number when it is written in digits only and lies from `min` to 65535.
absl::optional<int> PortNumber(absl::string_view port, int min);

// OK when `address` is "host:port" as gRPC dials it: a host name or IPv4 address, or an IPv6
// address in brackets ("[2001:db8::1]:7444"), and a port from 1 to 65535. Otherwise
// INVALID_ARGUMENT saying what is wrong, with `address` quoted.
absl::Status CheckDialAddress(absl::string_view address);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_HOST_PORT_H_
