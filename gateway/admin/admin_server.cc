#include "gateway/admin/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/admin/metrics.h"
#include "gateway/common/host_port.h"

namespace pasarela::admin {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";

}  // namespace

struct AdminServer::Impl {
  httplib::Server server;
  std::string host;
  int port = 0;
  std::thread listener;
  std::atomic<bool> listener_done{false};
  absl::Mutex stop_mu;
  bool stopped ABSL_GUARDED_BY(stop_mu) = false;
};

absl::Status SplitHostPort(const std::string& address, std::string* host, int* port) {
  absl::StatusOr<HostPort> split = ParseHostPort(address);
  if (!split.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("admin address '", address,
                                                   "': expected host:port or [v6-address]:port (",
                                                   split.status().message(), ")"));
  }
  absl::optional<int> number = PortNumber(split->port, 0);
  if (!number.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin address '", address, "': expected a port from 0 to 65535"));
  }
  *host = split->host.empty() ? "0.0.0.0" : split->host;
  *port = *number;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(AdminServerOptions options,
                                                                MetricsSource metrics,
                                                                ReadinessProbe readiness) {
  auto impl = std::make_unique<Impl>();
  absl::Status split = SplitHostPort(options.address, &impl->host, &impl->port);
  if (!split.ok()) return split;
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : 1;

  httplib::Server& server = impl->server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // One request per connection: an idle kept-alive connection would hold Stop() for its timeout.
  // A client that connects and sends nothing holds a thread (and Stop) for at most 2 seconds.
  server.set_keep_alive_max_count(1);
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_payload_max_length(64 * 1024);
  // httplib's default also sets SO_REUSEPORT, which would let a second process bind the same port
  // and silently take half the scrapes; only SO_REUSEADDR (restart without waiting) is wanted.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Every request is answered here, before httplib's own routing.
  server.set_pre_routing_handler(
      [metrics = std::move(metrics), readiness = std::move(readiness)](
          const httplib::Request& request,
          httplib::Response& response) -> httplib::Server::HandlerResponse {
        if (request.method != "GET" && request.method != "HEAD") {
          response.status = 405;
          response.set_header("Allow", "GET, HEAD");
          response.set_content("method not allowed\n", kTextPlain);
          return httplib::Server::HandlerResponse::Handled;
        }
        if (request.path == "/metrics") {
          response.status = 200;
          response.set_content(metrics(), kPrometheusContentType);
        } else if (request.path == "/livez") {
          response.status = 200;
          response.set_content("ok\n", kTextPlain);
        } else if (request.path == "/readyz") {
          absl::Status ready = readiness();
          if (ready.ok()) {
            response.status = 200;
            response.set_content("ready\n", kTextPlain);
          } else {
            response.status = 503;
            response.set_content(absl::StrCat("not ready: ", ready.message(), "\n"), kTextPlain);
          }
        } else {
          response.status = 404;
          response.set_content("not found: try /metrics, /livez or /readyz\n", kTextPlain);
        }
        response.set_header("Cache-Control", "no-store");
        return httplib::Server::HandlerResponse::Handled;
      });

  if (impl->port == 0) {
    int bound = server.bind_to_any_port(impl->host);
    if (bound <= 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot bind the admin listener to ", impl->host, " on any port"));
    }
    impl->port = bound;
  } else if (!server.bind_to_port(impl->host, impl->port)) {
    return absl::UnavailableError(
        absl::StrCat("cannot bind the admin listener to ", options.address));
  }

  Impl* raw = impl.get();
  raw->listener = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->listener_done.store(true);
  });
  // Stop() must not race the listener's start: httplib's stop() only acts on a running server,
  // and the listener marks itself running first thing.
  while (!raw->server.is_running() && !raw->listener_done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (raw->listener_done.load()) {
    raw->listener.join();
    return absl::UnavailableError(
        absl::StrCat("the admin listener on ", options.address, " stopped as it started"));
  }
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { Stop(); }

int AdminServer::port() const { return impl_->port; }

std::string AdminServer::address() const {
  if (impl_->host.find(':') != std::string::npos) {
    return absl::StrCat("[", impl_->host, "]:", impl_->port);
  }
  return absl::StrCat(impl_->host, ":", impl_->port);
}

void AdminServer::Stop() {
  absl::MutexLock lock(&impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

}  // namespace pasarela::admin
