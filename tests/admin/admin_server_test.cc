// The admin HTTP listener, answered to real HTTP clients: cpp-httplib's client and a plain socket.
#include "gateway/admin/admin_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/admin/gateway_metrics.h"
#include "gateway/admin/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A readiness probe the test flips.
class Readiness {
 public:
  absl::Status Probe() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  void Set(absl::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
  }

 private:
  absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);
    AdminServerOptions options;
    options.address = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
        options, [this] { return metrics_.Exposition(); }, [this] { return readiness_.Probe(); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    return client;
  }

  GatewayMetrics metrics_;
  Readiness readiness_;
  std::unique_ptr<AdminServer> server_;
};

// Sends `request` on a fresh TCP connection and returns everything the server answers.
std::string RawExchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return "";
  }
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, n);
  ::close(fd);
  return answer;
}

TEST_F(AdminServerTest, BindsAnEphemeralPortOnLoopback) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->address(), absl::StrCat("127.0.0.1:", server_->port()));
}

TEST_F(AdminServerTest, ServesTheMetricsText) {
  metrics_.RecordReload(true);
  httplib::Client client = Client();
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), kPrometheusContentType);
  EXPECT_THAT(result->body, HasSubstr("# TYPE pasarela_exchanges_total counter\n"));
  EXPECT_THAT(result->body, HasSubstr("pasarela_policy_reloads_total{result=\"ok\"} 1\n"));

  // Each scrape is produced anew.
  metrics_.RecordReload(true);
  result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_THAT(result->body, HasSubstr("pasarela_policy_reloads_total{result=\"ok\"} 2\n"));
}

TEST_F(AdminServerTest, LivezAnswersWhileTheProcessRuns) {
  readiness_.Set(absl::UnavailableError("audit trail not writable"));
  httplib::Result result = Client().Get("/livez");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "ok\n");
}

TEST_F(AdminServerTest, ReadyzFollowsTheProbe) {
  httplib::Client client = Client();
  httplib::Result result = client.Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "ready\n");

  readiness_.Set(absl::UnavailableError("the audit trail cannot be written"));
  result = client.Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->body, "not ready: the audit trail cannot be written\n");

  readiness_.Set(absl::FailedPreconditionError("no valid policy is loaded"));
  result = client.Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->body, "not ready: no valid policy is loaded\n");

  readiness_.Set(absl::OkStatus());
  result = client.Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(AdminServerTest, UnknownPathsAndMethods) {
  httplib::Client client = Client();
  httplib::Result result = client.Get("/");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  result = client.Get("/metrics/extra");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  result = client.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 405);
  EXPECT_EQ(result->get_header_value("Allow"), "GET, HEAD");
  result = client.Head("/livez");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->body.empty());
}

TEST_F(AdminServerTest, AnswersAPlainSocketClient) {
  std::string answer =
      RawExchange(server_->port(), "GET /metrics HTTP/1.1\r\nHost: test\r\nAccept: */*\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_THAT(answer, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(answer, HasSubstr("\r\n\r\n# HELP pasarela_exchanges_total "));

  readiness_.Set(absl::UnavailableError("draining"));
  answer = RawExchange(server_->port(), "GET /readyz HTTP/1.0\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(answer, HasSubstr("\r\n\r\nnot ready: draining\n"));
}

TEST_F(AdminServerTest, ConcurrentScrapesWhileMetricsMove) {
  ExchangeFacts facts;
  facts.method = "pasarela.identity.v1.IdentityService/GetPerson";
  facts.allowed = true;
  metrics_.RecordExchange(facts);  // the series every scrape looks for exists from the start
  std::atomic<bool> stop{false};
  std::thread writer([this, &stop, &facts] {
    while (!stop.load()) metrics_.RecordExchange(facts);
  });
  std::vector<std::thread> scrapers;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    scrapers.emplace_back([this, &ok] {
      httplib::Client client = Client();
      for (int i = 0; i < 20; ++i) {
        httplib::Result result = client.Get("/metrics");
        if (result && result->status == 200 &&
            result->body.find("pasarela_exchanges_total{") != std::string::npos) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& scraper : scrapers) scraper.join();
  stop.store(true);
  writer.join();
  EXPECT_EQ(ok.load(), 80);
}

TEST_F(AdminServerTest, StopIsIdempotentAndClosesTheListener) {
  int port = server_->port();
  server_->Stop();
  server_->Stop();
  EXPECT_EQ(RawExchange(port, "GET /livez HTTP/1.0\r\n\r\n"), "");
  server_.reset();
}

TEST(AdminServer, StartAndStopRightAway) {
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
        AdminServerOptions{}, [] { return std::string(); }, [] { return absl::OkStatus(); });
    ASSERT_TRUE(server.ok()) << server.status();
    (*server)->Stop();
  }
}

TEST(AdminServer, FixedPortAndPortInUse) {
  absl::StatusOr<std::unique_ptr<AdminServer>> first = AdminServer::Start(
      AdminServerOptions{}, [] { return std::string(); }, [] { return absl::OkStatus(); });
  ASSERT_TRUE(first.ok()) << first.status();
  AdminServerOptions same;
  same.address = absl::StrCat("127.0.0.1:", (*first)->port());
  absl::StatusOr<std::unique_ptr<AdminServer>> second = AdminServer::Start(
      same, [] { return std::string(); }, [] { return absl::OkStatus(); });
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);

  // Once the first stops, the fixed port can be bound and answers.
  int port = (*first)->port();
  first->reset();
  absl::StatusOr<std::unique_ptr<AdminServer>> third = AdminServer::Start(
      same, [] { return std::string("x 1\n"); }, [] { return absl::OkStatus(); });
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ((*third)->port(), port);
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->body, "x 1\n");
}

TEST(AdminServer, Ipv6Loopback) {
  AdminServerOptions options;
  options.address = "[::1]:0";
  absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
      options, [] { return std::string(); }, [] { return absl::OkStatus(); });
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << server.status();
  EXPECT_EQ((*server)->address(), absl::StrCat("[::1]:", (*server)->port()));
  httplib::Client client("::1", (*server)->port());
  httplib::Result result = client.Get("/livez");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
}

TEST(AdminServer, RefusesMalformedAddresses) {
  for (const char* address : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:http",
                              "::1:9000", "[::1]9000", "[::1"}) {
    AdminServerOptions options;
    options.address = address;
    absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
        options, [] { return std::string(); }, [] { return absl::OkStatus(); });
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << address;
  }
}

TEST(SplitHostPort, Forms) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:9464", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9464);
  ASSERT_TRUE(SplitHostPort("[::1]:0", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(SplitHostPort(":8080", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(SplitHostPort("localhost:1", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
}

}  // namespace
}  // namespace pasarela::admin
