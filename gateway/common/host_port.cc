#include "gateway/common/host_port.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pasarela {

absl::Status CheckDialAddress(absl::string_view address) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected host:port such as gw.example.org:7444 or [2001:db8::1]:7444, found '", address,
        "' (", why, ")"));
  };
  absl::string_view host;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) return invalid("no ']' after the IPv6 address");
    host = address.substr(1, close - 1);
    if (close + 1 >= address.size() || address[close + 1] != ':') return invalid("no port");
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return invalid("no port");
    host = address.substr(0, colon);
    if (host.find(':') != absl::string_view::npos) {
      return invalid("write an IPv6 address in brackets");
    }
    port = address.substr(colon + 1);
  }
  if (host.empty()) return invalid("no host");
  if (std::any_of(host.begin(), host.end(), [](char c) { return absl::ascii_isspace(c); })) {
    return invalid("a space in the host");
  }
  int number = 0;
  if (port.empty() || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
    return invalid("the port must be a number from 1 to 65535");
  }
  return absl::OkStatus();
}

}  // namespace pasarela
