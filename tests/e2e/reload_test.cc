// Policy reload under a running gateway: a broken edit changes nothing and is reported with its
// location; a valid edit takes effect; calls made throughout many reloads all succeed; a key of
// gateway.yaml that needs a restart waits for it without holding back the rest, and the keys a
// reload applies (in-flight bounds, drain timeout, CRL refresh interval) take effect.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/support/free_port.h"
#include "tests/support/identity_calls.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::pasarela::identity::v1::GetPersonRequest;
using ::pasarela::identity::v1::GetPersonResponse;
using ::pasarela::identity::v1::IdentityService;
using ::testing::HasSubstr;
using ::testing::Not;

grpc::Status GetPerson(IdentityService::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
  context.AddMetadata("x-pasarela-purpose", "border-control");
  context.AddMetadata("x-pasarela-agreement", "test-identity");
  GetPersonRequest request;
  request.mutable_identifier()->set_value("12531909-2");
  GetPersonResponse response;
  return stub.GetPerson(&context, request, &response);
}

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

// Replaces a file the way an editor does: write elsewhere, rename over.
void Replace(const std::string& path, const std::string& contents) {
  WriteFile(path + ".new", contents);
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topology_ = std::make_unique<Topology>(std::vector<std::string>{"AR", "CL"});
    topology_->StartProvider("CL/GOV/registro-civil");
    topology_->StartGateway("AR");
    topology_->StartGateway("CL");
    services_ = topology_->gateway("CL").dir + "/policy/services.yaml";
    original_ = ReadFileOrEmpty(services_);
    stub_ = IdentityService::NewStub(MtlsChannel(topology_->gateway("AR").agency_address(),
                                                 "AR/agencies/migraciones.crt",
                                                 "AR/agencies/migraciones.key", "AR"));
  }
  void ReplaceServices(const std::string& contents) { Replace(services_, contents); }
  ChildProcess& cl() { return *topology_->gateway("CL").process; }
  bool WaitUntilReloads(int count) {
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      if (CountInLog("policy reloaded:") >= count) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  int CountInLog(const std::string& text) { return cl().CountInLog(text); }

  std::unique_ptr<Topology> topology_;
  std::string services_;
  std::string original_;
  std::unique_ptr<IdentityService::Stub> stub_;
};

TEST_F(ReloadTest, BrokenEditChangesNothingAndValidEditTakesEffect) {
  ASSERT_TRUE(GetPerson(*stub_).ok());
  ReplaceServices(original_ + "  - participant: [unclosed\n");
  ASSERT_TRUE(
      cl().WaitForLog("policy reload failed, the running policy stays in force", absl::Seconds(5)));
  EXPECT_THAT(cl().Log(), HasSubstr("/policy/services.yaml:"));
  EXPECT_THAT(cl().Log(), HasSubstr("YAML syntax error"));
  grpc::Status still = GetPerson(*stub_);
  EXPECT_TRUE(still.ok()) << still.error_message();

  ReplaceServices("apiVersion: pasarela/v1\nkind: Services\nproviders: []\n");
  ASSERT_TRUE(WaitUntilReloads(1));
  grpc::Status gone = GetPerson(*stub_);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(gone.error_message(), HasSubstr("no provider CL/GOV/registro-civil"));

  ReplaceServices(original_);
  ASSERT_TRUE(WaitUntilReloads(2));
  EXPECT_TRUE(GetPerson(*stub_).ok());
}

TEST_F(ReloadTest, AMappingDroppedIntoAgreementsChangesNothingAndIsOneErrorSayingSo) {
  ASSERT_TRUE(GetPerson(*stub_).ok());
  const std::string stray = topology_->gateway("CL").dir + "/policy/agreements/documento.yaml";
  Replace(stray,
          "apiVersion: pasarela/v1\nkind: Mapping\nid: documento\nsource: a.B\ntarget: c.D\n"
          "rules: []\n");
  ASSERT_TRUE(
      cl().WaitForLog("policy reload failed, the running policy stays in force", absl::Seconds(5)));
  EXPECT_THAT(cl().Log(), HasSubstr("/policy/agreements/documento.yaml:2:7: error: kind: this is a "
                                    "Mapping file, which belongs in mappings/"));
  EXPECT_THAT(cl().Log(), Not(HasSubstr("documento.yaml:3:")));
  grpc::Status still = GetPerson(*stub_);
  EXPECT_TRUE(still.ok()) << still.error_message();
}

TEST_F(ReloadTest, KubernetesConfigMapSymlinkSwapReloads) {
  // A ConfigMap volume: services.yaml -> ..data/services.yaml, ..data -> ..<timestamp>/; an
  // update writes a new timestamped directory and renames a new ..data link over the old one.
  std::string policy = topology_->gateway("CL").dir + "/policy";
  ASSERT_EQ(::mkdir((policy + "/..2026_01").c_str(), 0755), 0);
  WriteFile(policy + "/..2026_01/services.yaml", original_);
  ASSERT_EQ(::symlink("..2026_01", (policy + "/..data").c_str()), 0);
  ASSERT_EQ(::unlink(services_.c_str()), 0);
  ASSERT_EQ(::symlink("..data/services.yaml", services_.c_str()), 0);
  absl::SleepFor(absl::Milliseconds(500));
  int reloads_before = CountInLog("policy reloaded:");
  ASSERT_TRUE(GetPerson(*stub_).ok());

  ASSERT_EQ(::mkdir((policy + "/..2026_02").c_str(), 0755), 0);
  WriteFile(policy + "/..2026_02/services.yaml",
            "apiVersion: pasarela/v1\nkind: Services\nproviders: []\n");
  ASSERT_EQ(::symlink("..2026_02", (policy + "/..data_tmp").c_str()), 0);
  ASSERT_EQ(std::rename((policy + "/..data_tmp").c_str(), (policy + "/..data").c_str()), 0);
  ASSERT_TRUE(WaitUntilReloads(reloads_before + 1));
  EXPECT_EQ(GetPerson(*stub_).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReloadTest, SighupReloads) {
  ReplaceServices("apiVersion: pasarela/v1\nkind: Services\nproviders: []\n");
  ::kill(cl().pid(), SIGHUP);
  ASSERT_TRUE(cl().WaitForLog("SIGHUP received: reloading policy", absl::Seconds(5)));
  ASSERT_TRUE(cl().WaitForLog("policy reloaded:", absl::Seconds(5)));
  EXPECT_EQ(GetPerson(*stub_).error_code(), grpc::StatusCode::NOT_FOUND);
}

// Calls until one of them leaves (or does not leave) its info line in CL's log; true when one
// did as `want_info_line` says within 5 s. Each call's access-log line is waited for first: the
// gateway writes an exchange's log line before its access-log line.
bool UntilAnExchangeIsLogged(ChildProcess& cl, const std::shared_ptr<grpc::Channel>& agency,
                             bool want_info_line) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    CallResult call = ::pasarela::testing::GetPerson(agency);
    if (!call.status.ok() || call.exchange_id.empty()) return false;
    if (!cl.WaitForLog(absl::StrCat("\"exchange_id\":\"", call.exchange_id, "\""),
                       absl::Seconds(2))) {
      return false;
    }
    const bool info_line =
        cl.Log().find(absl::StrCat(" INFO exchange ", call.exchange_id, " ")) != std::string::npos;
    if (info_line == want_info_line) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST_F(ReloadTest, LogLevelTakesEffectOnReloadAndTheAccessLogKeepsEveryExchange) {
  const std::string config = topology_->gateway("CL").dir + "/gateway.yaml";
  const std::string original = ReadFileOrEmpty(config);
  std::shared_ptr<grpc::Channel> agency =
      AgencyChannel(topology_->gateway("AR"), "AR/agencies/migraciones");
  ASSERT_TRUE(UntilAnExchangeIsLogged(cl(), agency, /*want_info_line=*/true));

  Replace(config, original + "log_level: warning\n");
  EXPECT_TRUE(UntilAnExchangeIsLogged(cl(), agency, /*want_info_line=*/false));
  // Errors still reach the log at warning.
  Replace(services_, original_ + "  - participant: [unclosed\n");
  EXPECT_TRUE(
      cl().WaitForLog("policy reload failed, the running policy stays in force", absl::Seconds(5)));
  ReplaceServices(original_);

  Replace(config, original);
  EXPECT_TRUE(UntilAnExchangeIsLogged(cl(), agency, /*want_info_line=*/true));
  // A level the gateway does not know is refused with its place, and the running one stays.
  Replace(config, original + "log_level: verbose\n");
  EXPECT_TRUE(cl().WaitForLog("log_level: expected debug, info, warning or error, found 'verbose'",
                              absl::Seconds(5)));
  EXPECT_TRUE(UntilAnExchangeIsLogged(cl(), agency, /*want_info_line=*/true));
}

TEST_F(ReloadTest, ARestartOnlyKeyWaitsForTheRestartWithoutHoldingBackLaterEdits) {
  const GatewayProcess& gateway = topology_->gateway("CL");
  const std::string config = gateway.dir + "/gateway.yaml";
  const std::string original = ReadFileOrEmpty(config);
  const int moved_port = PickFreePort();
  Replace(config, absl::StrReplaceAll(original, {{gateway.agency_address(),
                                                  absl::StrCat("127.0.0.1:", moved_port)}}) +
                      "limits:\n  max_message_bytes: 1048576\n");
  ASSERT_TRUE(WaitUntilReloads(1));
  const std::string warning =
      absl::StrCat(" WARN restart needed: ", config,
                   ": listeners.agency, limits.max_message_bytes changed; they take effect only "
                   "on restart, until then the running values stay in force");
  EXPECT_EQ(CountInLog(warning), 1) << cl().Log();
  EXPECT_TRUE(Accepts(gateway.agency_port));
  EXPECT_FALSE(Accepts(moved_port));

  // A reload that finds nothing else to change says so, and repeats the warning.
  ::kill(cl().pid(), SIGHUP);
  EXPECT_TRUE(cl().WaitForLog("policy reload found nothing to change: ", absl::Seconds(5)));
  EXPECT_EQ(CountInLog(warning), 2) << cl().Log();

  // A later edit of the policy is applied, and the warning comes again.
  ReplaceServices("apiVersion: pasarela/v1\nkind: Services\nproviders: []\n");
  ASSERT_TRUE(WaitUntilReloads(2));
  EXPECT_EQ(GetPerson(*stub_).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CountInLog(warning), 3);
  EXPECT_THAT(cl().Log(), Not(HasSubstr("policy reload failed")));

  // With the file back at the running values, reloads warn no more.
  Replace(config, original);
  ReplaceServices(original_);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!GetPerson(*stub_).ok() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(GetPerson(*stub_).ok());
  EXPECT_EQ(CountInLog(warning), 3);

  // A gateway cannot take another country while it runs: that reload fails as a whole.
  Replace(config, absl::StrReplaceAll(original, {{"country: CL", "country: AR"}}));
  EXPECT_TRUE(
      cl().WaitForLog("country changed from CL to AR; a gateway cannot take another "
                      "country while it runs",
                      absl::Seconds(5)));
  EXPECT_THAT(cl().Log(), HasSubstr("policy reload failed, the running policy stays in force"));
  EXPECT_TRUE(GetPerson(*stub_).ok());
}

TEST_F(ReloadTest, ANewCrlRefreshIntervalTakesEffectOnReload) {
  const std::string config = topology_->gateway("CL").dir + "/gateway.yaml";
  const std::string original = ReadFileOrEmpty(config);
  const std::string crl = Pki("AR/ca.crl");
  auto touch_crl = [&] { ASSERT_EQ(::utimensat(AT_FDCWD, crl.c_str(), nullptr, 0), 0); };
  Replace(config, original + "defaults:\n  crl_refresh_interval: 1h\n");
  ASSERT_TRUE(WaitUntilReloads(1));
  const int loaded_before = CountInLog("loaded CRL of AR");
  touch_crl();
  // The running interval, 1 s, would have looked at the file by now.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(CountInLog("loaded CRL of AR"), loaded_before);

  Replace(config, original + "defaults:\n  crl_refresh_interval: 100ms\n");
  ASSERT_TRUE(WaitUntilReloads(2));
  touch_crl();
  const absl::Time deadline = absl::Now() + absl::Seconds(3);
  while (CountInLog("loaded CRL of AR") == loaded_before && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GT(CountInLog("loaded CRL of AR"), loaded_before) << cl().Log();
}

// The in-flight bounds and the drain timeout, each at the value the last reload gave it.
TEST(LiveSettingsReloadTest, InFlightBoundAndDrainTimeoutTakeEffectOnReload) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil", {"--delay-ms", "4000"});
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  const std::string config = ar.dir + "/gateway.yaml";
  Replace(config, ReadFileOrEmpty(config) +
                      "limits:\n  max_in_flight_per_consumer: 1\n"
                      "defaults:\n  drain_timeout: 200ms\n");
  ASSERT_TRUE(ar.process->WaitForLog("policy reloaded:", absl::Seconds(5)));
  std::shared_ptr<grpc::Channel> agency = AgencyChannel(ar, "AR/agencies/migraciones");
  ASSERT_TRUE(agency->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(5))));

  std::vector<std::future<CallResult>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return ::pasarela::testing::GetPerson(agency, {}); }));
    absl::SleepFor(absl::Milliseconds(300));
  }
  int ok = 0;
  int exhausted = 0;
  for (auto& call : calls) {
    CallResult result = call.get();
    ok += result.status.ok();
    if (result.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++exhausted;
      EXPECT_THAT(result.status.error_message(),
                  HasSubstr("AR/GOV/migraciones has 1 exchanges in flight"));
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(exhausted, 2);

  // A call that still has seconds to go is cut at the reloaded 200 ms, not the default 10 s.
  auto in_flight =
      std::async(std::launch::async, [&] { return ::pasarela::testing::GetPerson(agency, {}); });
  absl::SleepFor(absl::Seconds(1));
  const absl::Time stop = absl::Now();
  EXPECT_EQ(ar.process->Stop(SIGTERM, absl::Seconds(15)), 0);
  EXPECT_LT(absl::Now() - stop, absl::Seconds(2));
  EXPECT_FALSE(in_flight.get().status.ok());
  EXPECT_TRUE(ar.process->WaitForLog("draining calls in flight for up to 200ms", absl::Seconds(1)));
}

TEST_F(ReloadTest, CallsThroughoutFiftyReloadsAllSucceed) {
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::thread caller([&] {
    while (!stop.load()) {
      grpc::Status status = GetPerson(*stub_);
      calls.fetch_add(1);
      if (!status.ok() && failures.fetch_add(1) == 0) first_failure = status.error_message();
    }
  });
  for (int i = 1; i <= 50; ++i) {
    // A comment is enough to change the snapshot's digest, so every edit is a real reload.
    ReplaceServices(absl::StrCat(original_, "# edit ", i, "\n"));
    ::kill(cl().pid(), SIGHUP);
    ASSERT_TRUE(WaitUntilReloads(i)) << "reload " << i << " not seen";
    // Let calls run under the new snapshot before the next reload.
    int target = calls.load() + 2;
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (calls.load() < target && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  }
  stop.store(true);
  caller.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GE(calls.load(), 100);
}

}  // namespace
}  // namespace pasarela::testing
