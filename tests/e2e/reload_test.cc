// Policy reload under a running gateway: a broken edit changes nothing and is reported with its
// location; a valid edit takes effect; calls made throughout many reloads all succeed.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/support/identity_calls.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::pasarela::identity::v1::GetPersonRequest;
using ::pasarela::identity::v1::GetPersonResponse;
using ::pasarela::identity::v1::IdentityService;
using ::testing::HasSubstr;

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

int CountOccurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
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
  // Replaces a file the way an editor does: write elsewhere, rename over.
  static void Replace(const std::string& path, const std::string& contents) {
    WriteFile(path + ".new", contents);
    ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
  }
  void ReplaceServices(const std::string& contents) { Replace(services_, contents); }
  ChildProcess& cl() { return *topology_->gateway("CL").process; }
  bool WaitUntilReloads(int count) {
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      if (CountOccurrences(cl().Log(), "policy reloaded:") >= count) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

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
  int reloads_before = CountOccurrences(cl().Log(), "policy reloaded:");
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
