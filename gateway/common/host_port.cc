#include "gateway/common/host_port.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pasarela {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address) {
  HostPort out;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("no ']' after the IPv6 address");
    }
    if (close + 1 >= address.size() || address[close + 1] != ':') {
      return absl::InvalidArgumentError("no port");
    }
    out.host = std::string(address.substr(1, close - 1));
    out.port = std::string(address.substr(close + 2));
    return out;
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return absl::InvalidArgumentError("no port");
  out.host = std::string(address.substr(0, colon));
  if (out.host.find(':') != std::string::npos) {
    return absl::InvalidArgumentError("write an IPv6 address in brackets");
  }
  out.port = std::string(address.substr(colon + 1));
  return out;
}

absl::optional<int> PortNumber(absl::string_view port, int min) {
  int number = 0;
  if (port.empty() || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &number) || number < min || number > 65535) {
    return absl::nullopt;
  }
  return number;
}

absl::Status CheckDialAddress(absl::string_view address) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected host:port such as gw.example.org:7444 or [2001:db8::1]:7444, found '", address,
        "' (", why, ")"));
  };
  absl::StatusOr<HostPort> split = ParseHostPort(address);
  if (!split.ok()) return invalid(split.status().message());
  if (split->host.empty()) return invalid("no host");
  if (std::any_of(split->host.begin(), split->host.end(),
                  [](char c) { return absl::ascii_isspace(c); })) {
    return invalid("a space in the host");
  }
  if (!PortNumber(split->port, 1).has_value()) {
    return invalid("the port must be a number from 1 to 65535");
  }
  return absl::OkStatus();
}

}  // namespace pasarela
