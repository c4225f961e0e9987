// Faults under real processes: a peer gateway killed while calls are running and then coming back,
// providers that hang, answer garbage or answer too much, a client revoked while it and others
// keep calling, and gateways whose own certificates are replaced while calls run. Each test checks
// that every call ends in time with a precise status, that the gateways survive, and that healthy
// traffic is untouched.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/admin_http.h"
#include "tests/support/free_port.h"
#include "tests/support/identity_calls.h"
#include "tests/support/test_certificates.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRegistry[] = "CL/GOV/registro-civil";
constexpr char kMigraciones[] = "AR/agencies/migraciones";

// Calls GetPerson in a loop from its own thread and channel until stopped, keeping every result.
class CallingLoop {
 public:
  CallingLoop(std::shared_ptr<grpc::Channel> channel, GetPersonCall call)
      : thread_([this, channel = std::move(channel), call = std::move(call)] {
          while (!stop_.load()) {
            CallResult result = GetPerson(channel, call);
            std::lock_guard<std::mutex> lock(mu_);
            results_.push_back(std::move(result));
          }
        }) {}
  ~CallingLoop() { Stop(); }
  // Stops after the call in progress and returns every result, in order.
  std::vector<CallResult> Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    return results_;
  }
  // True once a call that started after `time` succeeded.
  bool ServedSince(absl::Time time) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = results_.rbegin(); it != results_.rend() && it->started > time; ++it) {
      if (it->status.ok()) return true;
    }
    return false;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return results_.size();
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<CallResult> results_;
  std::thread thread_;
};

void WaitForCalls(CallingLoop& loop, size_t count) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (loop.count() < count && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
}

// Waits until calls through `gateway` succeed on every channel it keeps to its peer (the peer
// channels connect on their own backoff), so that a test's load starts on a settled chain.
void WaitUntilServed(const GatewayProcess& gateway) {
  auto channel = AgencyChannel(gateway, kMigraciones);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (int in_a_row = 0; in_a_row < 4 && absl::Now() < deadline;) {
    in_a_row = GetPerson(channel).status.ok() ? in_a_row + 1 : 0;
    if (in_a_row == 0) absl::SleepFor(absl::Milliseconds(100));
  }
}

TEST(FaultTest, PeerGatewayKilledUnderLoadEveryCallEndsInTimeAndItsReturnIsPickedUp) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry);
  GatewayProcess& cl = topology.StartGateway("CL");
  GatewayProcess& ar = topology.StartGateway("AR");
  WaitUntilServed(ar);
  const absl::Duration deadline = absl::Seconds(2);
  GetPersonCall call;
  call.deadline = deadline;
  std::vector<std::unique_ptr<CallingLoop>> loops;
  for (int i = 0; i < 4; ++i) {
    loops.push_back(std::make_unique<CallingLoop>(AgencyChannel(ar, kMigraciones), call));
  }
  for (auto& loop : loops) WaitForCalls(*loop, 20);

  // Taken before the signal: a call can fail on the reset connection before this thread runs
  // again, and that failure still belongs to the outage.
  absl::Time killed = absl::Now();
  ASSERT_EQ(::kill(cl.process->pid(), SIGKILL), 0);
  absl::SleepFor(absl::Seconds(3));
  topology.RestartGateway("CL");
  absl::Time restarted = absl::Now();
  // Calls keep running until each client has been served again (or 15 s).
  absl::Time give_up = restarted + absl::Seconds(15);
  for (auto& loop : loops) {
    while (!loop->ServedSince(restarted) && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  // Each channel a gateway keeps to its peer reconnects on its own backoff (at most 2 s, plus
  // gRPC's 20% jitter): after that, every call is served.
  const absl::Duration reconnect = absl::Seconds(2) * 1.2;
  // The connection's own set-up (TCP, TLS, HTTP/2 settings) on a busy machine.
  const absl::Duration slack = absl::Milliseconds(1500);
  absl::SleepFor(absl::Seconds(3));
  std::vector<std::vector<CallResult>> all;
  for (auto& loop : loops) all.push_back(loop->Stop());

  absl::Time first_ok_after_restart = absl::InfiniteFuture();
  int failed_during_outage = 0;
  for (const std::vector<CallResult>& results : all) {
    ASSERT_FALSE(results.empty());
    for (const CallResult& result : results) {
      grpc::StatusCode code = result.status.error_code();
      std::string what =
          absl::StrCat("call started ", absl::FormatDuration(result.started - killed),
                       " after the kill (", absl::FormatDuration(result.started - restarted),
                       " after the restart), took ", absl::FormatDuration(result.elapsed),
                       ", ended ", code, " ", result.status.error_message());
      // Nothing hangs: every call ends within its deadline (plus scheduling slack).
      EXPECT_LT(result.elapsed, deadline + absl::Seconds(1)) << what;
      EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE ||
                  code == grpc::StatusCode::DEADLINE_EXCEEDED)
          << what;
      if (code != grpc::StatusCode::OK) {
        ++failed_during_outage;
        // Failures belong to the outage only: they end after the kill and start before the
        // reconnect backoff has run out.
        EXPECT_GT(result.started + result.elapsed, killed) << what;
        EXPECT_LT(result.started, restarted + reconnect + slack) << what;
        if (code == grpc::StatusCode::UNAVAILABLE) {
          EXPECT_THAT(result.status.error_message(), HasSubstr("peer gateway CL at")) << what;
        }
      } else if (result.started > restarted) {
        first_ok_after_restart = std::min(first_ok_after_restart, result.started + result.elapsed);
      }
    }
    // Each client is served again after the peer's return.
    EXPECT_TRUE(results.back().status.ok()) << results.back().status.error_message();
    EXPECT_GT(results.back().started, restarted + absl::Seconds(3));
  }
  EXPECT_GT(failed_during_outage, 0) << "the outage was not seen at all";
  // The peer's return is picked up within the reconnect backoff (2 s by default), not minutes.
  EXPECT_LT(first_ok_after_restart - restarted, reconnect + slack);
  EXPECT_FALSE(ar.process->Exited());
  EXPECT_FALSE(cl.process->Exited()) << cl.process->Log();
}

// AR and CL gateways with CL's registry replaced by a misbehaving provider, and a healthy
// provider (CL/GOV/spare-agency, under agreement spare-identity) behind the same CL gateway, to
// show that the gateways still serve after each fault.
class MisbehavingProviderTest : public ::testing::Test {
 protected:
  void Start(const std::string& mode, const std::string& ar_extra_yaml = "") {
    topology_ = std::make_unique<Topology>(std::vector<std::string>{"AR", "CL"});
    topology_->SetAgreement("spare-identity",
                            absl::StrReplaceAll(Topology::DefaultAgreementYaml({"AR", "CL"}),
                                                {{"id: test-identity", "id: spare-identity"},
                                                 {"provider: CL/GOV/registro-civil",
                                                  "provider: CL/GOV/spare-agency"}}));
    provider_ = &topology_->StartProvider(kRegistry, {"--mode", mode}, "misbehaving_provider");
    ProviderProcess& healthy = topology_->StartImpostor(
        "CL/test/spare.crt", "CL/test/spare.key", "CL", absl::StrCat("127.0.0.1:", PickFreePort()));
    topology_->AddProviderEntry("CL/GOV/spare-agency", healthy.address);
    topology_->StartGateway("AR", ar_extra_yaml);
    topology_->StartGateway("CL");
  }
  GatewayProcess& ar() { return topology_->gateway("AR"); }
  GatewayProcess& cl() { return topology_->gateway("CL"); }

  void ExpectHealthyProviderStillServed() {
    GetPersonCall call;
    call.target = "CL/GOV/spare-agency";
    call.metadata = {{"x-pasarela-agreement", "spare-identity"}};
    CallResult healthy = GetPerson(AgencyChannel(ar(), kMigraciones), call);
    EXPECT_TRUE(healthy.status.ok()) << healthy.status.error_message();
    EXPECT_EQ(healthy.response.person().family_names(0), "González");
    EXPECT_FALSE(ar().process->Exited());
    EXPECT_FALSE(cl().process->Exited());
  }

  // Three calls, each refused with `code` and `message`, nothing of the answer passed on; then
  // the gateways still serve the healthy provider.
  void ExpectEveryCallRefused(grpc::StatusCode code, const std::string& message) {
    for (int i = 0; i < 3; ++i) {
      CallResult result = GetPerson(AgencyChannel(ar(), kMigraciones));
      EXPECT_EQ(result.status.error_code(), code) << result.status.error_message();
      EXPECT_THAT(result.status.error_message(), HasSubstr(message));
      EXPECT_EQ(result.response.ByteSizeLong(), 0u);
    }
    EXPECT_EQ(CountCalls("received"), 3);
    ExpectHealthyProviderStillServed();
  }

  int CountCalls(const std::string& event) {
    int count = 0;
    for (const std::string& line : provider_->Calls()) {
      if (line.find(absl::StrCat("\"event\":\"", event, "\"")) != std::string::npos) ++count;
    }
    return count;
  }

  std::unique_ptr<Topology> topology_;
  ProviderProcess* provider_ = nullptr;
};

TEST_F(MisbehavingProviderTest, HangingProviderEndsEachCallAtItsDeadlineAndFreesItsSlot) {
  // Two exchanges in flight per consumer: a slot kept by a call that ended would refuse the third.
  Start("hang", "limits:\n  max_in_flight_per_consumer: 2\n");
  GetPersonCall call;
  // Long enough for a call to reach the provider on a loaded machine under ASan: a budget of
  // 500 ms once ran out while CL was still connecting to it.
  call.deadline = absl::Seconds(1);
  for (int i = 0; i < 6; ++i) {
    CallResult result = GetPerson(AgencyChannel(ar(), kMigraciones), call);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << result.status.error_message();
    EXPECT_LT(result.elapsed, call.deadline + absl::Seconds(1));
  }
  // The deadline reached the provider: each hanging call was cancelled there too.
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (CountCalls("cancelled") < 6 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(CountCalls("received"), 6);
  EXPECT_EQ(CountCalls("cancelled"), 6);
  ExpectHealthyProviderStillServed();
}

TEST_F(MisbehavingProviderTest, GarbageBytesFromTheProviderNeverReachTheConsumer) {
  Start("garbage");
  ExpectEveryCallRefused(grpc::StatusCode::INTERNAL,
                         "answered bytes that are not a pasarela.identity.v1.GetPersonResponse");
}

// A provider's UNAVAILABLE is free text of its own, like any other status it answers: only the
// code crosses, never the message, which here names a person.
TEST_F(MisbehavingProviderTest, ProviderUnavailableMessageNeverLeavesItsGateway) {
  Start("unavailable");
  ExpectEveryCallRefused(grpc::StatusCode::UNAVAILABLE, "answered UNAVAILABLE");
  for (int i = 0; i < 2; ++i) {
    CallResult result = GetPerson(AgencyChannel(ar(), kMigraciones));
    EXPECT_THAT(result.status.error_message(), Not(HasSubstr("Pérez")));
    EXPECT_THAT(result.status.error_message(), Not(HasSubstr("12.531.909-2")));
  }
  for (GatewayProcess* gateway : {&ar(), &cl()}) {
    EXPECT_THAT(gateway->process->Log(), Not(HasSubstr("Pérez")));
    EXPECT_THAT(gateway->process->Log(), Not(HasSubstr("12.531.909")));
  }
}

TEST_F(MisbehavingProviderTest, HugeMessageFromTheProviderIsResourceExhausted) {
  Start("huge");
  ExpectEveryCallRefused(grpc::StatusCode::RESOURCE_EXHAUSTED, "larger than max");
}

// A TCP relay on 127.0.0.1 that holds every chunk of bytes for `delay` before passing it on, in
// both directions: a peer gateway far away. Stops (and joins its threads) when destroyed.
class DistantLink {
 public:
  DistantLink(int target_port, absl::Duration delay) : target_port_(target_port), delay_(delay) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = Loopback(0);
    socklen_t length = sizeof(address);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listener_, 16);
    threads_.emplace_back([this] { Accept(); });
  }
  ~DistantLink() {
    stopping_.store(true);
    ::shutdown(listener_, SHUT_RDWR);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& thread : threads_) thread.join();
    for (int fd : sockets_) ::close(fd);
    ::close(listener_);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    return address;
  }
  void Accept() {
    while (!stopping_.load()) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in target = Loopback(target_port_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      sockets_.insert(sockets_.end(), {client, server});
      threads_.emplace_back([this, client, server] { Pass(client, server); });
      threads_.emplace_back([this, client, server] { Pass(server, client); });
    }
  }
  void Pass(int from, int to) {
    char buffer[16384];
    ssize_t n;
    while ((n = ::recv(from, buffer, sizeof(buffer), 0)) > 0) {
      absl::SleepFor(delay_);
      // MSG_NOSIGNAL: a side that hung up must not end the test with SIGPIPE.
      if (::send(to, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
    }
    ::shutdown(to, SHUT_WR);
  }

  int target_port_;
  absl::Duration delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<int> sockets_;
  std::vector<std::thread> threads_;
};

TEST(FaultTest, DistantPeerWithASlowHandshakeIsReachedAtTheFirstCall) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry);
  GatewayProcess& cl = topology.StartGateway("CL");
  // 150 ms each way: the TLS handshake with the peer takes well over half a second.
  DistantLink link(cl.federation_port, absl::Milliseconds(150));
  topology.SetFederationAddress("CL", link.address());
  GatewayProcess& ar = topology.StartGateway("AR");
  for (int i = 0; i < 3; ++i) {
    GetPersonCall call;
    call.deadline = absl::Seconds(10);
    CallResult result = GetPerson(AgencyChannel(ar, kMigraciones), call);
    EXPECT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_LT(result.elapsed, absl::Seconds(5));
  }
}

TEST(FaultTest, ClientRevokedUnderLoadIsRefusedFromItsNextCallAndNoOtherCallFails) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry);
  topology.StartGateway("CL", "defaults:\n  crl_refresh_interval: 100ms\n");
  GatewayProcess& ar = topology.StartGateway("AR", "defaults:\n  crl_refresh_interval: 100ms\n");
  WaitUntilServed(ar);
  std::vector<std::unique_ptr<CallingLoop>> others;
  for (const char* agency : {kMigraciones, "AR/agencies/afip", kMigraciones}) {
    others.push_back(std::make_unique<CallingLoop>(AgencyChannel(ar, agency), GetPersonCall()));
  }
  // One channel, so one HTTP/2 connection opened before the revocation and kept after it.
  CallingLoop spare(AgencyChannel(ar, "AR/test/spare"), GetPersonCall());
  WaitForCalls(spare, 20);
  for (auto& loop : others) WaitForCalls(*loop, 20);

  std::string output;
  ASSERT_EQ(RunCommand({"/bin/bash", SourceDir() + "/certs/make-pki.sh", "-q", "revoke", PkiDir(),
                        Pki("AR/test/spare.crt")},
                       &output),
            0)
      << output;
  ASSERT_TRUE(ar.process->WaitForLog("loaded CRL of AR: 2 revoked", absl::Seconds(5)));
  absl::Time loaded = absl::Now();
  size_t spare_at_load = spare.count();
  WaitForCalls(spare, spare_at_load + 20);
  for (auto& loop : others) WaitForCalls(*loop, loop->count() + 20);

  std::vector<CallResult> spare_results = spare.Stop();
  bool refused = false;
  int refusals = 0;
  for (const CallResult& result : spare_results) {
    if (result.started > loaded) {
      // Every call after the new CRL is in force is refused, on the connection it already had.
      EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << result.status.error_message();
    }
    if (!result.status.ok()) {
      refused = true;
      ++refusals;
      EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      EXPECT_THAT(result.status.error_message(), HasSubstr("certificate revoked"));
    } else {
      // Once refused, never served again.
      EXPECT_FALSE(refused) << "a call succeeded after an earlier one was refused";
    }
  }
  EXPECT_GE(refusals, 20);
  for (auto& loop : others) {
    std::vector<CallResult> results = loop->Stop();
    EXPECT_GE(results.size(), 40u);
    for (const CallResult& result : results) {
      EXPECT_TRUE(result.status.ok()) << result.status.error_message();
    }
  }
}

// The certificate (PEM) that a new connection to `address` is shown, presenting `cert`/`key`.
std::string PresentedCertificate(const std::string& address, const std::string& cert,
                                 const std::string& key, const std::string& ca_country) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileOrEmpty(Pki(ca_country + "/ca.crt"));
  options.pem_cert_chain = ReadFileOrEmpty(Pki(cert));
  options.pem_private_key = ReadFileOrEmpty(Pki(key));
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
  auto channel = grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse answer;
  grpc::Status status = health->Check(&context, grpc::health::v1::HealthCheckRequest(), &answer);
  if (!status.ok() || context.auth_context() == nullptr) return "";
  std::vector<grpc::string_ref> pems = context.auth_context()->FindPropertyValues("x509_pem_cert");
  return pems.empty() ? "" : std::string(pems.front().data(), pems.front().size());
}

// Replaces a gateway's certificate and key files the way an administrator would: each written
// beside and renamed over the old one, key first.
void ReplaceCertificateFiles(const std::string& base, const std::string& from_base) {
  WriteFile(base + ".key.new", ReadFileOrEmpty(from_base + ".key"));
  ::chmod((base + ".key.new").c_str(), 0600);
  ASSERT_EQ(::rename((base + ".key.new").c_str(), (base + ".key").c_str()), 0);
  WriteFile(base + ".crt.new", ReadFileOrEmpty(from_base + ".crt"));
  ASSERT_EQ(::rename((base + ".crt.new").c_str(), (base + ".crt").c_str()), 0);
}

// A new pair for gateway `country` from the PKI's CA, at `base`.{crt,key}; returns `base`.
std::string Renewed(const std::string& country, const std::string& base) {
  std::string output;
  EXPECT_EQ(RunCommand({"/bin/bash", SourceDir() + "/certs/make-pki.sh", "-q", "renew", PkiDir(),
                        country, base},
                       &output),
            0)
      << output;
  return base;
}

TEST(FaultTest, GatewayCertificatesReplacedUnderLoadAreTakenWithoutAFailedCall) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry);
  topology.UseOwnCertificateFiles("CL");
  topology.UseOwnCertificateFiles("AR");
  const std::string cl_files = topology.GatewayCertificateBase("CL");
  const std::string ar_files = topology.GatewayCertificateBase("AR");
  GatewayProcess& cl = topology.StartGateway("CL", "defaults:\n  crl_refresh_interval: 100ms\n");
  GatewayProcess& ar = topology.StartGateway("AR", "defaults:\n  crl_refresh_interval: 100ms\n");
  WaitUntilServed(ar);
  const std::string cl_federation_before =
      PresentedCertificate(cl.federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  ASSERT_EQ(cl_federation_before, ReadFileOrEmpty(Pki("CL/gateway.crt")));

  std::vector<std::unique_ptr<CallingLoop>> loops;
  for (const char* agency : {kMigraciones, "AR/agencies/afip", kMigraciones}) {
    loops.push_back(std::make_unique<CallingLoop>(AgencyChannel(ar, agency), GetPersonCall()));
  }
  for (auto& loop : loops) WaitForCalls(*loop, 20);

  // A certificate that the gateway's own CA issued to another gateway: refused, the running pair
  // stays, calls go on.
  ReplaceCertificateFiles(cl_files, Pki("CL/test/wrong-country-gateway"));
  ASSERT_TRUE(cl.process->WaitForLog("does not name urn:pasarela:gateway:CL", absl::Seconds(10)));
  EXPECT_TRUE(cl.process->WaitForLog("gateway certificate not replaced", absl::Seconds(1)));
  for (auto& loop : loops) WaitForCalls(*loop, loop->count() + 20);

  // A new pair from the CL CA: taken by the listeners, the receipts and the checkpoints.
  ReplaceCertificateFiles(cl_files, Renewed("CL", topology.dir() + "/cl-renewed"));
  ASSERT_TRUE(cl.process->WaitForLog("gateway certificate replaced", absl::Seconds(10)));
  // The listeners read their files every second; a busy machine may take longer.
  const std::string cl_renewed = ReadFileOrEmpty(cl_files + ".crt");
  auto presented_within = [&](const std::string& address, const std::string& cert,
                              const std::string& key) {
    std::string presented;
    for (absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(100))) {
      presented = PresentedCertificate(address, cert, key, "CL");
      if (presented == cl_renewed) break;
    }
    return presented;
  };
  EXPECT_EQ(presented_within(cl.federation_address(), "AR/gateway.crt", "AR/gateway.key"),
            cl_renewed);
  EXPECT_EQ(presented_within(cl.agency_address(), "CL/agencies/registro-civil.crt",
                             "CL/agencies/registro-civil.key"),
            cl_renewed);
  for (auto& loop : loops) WaitForCalls(*loop, loop->count() + 40);
  // Receipts are now signed with the new key: CL names the signer, since connections opened
  // before still present the old certificate.
  GetPersonCall federation_call;
  federation_call.metadata =
      FederationHeaders(cl, "AR/GOV/migraciones", "0b6f3a4e-5c1d-4e8f-9a2b-7c3d1e5f6a80");
  CallResult direct =
      GetPerson(MtlsChannel(cl.federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL"),
                federation_call);
  ASSERT_TRUE(direct.status.ok()) << direct.status.error_message();
  EXPECT_FALSE(direct.receipt.empty());
  EXPECT_EQ(direct.receipt_signer, cl_renewed);

  // The consumer side: AR's new pair reaches CL on AR's new connections.
  ReplaceCertificateFiles(ar_files, Renewed("AR", topology.dir() + "/ar-renewed"));
  ASSERT_TRUE(ar.process->WaitForLog("gateway certificate replaced", absl::Seconds(10)));
  for (auto& loop : loops) WaitForCalls(*loop, loop->count() + 40);

  size_t calls = 0;
  for (auto& loop : loops) {
    for (const CallResult& result : loop->Stop()) {
      ++calls;
      EXPECT_TRUE(result.status.ok()) << result.status.error_message();
    }
  }
  EXPECT_GE(calls, 3u * 120u);
  // A fresh call after both replacements, on connections opened with the new certificates.
  EXPECT_TRUE(GetPerson(AgencyChannel(ar, kMigraciones)).status.ok());

  // Both trails verify with checkpoints signed by the old and the new key, and say when the
  // certificate changed.
  std::string output;
  ar.process->Stop(SIGTERM, absl::Seconds(10));
  cl.process->Stop(SIGTERM, absl::Seconds(10));
  for (const char* country : {"AR", "CL"}) {
    const std::string trail = absl::StrCat(topology.dir(), "/", country, "/audit");
    ASSERT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "verify", trail, "--ca",
                          Pki(absl::StrCat(country, "/ca.crt")), "--strict"},
                         &output),
              0)
        << output;
    ASSERT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "report", trail}, &output), 0) << output;
    EXPECT_THAT(output, HasSubstr("Gateway certificate changes")) << country;
    EXPECT_THAT(output, HasSubstr("gateway certificate replaced from")) << country;
  }
}

TEST(FaultTest, APeerGatewayWhoseReplacedCertificateIsRevokedIsCalledOnANewConnection) {
  // CL's gateway replaces its certificate while AR's connection to it still shows the old one;
  // then CL's CA revokes the old one. AR's next call does not take the old connection: it opens
  // a new one, which shows the new certificate, and the call is answered.
  Topology topology({"AR", "CL"});
  ProviderProcess& registry = topology.StartProvider(kRegistry);
  topology.UseOwnCertificateFiles("CL");
  const std::string cl_files = topology.GatewayCertificateBase("CL");
  GatewayProcess& cl = topology.StartGateway("CL");
  // CL's listeners take a replaced pair within about a second.
  auto replace_certificate = [&](const std::string& name) {
    const std::string issued =
        IssueTestCertificate({name, "CL", {"urn:pasarela:gateway:CL"}, "clientAuth, serverAuth"});
    const int replaced = cl.process->CountInLog("gateway certificate replaced");
    ReplaceCertificateFiles(cl_files, Pki(issued));
    const std::string expected = ReadFileOrEmpty(Pki(issued + ".crt"));
    std::string presented;
    for (absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(100))) {
      presented =
          PresentedCertificate(cl.federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
      if (presented == expected &&
          cl.process->CountInLog("gateway certificate replaced") > replaced) {
        break;
      }
    }
    EXPECT_EQ(presented, expected);
    return issued;
  };
  const std::string first = replace_certificate("gateway-cl-first");
  // One channel, so one HTTP/2 connection opened before the replacement and kept after it.
  GatewayProcess& ar = topology.StartGateway(
      "AR", "defaults:\n  crl_refresh_interval: 100ms\nupstreams:\n  channels: 1\n");
  WaitUntilServed(ar);
  auto agency = AgencyChannel(ar, kMigraciones);
  CallResult before = GetPerson(agency);
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();
  replace_certificate("gateway-cl-second");
  ASSERT_FALSE(::testing::Test::HasFailure());

  const int crl_loads = ar.process->CountInLog("loaded CRL of CL");
  const std::string serial = RevokeTestCertificate(first);
  for (absl::Time deadline = absl::Now() + absl::Seconds(10);
       absl::Now() < deadline && ar.process->CountInLog("loaded CRL of CL") == crl_loads;
       absl::SleepFor(absl::Milliseconds(50))) {
  }
  ASSERT_GT(ar.process->CountInLog("loaded CRL of CL"), crl_loads);

  const size_t answered = registry.Calls().size();
  CallResult after = GetPerson(agency);
  ASSERT_TRUE(after.status.ok()) << after.status.error_message();
  EXPECT_TRUE(after.response.has_person());
  EXPECT_EQ(registry.Calls().size(), answered + 1);
  EXPECT_TRUE(ar.process->WaitForLog(
      absl::StrCat("exchange ", after.exchange_id, ": peer gateway CL at ", cl.federation_address(),
                   " presented on its open connection a certificate refused since: "
                   "certificate revoked (serial ",
                   serial, " is on the CRL of CL, ", Pki("CL/ca.crl"),
                   "); the call takes a new connection"),
      absl::Seconds(5)));
  // The calls after it go on through the new connection, without another replacement.
  ASSERT_TRUE(GetPerson(agency).status.ok());
  EXPECT_EQ(ar.process->CountInLog("the call takes a new connection"), 1);
  EXPECT_EQ(MetricValue(ar, "pasarela_connections_replaced_total{upstream=\"peer_gateway\"}"), 1);
  EXPECT_EQ(MetricValue(ar, "pasarela_connections_replaced_total{upstream=\"provider\"}"), 0);
}

}  // namespace
}  // namespace pasarela::testing
