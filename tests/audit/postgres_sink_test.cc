// The PostgreSQL audit sink against a real PostgreSQL 15 server started by each test.

#include "gateway/audit/postgres_sink.h"

#include <sys/stat.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_report.h"
#include "gateway/audit/audit_tools.h"
#include "gateway/audit/audit_verify.h"
#include "gateway/audit/postgres_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_util.h"
#include "tests/audit/postgres_server.h"

namespace pasarela::audit {
namespace {

using ::testing::HasSubstr;
using testing::KeyAndCert;
using testing::MakeRecord;
using testing::PostgresServer;
using testing::TempDir;
using testing::TestPki;

class PostgresSinkTest : public ::testing::Test {
 protected:
  PostgresSinkTest() : pki_(tmp_.path()) {
    ca_file_ = pki_.MakeCa("CA");
    key_ = pki_.MakeGateway("CA", "CL", "gateway-CL");
  }

  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
    // Not a skip: without the server the sink is untested, and the suite must say so.
    ASSERT_TRUE(server.ok()) << "cannot start the test's PostgreSQL server: " << server.status();
    server_ = *std::move(server);
    conninfo_file_ = server_->WriteConninfoFile(tmp_.Sub("audit-db.conninfo"));
    trail_ = absl::StrCat("postgresql:", conninfo_file_);
  }

  PostgresSinkOptions Options(const std::string& replica = "replica-1") const {
    PostgresSinkOptions o;
    o.conninfo_file = conninfo_file_;
    o.gateway = "CL";
    o.replica = replica;
    o.signing_key_file = key_.key_file;
    o.signing_cert_file = key_.cert_file;
    o.retry_interval = absl::Milliseconds(100);
    return o;
  }

  std::unique_ptr<PostgresAuditSink> OpenOrDie(PostgresSinkOptions o) {
    absl::StatusOr<std::unique_ptr<PostgresAuditSink>> sink = PostgresAuditSink::Open(o);
    EXPECT_TRUE(sink.ok()) << sink.status();
    return sink.ok() ? *std::move(sink) : nullptr;
  }

  int Verify(std::string* out, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {trail_, "--ca", ca_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream o, e;
    int code = RunAuditVerify(args, o, e);
    *out = o.str() + e.str();
    return code;
  }

  std::unique_ptr<PgConnection> Connect() {
    absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(server_->conninfo());
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? *std::move(conn) : nullptr;
  }

  TempDir tmp_;
  TestPki pki_;
  std::string ca_file_;
  KeyAndCert key_;
  std::unique_ptr<PostgresServer> server_;
  std::string conninfo_file_;
  std::string trail_;
};

TEST_F(PostgresSinkTest, AppendedRecordsVerifyAndReadBack) {
  PostgresSinkOptions o = Options();
  o.checkpoint_every_records = 4;
  std::unique_ptr<PostgresAuditSink> sink = OpenOrDie(o);
  ASSERT_NE(sink, nullptr);
  for (int n = 1; n <= 10; ++n) ASSERT_TRUE(sink->AppendAndWait(MakeRecord(n)).ok());
  EXPECT_TRUE(sink->healthy());
  EXPECT_EQ(sink->stats().last_sequence, 10u);
  EXPECT_EQ(sink->stats().records_written, 10u);
  ASSERT_TRUE(sink->Close().ok());

  std::string out;
  EXPECT_EQ(Verify(&out, {"--strict"}), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit verify: OK: 10 records in 1 segment, 3 checkpoints, 0 "
                             "unsealed"));

  // The commands read the database through the same record source as segment files.
  std::ostringstream report, err;
  EXPECT_EQ(RunAuditReport({trail_, "--verify"}, report, err), 0) << report.str() << err.str();
  EXPECT_THAT(report.str(), HasSubstr("Exchanges: 10 (10 allowed, 0 denied)"));
  EXPECT_THAT(report.str(), HasSubstr("Gateways:  CL"));
  // Reconcile reads which gateway wrote the chain from the database too: the same chain twice is
  // no comparison of two gateways.
  std::ostringstream reconcile, reconcile_err;
  EXPECT_EQ(RunAuditReconcile({trail_, trail_ + "#CL"}, reconcile, reconcile_err), 2);
  EXPECT_THAT(reconcile.str() + reconcile_err.str(), HasSubstr("both trails are gateway CL's"));

  // The queryable columns hold copies of the record's fields.
  std::unique_ptr<PgConnection> conn = Connect();
  ASSERT_NE(conn, nullptr);
  absl::StatusOr<PgResult> rows = conn->Exec(
      "SELECT count(*), min(writer), max(agreement_id) FROM pasarela_audit_entry WHERE kind = 1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->Get(0, 0), "10");
  EXPECT_EQ(rows->Get(0, 1), "replica-1");
  EXPECT_EQ(rows->Get(0, 2), "ar-cl-identity-2024");

  // A second run continues the chain.
  sink = OpenOrDie(Options());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->AppendAndWait(MakeRecord(11)).ok());
  EXPECT_EQ(sink->stats().last_sequence, 11u);
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(Verify(&out, {"--strict"}), 0) << out;
  EXPECT_THAT(out, HasSubstr("OK: 11 records"));
}

TEST_F(PostgresSinkTest, ConninfoFileOthersCanReadIsRefused) {
  ASSERT_EQ(::chmod(conninfo_file_.c_str(), 0644), 0);
  absl::StatusOr<std::unique_ptr<PostgresAuditSink>> sink = PostgresAuditSink::Open(Options());
  ASSERT_FALSE(sink.ok());
  EXPECT_THAT(std::string(sink.status().message()), HasSubstr("chmod 600"));
  std::string out;
  EXPECT_EQ(Verify(&out), 1);
  EXPECT_THAT(out, HasSubstr("chmod 600"));
}

TEST_F(PostgresSinkTest, TwoReplicasWriteOneChain) {
  PostgresSinkOptions o1 = Options("replica-1"), o2 = Options("replica-2");
  o1.checkpoint_every_records = o2.checkpoint_every_records = 25;
  std::unique_ptr<PostgresAuditSink> a = OpenOrDie(o1);
  std::unique_ptr<PostgresAuditSink> b = OpenOrDie(o2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kThreads = 8, kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PostgresAuditSink* sink = t % 2 == 0 ? a.get() : b.get();
      for (int i = 0; i < kPerThread; ++i) {
        if (!sink->AppendAndWait(MakeRecord(t * 1000 + i)).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(a->Close().ok());
  ASSERT_TRUE(b->Close().ok());
  EXPECT_GT(a->stats().batches_written, 0u);
  EXPECT_LT(a->stats().batches_written + b->stats().batches_written,
            uint64_t{kThreads * kPerThread});  // group commit gathered records

  std::string out;
  EXPECT_EQ(Verify(&out, {"--strict"}), 0) << out;
  EXPECT_THAT(out, HasSubstr(absl::StrCat("OK: ", kThreads * kPerThread, " records")));
  std::unique_ptr<PgConnection> conn = Connect();
  absl::StatusOr<PgResult> writers =
      conn->Exec("SELECT count(DISTINCT writer) FROM pasarela_audit_entry WHERE kind = 1");
  ASSERT_TRUE(writers.ok());
  EXPECT_EQ(writers->Get(0, 0), "2");
}

TEST_F(PostgresSinkTest, TamperedAndDeletedRowsAreFound) {
  std::unique_ptr<PostgresAuditSink> sink = OpenOrDie(Options());
  ASSERT_NE(sink, nullptr);
  for (int n = 1; n <= 6; ++n) ASSERT_TRUE(sink->AppendAndWait(MakeRecord(n)).ok());
  ASSERT_TRUE(sink->Close().ok());
  std::string out;
  ASSERT_EQ(Verify(&out), 0) << out;

  // An administrator with UPDATE rights rewrites record 3's purpose.
  std::unique_ptr<PgConnection> conn = Connect();
  absl::StatusOr<PgResult> row =
      conn->Exec("SELECT payload FROM pasarela_audit_entry WHERE kind = 1 AND sequence = 3");
  ASSERT_TRUE(row.ok()) << row.status();
  v1::AuditRecord record;
  ASSERT_TRUE(record.ParseFromString(row->GetBytes(0, 0)));
  record.set_purpose("statistics");
  ASSERT_TRUE(conn->Run("UPDATE pasarela_audit_entry SET payload = $1, purpose = 'statistics' "
                        "WHERE kind = 1 AND sequence = 3",
                        {PgParam::Bytes(record.SerializeAsString())})
                  .ok());
  EXPECT_EQ(Verify(&out), 1);
  EXPECT_THAT(out, HasSubstr("error: postgresql CL record 4 (position 4): hash chain broken: "
                             "previous_hash does not match record 3"));

  // Deleting the last rows (the final checkpoint and record 6) leaves the chain row behind.
  ASSERT_TRUE(conn->Run("UPDATE pasarela_audit_entry SET payload = $1 WHERE kind = 1 AND "
                        "sequence = 3",
                        {PgParam::Bytes(row->GetBytes(0, 0))})
                  .ok());
  ASSERT_EQ(Verify(&out), 0) << out;
  ASSERT_TRUE(conn->Run("DELETE FROM pasarela_audit_entry WHERE position >= 6").ok());
  EXPECT_EQ(Verify(&out), 1);
  EXPECT_THAT(out, HasSubstr("pasarela_audit_chain says the chain has 7 entries, but the last "
                             "entry in pasarela_audit_entry is at position 5 (entries deleted)"));
}

TEST_F(PostgresSinkTest, StoppedDatabaseRefusesAppendsUntilItIsBack) {
  std::unique_ptr<PostgresAuditSink> sink = OpenOrDie(Options());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->AppendAndWait(MakeRecord(1)).ok());

  ASSERT_TRUE(server_->Stop().ok());
  absl::Status refused = sink->AppendAndWait(MakeRecord(2));
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("audit trail not writable: postgresql (" +
                                                        conninfo_file_ + ") gateway CL"));
  EXPECT_FALSE(sink->healthy());
  // Later appends are refused at once while the database is away.
  absl::Status again = sink->AppendAndWait(MakeRecord(3));
  EXPECT_EQ(again.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(again.message()), HasSubstr("audit trail not writable"));
  EXPECT_GE(sink->stats().refused_appends, 2u);

  ASSERT_TRUE(server_->Restart().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!sink->healthy() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_TRUE(sink->healthy());
  ASSERT_TRUE(sink->AppendAndWait(MakeRecord(4)).ok());
  EXPECT_EQ(sink->stats().last_sequence, 2u);  // the refused records are not in the chain
  ASSERT_TRUE(sink->Close().ok());
  std::string out;
  EXPECT_EQ(Verify(&out, {"--strict"}), 0) << out;
  EXPECT_THAT(out, HasSubstr("OK: 2 records"));
}

}  // namespace
}  // namespace pasarela::audit
