// AdminServer: the gateway's admin HTTP listener, for Prometheus and Kubernetes.
//
//   GET /metrics  200, the metrics text (Content-Type text/plain; version=0.0.4)
//   GET /livez    200 "ok" while the process runs
//   GET /readyz   200 "ready" when the readiness probe returns OK, else 503 with its message
//   anything else 404; methods other than GET and HEAD 405
//
// It runs on its own few threads (cpp-httplib's pool), never on gRPC's, so a slow scrape cannot
// hold up an exchange; the metrics source and the readiness probe run on those threads and must
// be safe to call from them. Connections are not kept alive between requests, so Stop() returns
// once the requests in progress are answered (a client that connected and sent nothing is given
// up on after 2 seconds).
//
// Bind to loopback unless a scraper elsewhere must reach it: the listener has no authentication.
// The process must ignore SIGPIPE (the gateway does), as a scraper that hangs up mid-answer would
// otherwise end it.
//
// Thread safety: safe for concurrent use from several threads without external synchronisation.
#ifndef PASARELA_GATEWAY_ADMIN_ADMIN_SERVER_H_
#define PASARELA_GATEWAY_ADMIN_ADMIN_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pasarela::admin {

struct AdminServerOptions {
  // "host:port", "[v6-address]:port" or ":port" (all interfaces); port 0 picks a free port.
  std::string address = "127.0.0.1:0";
  // Threads that answer requests.
  int threads = 2;
};

class AdminServer {
 public:
  // The metrics text, produced anew for each scrape.
  using MetricsSource = std::function<std::string()>;
  // OK when the gateway is ready for traffic (a valid policy is loaded and the audit trail is
  // writable); otherwise a status whose message says why not.
  using ReadinessProbe = std::function<absl::Status()>;

  // Binds the address and starts answering; returns once requests are accepted. INVALID_ARGUMENT
  // for a malformed address, UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(AdminServerOptions options,
                                                            MetricsSource metrics,
                                                            ReadinessProbe readiness);
  // Stops (see Stop).
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The port actually bound.
  int port() const;
  // "host:port" with the port actually bound ("127.0.0.1:41234", "[::1]:41234").
  std::string address() const;

  // Stops accepting, waits for the requests in progress and the listener's threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" / "[v6]:port" / ":port" into host (brackets removed; "0.0.0.0" for an empty
// host) and port. INVALID_ARGUMENT when malformed or the port is not in 0..65535.
absl::Status SplitHostPort(const std::string& address, std::string* host, int* port);

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_ADMIN_SERVER_H_
