// The admin listener of a gateway under test, over plain HTTP/1.0 on loopback: /metrics, /livez,
// /readyz.
#ifndef PASARELA_TESTS_SUPPORT_ADMIN_HTTP_H_
#define PASARELA_TESTS_SUPPORT_ADMIN_HTTP_H_

#include <string>

#include "tests/support/topology.h"

namespace pasarela::testing {

// A GET of `path` at `address` ("127.0.0.1:PORT"): the whole response, status line first; empty
// when nothing answers there.
std::string HttpGet(const std::string& address, const std::string& path);

// The admin listener's address as the gateway wrote it in its ready file; empty before that.
std::string AdminAddress(const GatewayProcess& gateway);

// The value of the sample of the exposition `metrics` whose line starts with `series` (a metric
// name with its labels, as /metrics writes them: `pasarela_x_total{side="agency"}`), or -1 when
// there is none.
double SampleValue(const std::string& metrics, const std::string& series);
// SampleValue of what the gateway's /metrics serves now.
double MetricValue(const GatewayProcess& gateway, const std::string& series);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_ADMIN_HTTP_H_
