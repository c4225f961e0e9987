// The audit trail in the data plane: both gateways record every exchange, the consumer keeps the
// provider's signed receipt, the trails verify and reconcile, a person's history can be asked for,
// nothing answered is lost to kill -9, and a full disk stops exchanges until it has room again; the
// provider side's trail in PostgreSQL does the same, and a stopped database stops exchanges.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gateway/audit/trail_reader.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pasarela/health/v1/health.grpc.pb.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/audit/postgres_server.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::pasarela::identity::v1::GetPersonRequest;
using ::pasarela::identity::v1::GetPersonResponse;
using ::pasarela::identity::v1::IdentityService;
using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  grpc::Status status;
  std::string exchange_id;
};

Result GetPerson(IdentityService::Stub& stub, const std::string& purpose = "border-control",
                 absl::Duration deadline = absl::Seconds(5)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
  context.AddMetadata("x-pasarela-purpose", purpose);
  context.AddMetadata("x-pasarela-agreement", "test-identity");
  GetPersonRequest request;
  request.mutable_identifier()->set_issuing_country("CL");
  request.mutable_identifier()->set_scheme("CL-RUN");
  request.mutable_identifier()->set_value("12531909-2");
  GetPersonResponse response;
  Result result;
  result.status = stub.GetPerson(&context, request, &response);
  auto headers = context.GetServerInitialMetadata();
  auto it = headers.find("x-pasarela-exchange-id");
  if (it != headers.end()) result.exchange_id.assign(it->second.data(), it->second.size());
  return result;
}

std::vector<audit::v1::AuditRecord> ReadTrail(const std::string& dir) {
  std::vector<audit::v1::AuditRecord> records;
  std::vector<std::string> damage;
  absl::Status status = audit::ForEachRecord(
      dir,
      [&](const audit::v1::AuditRecord& record, const audit::TrailSegment&, uint64_t) {
        records.push_back(record);
      },
      &damage);
  EXPECT_TRUE(status.ok()) << status;
  return records;
}

std::string Pasarela(const std::vector<std::string>& args, int* status) {
  std::vector<std::string> argv = {BinDir() + "/pasarela"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  *status = RunCommand(argv, &output);
  return output;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topology_ = std::make_unique<Topology>(std::vector<std::string>{"AR", "CL"});
    registry_ = &topology_->StartProvider("CL/GOV/registro-civil");
  }
  std::unique_ptr<IdentityService::Stub> Stub() {
    return IdentityService::NewStub(MtlsChannel(topology_->gateway("AR").agency_address(),
                                                "AR/agencies/migraciones.crt",
                                                "AR/agencies/migraciones.key", "AR"));
  }
  std::string AuditDir(const std::string& country) {
    return topology_->gateway(country).dir + "/audit";
  }
  // Where CL's trail is, on a small filesystem of its own.
  std::string ClTrailFilesystem() const { return topology_->dir() + "/CL-audit-fs"; }
  // Starts AR, and CL with its audit trail on ClTrailFilesystem(); false when this machine cannot
  // mount one (it needs root).
  bool StartWithClTrailOnASmallFilesystem() {
    const std::string dir = ClTrailFilesystem();
    if (::mkdir(dir.c_str(), 0700) != 0 ||
        ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=256k") != 0) {
      return false;
    }
    topology_->StartGateway("AR");
    GatewayProcess& cl = topology_->StartGateway("CL");
    std::string config = ReadFileOrEmpty(cl.dir + "/gateway.yaml");
    WriteFile(
        cl.dir + "/gateway.yaml",
        absl::StrReplaceAll(config, {{"  directory: audit\n", "  directory: " + dir + "\n"}}));
    topology_->RestartGateway("CL");
    return true;
  }
  // After one exchange that crosses, fills CL's trail filesystem with the file `filler`, then
  // calls until CL can no longer record an exchange (the segment's last page may still hold a few
  // records) and returns that refusal.
  Result FillUntilRefused(IdentityService::Stub& stub, const std::string& filler) {
    EXPECT_TRUE(GetPerson(stub).status.ok());
    std::string block(4096, 'x');
    FILE* file = std::fopen(filler.c_str(), "w");
    EXPECT_NE(file, nullptr);
    if (file != nullptr) {
      while (std::fwrite(block.data(), 1, block.size(), file) == block.size() &&
             std::fflush(file) == 0) {
      }
      std::fclose(file);
    }
    Result refused;
    for (int i = 0; i < 100; ++i) {
      refused = GetPerson(stub);
      if (!refused.status.ok()) break;
    }
    return refused;
  }
  // Stops CL, which seals its trail on ClTrailFilesystem(); the trail verifies. Unmounts it.
  void ExpectCleanStopAndVerifiedClTrail() {
    EXPECT_EQ(topology_->gateway("CL").process->Stop(SIGTERM, absl::Seconds(10)), 0);
    int status = 0;
    std::string output = Pasarela(
        {"audit", "verify", ClTrailFilesystem(), "--ca", Pki("CL/ca.crt"), "--strict"}, &status);
    EXPECT_EQ(status, 0) << output;
    ::umount(ClTrailFilesystem().c_str());
  }
  std::unique_ptr<Topology> topology_;
  ProviderProcess* registry_ = nullptr;
};

// Calls that end unanswered, and a call the provider gateway refuses before it routes it, are
// recorded alike on both sides: each record names the parties the caller gave, no status a
// gateway made is put on the provider, and the trails reconcile.
TEST(AuditRecordsTest, TimeoutsAndEarlyRefusalsAreRecordedAlikeOnBothSides) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil", {"--mode", "hang"}, "misbehaving_provider");
  // The agreement also names a method the registry does not offer: CL refuses it while routing.
  topology.SetAgreement(
      Topology::kDefaultAgreementId,
      absl::StrReplaceAll(
          Topology::DefaultAgreementYaml({"AR", "CL"}),
          {{"  - pasarela.identity.v1.IdentityService/VerifyIdentity\n",
            "  - pasarela.identity.v1.IdentityService/VerifyIdentity\n"
            "  - pasarela.health.v1.PatientSummaryService/GetPatientSummary\n"},
           {"response_fields:\n",
            "response_fields:\n  pasarela.health.v1.PatientSummaryService/GetPatientSummary: "
            "[summary]\n"}}));
  topology.StartGateway("AR");
  topology.StartGateway("CL");
  auto channel = MtlsChannel(topology.gateway("AR").agency_address(), "AR/agencies/migraciones.crt",
                             "AR/agencies/migraciones.key", "AR");

  auto health = health::v1::PatientSummaryService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
  context.AddMetadata("x-pasarela-purpose", "border-control");
  context.AddMetadata("x-pasarela-agreement", "test-identity");
  health::v1::GetPatientSummaryRequest request;
  request.mutable_patient_identifier()->set_issuing_country("CL");
  request.mutable_patient_identifier()->set_scheme("CL-RUN");
  request.mutable_patient_identifier()->set_value("12531909-2");
  health::v1::GetPatientSummaryResponse response;
  grpc::Status refused = health->GetPatientSummary(&context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("does not offer"));
  // The refused call, made first, opened gateway AR's connection to CL: the calls below spend
  // none of their deadline on its handshake, and each reaches CL before the deadline passes, even
  // on a busy machine.
  auto identity = IdentityService::NewStub(channel);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(GetPerson(*identity, "border-control", absl::Seconds(1)).status.error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }

  EXPECT_EQ(topology.gateway("AR").process->Stop(SIGTERM, absl::Seconds(10)), 0);
  EXPECT_EQ(topology.gateway("CL").process->Stop(SIGTERM, absl::Seconds(10)), 0);
  const std::string get_person = "/pasarela.identity.v1.IdentityService/GetPerson";
  for (const char* country : {"AR", "CL"}) {
    SCOPED_TRACE(country);
    int timed_out = 0, refused_records = 0;
    for (const audit::v1::AuditRecord& record :
         ReadTrail(topology.gateway(country).dir + "/audit")) {
      EXPECT_EQ(record.consumer(), "AR/GOV/migraciones");
      EXPECT_EQ(record.provider(), "CL/GOV/registro-civil");
      EXPECT_EQ(record.agreement_id(), "test-identity");
      EXPECT_EQ(record.purpose(), "border-control");
      if (record.method() == get_person) {
        ++timed_out;
        // Nobody answered: each side saw the deadline pass or the caller cancel when its deadline
        // did (on a busy machine the cancellation can reach gateway AR more than the allowed
        // jitter before AR's copy of the deadline passes), and neither record says the provider
        // answered. Reconcile counts the two as agreeing.
        EXPECT_THAT(record.grpc_status_code(),
                    ::testing::AnyOf(static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED),
                                     static_cast<int>(grpc::StatusCode::CANCELLED)));
        EXPECT_THAT(record.grpc_status_message(), Not(HasSubstr("answered")));
      } else {
        ++refused_records;
        EXPECT_EQ(record.grpc_status_code(), grpc::StatusCode::NOT_FOUND);
      }
    }
    EXPECT_EQ(timed_out, 3);
    EXPECT_EQ(refused_records, 1);
  }
  int status = 0;
  std::string reconciled = Pasarela({"audit", "reconcile", topology.gateway("AR").dir + "/audit",
                                     topology.gateway("CL").dir + "/audit"},
                                    &status);
  // The gateways disagree on one thing, and reconcile says so: AR's agreement let the call go,
  // CL refused it (its registry does not offer the method) before reading the request.
  EXPECT_EQ(status, 1) << reconciled;
  EXPECT_THAT(reconciled, HasSubstr("1 differ, 0 duplicated, 3 match"));
  EXPECT_THAT(reconciled, HasSubstr("decision (A ALLOW, B DENY)"));
  for (const char* agreed : {"consumer", "provider", "agreement", "purpose", "status"}) {
    EXPECT_THAT(reconciled, Not(HasSubstr(absl::StrCat(agreed, " (A")))) << agreed;
  }
}

TEST_F(AuditTest, BothTrailsVerifyReconcileAndAnswerTheSubject) {
  topology_->StartGateway("AR");
  topology_->StartGateway("CL");
  auto stub = Stub();
  std::set<std::string> answered;
  for (int i = 0; i < 5; ++i) {
    Result result = GetPerson(*stub);
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
    answered.insert(result.exchange_id);
  }
  EXPECT_EQ(GetPerson(*stub, "tax-audit").status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A clean stop seals each trail with a final checkpoint.
  EXPECT_EQ(topology_->gateway("AR").process->Stop(SIGTERM, absl::Seconds(10)), 0);
  EXPECT_EQ(topology_->gateway("CL").process->Stop(SIGTERM, absl::Seconds(10)), 0);

  int status = 0;
  for (const char* country : {"AR", "CL"}) {
    std::string output = Pasarela({"audit", "verify", AuditDir(country), "--ca",
                                   Pki(std::string(country) + "/ca.crt"), "--strict"},
                                  &status);
    EXPECT_EQ(status, 0) << output;
    EXPECT_THAT(output, HasSubstr("audit verify: OK"));
  }
  // AR keeps CL's receipt of each exchange CL answered: an auditor holding CL's certificate and
  // CA checks every one of them offline.
  std::string receipts =
      Pasarela({"audit", "verify", AuditDir("AR"), "--ca", Pki("AR/ca.crt"), "--peer-cert",
                Pki("CL/gateway.crt"), "--peer-ca", "CL=" + Pki("CL/ca.crt"), "--peer-crl",
                Pki("CL/ca.crl"), "--strict"},
               &status);
  EXPECT_EQ(status, 0) << receipts;
  EXPECT_THAT(receipts, Not(HasSubstr("warning:"))) << receipts;
  EXPECT_THAT(receipts, HasSubstr(", 0 unsealed, 5 receipts verified\n")) << receipts;
  // Under AR's CA instead of CL's, CL's certificate is vouched for by no CA given; with CL's CA
  // given for AR only, by none either.
  std::string foreign =
      Pasarela({"audit", "verify", AuditDir("AR"), "--ca", Pki("AR/ca.crt"), "--peer-cert",
                Pki("CL/gateway.crt"), "--peer-ca", Pki("AR/ca.crt")},
               &status);
  EXPECT_EQ(status, 1) << foreign;
  EXPECT_THAT(foreign, HasSubstr("which no --peer-ca vouches for at ")) << foreign;
  foreign = Pasarela({"audit", "verify", AuditDir("AR"), "--ca", Pki("AR/ca.crt"), "--peer-cert",
                      Pki("CL/gateway.crt"), "--peer-ca", "AR=" + Pki("CL/ca.crt")},
                     &status);
  EXPECT_EQ(status, 1) << foreign;
  EXPECT_THAT(foreign, HasSubstr("which no --peer-ca vouches for: CAs were given for gateway AR "
                                 "only, none for gateway CL and none without a country; it chains "
                                 "to the CA given for AR"))
      << foreign;
  std::string reconciled =
      Pasarela({"audit", "reconcile", AuditDir("AR"), AuditDir("CL")}, &status);
  EXPECT_EQ(status, 0) << reconciled;
  EXPECT_THAT(reconciled, HasSubstr("5 exchanges match"));

  // Another spelling of the same RUN finds the same person.
  std::string history = Pasarela({"audit", "subject", AuditDir("CL"), "--id",
                                  "cl-run: 12.531.909-2", "--key-file", Pki("CL/pseudonym.key")},
                                 &status);
  EXPECT_EQ(status, 0) << history;
  EXPECT_THAT(history, HasSubstr("audit subject: 5 exchanges about CL-RUN:12531909-2"));
  EXPECT_THAT(history, HasSubstr("AR/GOV/migraciones"));

  std::vector<audit::v1::AuditRecord> consumer_side = ReadTrail(AuditDir("AR"));
  int allowed = 0;
  for (const audit::v1::AuditRecord& record : consumer_side) {
    if (record.direction() != audit::v1::CONSUMER_SIDE) continue;
    EXPECT_EQ(record.gateway(), "AR");
    EXPECT_EQ(record.consumer(), "AR/GOV/migraciones");
    EXPECT_EQ(record.request_digest().size(), 32u);
    EXPECT_FALSE(record.subject_pseudonym().empty());
    if (record.decision() == audit::v1::ALLOW) {
      ++allowed;
      EXPECT_TRUE(answered.count(record.exchange_id()));
      audit::v1::Receipt receipt;
      ASSERT_TRUE(receipt.ParseFromString(record.receipt()));
      EXPECT_EQ(receipt.gateway(), "CL");
      EXPECT_EQ(receipt.response_digest(), record.response_digest());
    } else {
      EXPECT_EQ(record.deciding_rule(), "purpose-not-allowed");
      EXPECT_EQ(record.grpc_status_code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
    }
  }
  EXPECT_EQ(allowed, 5);
}

TEST_F(AuditTest, KillDashNineLosesNoAnsweredExchange) {
  GatewayProcess& ar = topology_->StartGateway("AR");
  topology_->StartGateway("CL");
  std::atomic<bool> stop{false};
  std::vector<std::string> answered;
  std::thread client([&] {
    auto stub = Stub();
    while (!stop.load()) {
      Result result = GetPerson(*stub);
      if (result.status.ok()) answered.push_back(result.exchange_id);
    }
  });
  absl::SleepFor(absl::Seconds(1));
  ::kill(ar.process->pid(), SIGKILL);
  absl::SleepFor(absl::Milliseconds(200));
  stop.store(true);
  client.join();
  ASSERT_GT(answered.size(), 10u);

  topology_->RestartGateway("AR");
  EXPECT_TRUE(ar.process->WaitForLog("audit trail", absl::Seconds(5)));
  EXPECT_EQ(ar.process->Stop(SIGTERM, absl::Seconds(10)), 0);
  int status = 0;
  std::string output =
      Pasarela({"audit", "verify", AuditDir("AR"), "--ca", Pki("AR/ca.crt"), "--strict"}, &status);
  EXPECT_EQ(status, 0) << output;
  std::set<std::string> recorded;
  for (const audit::v1::AuditRecord& record : ReadTrail(AuditDir("AR"))) {
    recorded.insert(record.exchange_id());
  }
  for (const std::string& id : answered) EXPECT_TRUE(recorded.count(id)) << id << " was answered";
}

TEST_F(AuditTest, FullDiskFailsClosedAndRecovers) {
  if (!StartWithClTrailOnASmallFilesystem()) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
  }
  const std::string dir = ClTrailFilesystem();
  GatewayProcess& cl = topology_->gateway("CL");
  auto stub = Stub();
  // Fill the filesystem: the next exchange cannot be recorded, so it is refused.
  const std::string filler = dir + "/filler";
  Result refused = FillUntilRefused(*stub, filler);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("cannot record the exchange"));
  auto health = grpc::health::v1::Health::NewStub(
      MtlsChannel(cl.federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL"));
  auto serving = [&](const std::string& service = "") {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse answer;
    health->Check(&context, request, &answer);
    return answer.status();
  };
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (serving() != grpc::health::v1::HealthCheckResponse::NOT_SERVING &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(serving(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  // Each service the listener serves, asked by name, follows the trail too.
  EXPECT_EQ(serving("pasarela.identity.v1.IdentityService"),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  // While its trail cannot be written, CL refuses before it calls the registry: nothing it
  // could not record crosses. Each refusal is still counted and in its access log.
  const size_t registry_calls = registry_->Calls().size();
  auto access_log_refusals = [&] {
    const std::string log = cl.process->Log();
    size_t count = 0;
    for (size_t at = log.find("\"status\":\"UNAVAILABLE\""); at != std::string::npos;
         at = log.find("\"status\":\"UNAVAILABLE\"", at + 1)) {
      ++count;
    }
    return count;
  };
  const size_t logged_before = access_log_refusals();
  for (int i = 0; i < 3; ++i) {
    Result during = GetPerson(*stub);
    EXPECT_EQ(during.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(during.status.error_message(), HasSubstr("cannot record the exchange"));
  }
  EXPECT_EQ(registry_->Calls().size(), registry_calls);
  // The lines were written before the answers; the test reads the process's output behind.
  deadline = absl::Now() + absl::Seconds(5);
  while (access_log_refusals() < logged_before + 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(access_log_refusals(), logged_before + 3);

  // Room again: the gateway resumes by itself.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  deadline = absl::Now() + absl::Seconds(10);
  Result resumed;
  do {
    absl::SleepFor(absl::Milliseconds(200));
    resumed = GetPerson(*stub);
  } while (!resumed.status.ok() && absl::Now() < deadline);
  EXPECT_TRUE(resumed.status.ok()) << resumed.status.error_message();
  deadline = absl::Now() + absl::Seconds(5);
  while (serving() != grpc::health::v1::HealthCheckResponse::SERVING && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(serving(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(serving("pasarela.identity.v1.IdentityService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  ExpectCleanStopAndVerifiedClTrail();
}

// A stop while the trail's disk is full cannot seal the trail: the gateway says so and exits 1, so
// that a supervisor sees it. Once there is room, the next start continues the trail, which then
// verifies.
TEST_F(AuditTest, AStopThatCannotSealTheTrailExitsOne) {
  if (!StartWithClTrailOnASmallFilesystem()) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
  }
  auto stub = Stub();
  const std::string filler = ClTrailFilesystem() + "/filler";
  EXPECT_EQ(FillUntilRefused(*stub, filler).status.error_code(), grpc::StatusCode::UNAVAILABLE);
  GatewayProcess& cl = topology_->gateway("CL");

  EXPECT_EQ(cl.process->Stop(SIGTERM, absl::Seconds(10)), 1);
  EXPECT_THAT(cl.process->Log(), HasSubstr("ERROR audit trail not sealed: "));
  EXPECT_THAT(cl.process->Log(), HasSubstr("gateway stopped without sealing its audit trail"));

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  topology_->RestartGateway("CL");
  EXPECT_TRUE(GetPerson(*stub).status.ok());
  ExpectCleanStopAndVerifiedClTrail();
}

TEST_F(AuditTest, ProviderSideInPostgresqlVerifiesReconcilesAndFailsClosed) {
  absl::StatusOr<std::unique_ptr<audit::testing::PostgresServer>> database =
      audit::testing::PostgresServer::Start();
  ASSERT_TRUE(database.ok()) << "cannot start the test's PostgreSQL server: " << database.status();
  const std::string conninfo =
      (*database)->WriteConninfoFile(topology_->dir() + "/CL-audit-db.conninfo");
  const std::string trail = "postgresql:" + conninfo;
  topology_->StartGateway("AR");
  GatewayProcess& cl = topology_->StartGateway("CL");
  // CL's records go to the database instead of its directory.
  const std::string config = ReadFileOrEmpty(cl.dir + "/gateway.yaml");
  WriteFile(
      cl.dir + "/gateway.yaml",
      absl::StrReplaceAll(
          config, {{"  directory: audit\n",
                    "  sink: postgresql\n  postgresql:\n    conninfo_file: " + conninfo + "\n"}}));
  topology_->RestartGateway("CL");
  EXPECT_TRUE(cl.process->WaitForLog("audit trail: postgresql", absl::Seconds(5)));
  auto stub = Stub();
  for (int i = 0; i < 5; ++i) {
    Result result = GetPerson(*stub);
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  }

  // The database goes away: exchanges are refused because they cannot be recorded...
  ASSERT_TRUE((*database)->Stop().ok());
  Result refused = GetPerson(*stub);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("audit trail not writable: postgresql"));
  // ...until it is back.
  ASSERT_TRUE((*database)->Restart().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  Result resumed;
  do {
    absl::SleepFor(absl::Milliseconds(200));
    resumed = GetPerson(*stub);
  } while (!resumed.status.ok() && absl::Now() < deadline);
  ASSERT_TRUE(resumed.status.ok()) << resumed.status.error_message();
  EXPECT_EQ(topology_->gateway("AR").process->Stop(SIGTERM, absl::Seconds(10)), 0);
  EXPECT_EQ(cl.process->Stop(SIGTERM, absl::Seconds(10)), 0);

  int status = 0;
  std::string output =
      Pasarela({"audit", "verify", trail, "--ca", Pki("CL/ca.crt"), "--strict"}, &status);
  EXPECT_EQ(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("audit verify: OK: 6 records"));
  // Exchanges refused on either side (AR recorded the refusal, CL could not) differ or are
  // one-sided; every exchange CL recorded matches AR's record of it.
  std::string reconciled = Pasarela({"audit", "reconcile", AuditDir("AR"), trail}, &status);
  EXPECT_THAT(reconciled, HasSubstr("6 match (A AR, B CL)")) << reconciled;
  std::string report =
      Pasarela({"audit", "report", trail, "--verify", "--ca", Pki("CL/ca.crt")}, &status);
  EXPECT_EQ(status, 0) << report;
  EXPECT_THAT(report, HasSubstr("Exchanges: 6 (6 allowed, 0 denied)"));
  EXPECT_THAT(report, HasSubstr("Gateways:  CL"));
}

}  // namespace
}  // namespace pasarela::testing
