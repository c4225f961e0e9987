#include "gateway/audit/audit_tools.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

using ::testing::HasSubstr;
using testing::KeyAndCert;
using testing::MakeRecord;
using ::testing::Not;
using testing::TempDir;
using testing::TestPki;

TEST(SubjectIdTest, Normalises) {
  EXPECT_EQ(*NormaliseSubjectId("cl-run: 12.531.909-2"), "CL-RUN:12531909-2");
  EXPECT_EQ(*NormaliseSubjectId("CL-RUN:125319092"), "CL-RUN:12531909-2");
  EXPECT_EQ(*NormaliseSubjectId("uy-ci:1.234.567-2"), "UY-CI:1234567-2");
  EXPECT_EQ(*NormaliseSubjectId(" br-cpf :390.533.447-05 "), "BR-CPF:39053344705");
  EXPECT_EQ(*NormaliseSubjectId("mx-curp:boxw310820hnerxn09"), "MX-CURP:BOXW310820HNERXN09");
  EXPECT_FALSE(NormaliseSubjectId("125319092").ok());
  EXPECT_FALSE(NormaliseSubjectId(":125319092").ok());
  EXPECT_FALSE(NormaliseSubjectId("CL-RUN: .-").ok());
}

TEST(SubjectIdTest, PseudonymIsHmacOfTheNormalisedId) {
  // RFC 4231-style known answer for the HMAC itself.
  EXPECT_EQ(
      absl::BytesToHexString(HmacSha256("key", "The quick brown fox jumps over the lazy dog")),
      "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  const std::string key = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(SubjectPseudonym(key, "cl-run:12.531.909-2"), HmacSha256(key, "CL-RUN:12531909-2"));
  EXPECT_EQ(SubjectPseudonym(key, "CL-RUN:12531909-2"), SubjectPseudonym(key, "cl-run:125319092"));
  EXPECT_NE(SubjectPseudonym(key, "CL-RUN:12531909-2"),
            SubjectPseudonym("other key 123456", "CL-RUN:12531909-2"));
  EXPECT_EQ(SubjectPseudonym(key, "no scheme"), "");
}

class AuditToolsTest : public ::testing::Test {
 protected:
  AuditToolsTest() : pki_(tmp_.path()) {
    pki_.MakeCa("CA");
    ar_key_ = pki_.MakeGateway("CA", "AR", "gateway-AR");
    cl_key_ = pki_.MakeGateway("CA", "CL", "gateway-CL");
  }

  void Write(const std::string& dir, const std::string& gateway, const KeyAndCert& key,
             const std::vector<v1::AuditRecord>& records) {
    ASSERT_TRUE(testing::WriteTrail(dir, gateway, key, records).ok());
  }

  // The consumer side (AR) and provider side (CL) records of one exchange.
  static std::pair<v1::AuditRecord, v1::AuditRecord> Exchange(int n) {
    v1::AuditRecord consumer = MakeRecord(n);
    consumer.set_gateway("AR");
    v1::AuditRecord provider = consumer;
    provider.set_gateway("CL");
    provider.set_direction(v1::PROVIDER_SIDE);
    return {consumer, provider};
  }

  // Writes AR's and CL's trails and runs reconcile over them.
  int Reconcile(const std::vector<v1::AuditRecord>& ar, const std::vector<v1::AuditRecord>& cl,
                std::string* out) {
    Write(tmp_.Sub("ar"), "AR", ar_key_, ar);
    Write(tmp_.Sub("cl"), "CL", cl_key_, cl);
    return Run(RunAuditReconcile, {tmp_.Sub("ar"), tmp_.Sub("cl")}, out);
  }

  int Run(int (*command)(const std::vector<std::string>&, std::ostream&, std::ostream&),
          const std::vector<std::string>& args, std::string* out) {
    std::ostringstream o, e;
    int code = command(args, o, e);
    *out = o.str() + e.str();
    return code;
  }

  // Writes AR's records of `count` exchanges about one person into small segments.
  void WriteSegments(const std::string& dir, int count) {
    std::vector<v1::AuditRecord> records;
    for (int n = 1; n <= count; ++n) {
      records.push_back(MakeRecord(n));
      records.back().set_subject_pseudonym(SubjectPseudonym(kPseudonymKey, "CL-RUN:12531909-2"));
    }
    ASSERT_TRUE(testing::WriteTrail(dir, "AR", ar_key_, records, 4096).ok());
  }

  // Both sides' records of exchanges 1 to `count`, recorded alike.
  static void MatchingExchanges(int count, std::vector<v1::AuditRecord>* ar,
                                std::vector<v1::AuditRecord>* cl) {
    for (int n = 1; n <= count; ++n) {
      auto [consumer, provider] = Exchange(n);
      ar->push_back(consumer);
      cl->push_back(provider);
    }
  }

  std::string WriteKeyFile() {
    const std::string key_file = tmp_.Sub("pseudonym.key");
    testing::WriteFileOrDie(key_file, std::string(kPseudonymKey) + "\n");
    EXPECT_EQ(::chmod(key_file.c_str(), 0600), 0);
    return key_file;
  }

  static constexpr char kPseudonymKey[] = "0123456789abcdef0123456789abcdef";
  TempDir tmp_;
  TestPki pki_;
  KeyAndCert ar_key_, cl_key_;
};

// An empty trail, or one with no exchange, confirms nothing: what AR forwarded is expected there
// unless that trail is known to be a third country's.
TEST_F(AuditToolsTest, ReconcileAgainstATrailWithoutExchangesExpectsWhatWasForwarded) {
  std::vector<v1::AuditRecord> ar;
  for (int n = 1; n <= 3; ++n) ar.push_back(Exchange(n).first);
  v1::AuditRecord denied = Exchange(4).first;
  denied.set_decision(v1::DENY);
  ar.push_back(denied);
  Write(tmp_.Sub("ar"), "AR", ar_key_, ar);
  Write(tmp_.Sub("empty"), "CL", cl_key_, {});

  std::string out;
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("ar"), tmp_.Sub("empty")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("only in A: exchange ex-3: "));
  EXPECT_THAT(out, Not(HasSubstr("ex-4")));
  EXPECT_THAT(out, HasSubstr("warning: B " + tmp_.Sub("empty") + " holds no exchange record\n"));
  EXPECT_THAT(out, HasSubstr("audit reconcile: FAILED: 3 only in A, 0 only in B, 0 differ, 0 "
                             "duplicated, 0 match (A AR, B ?); B holds no exchange record\n"));
  // The same the other way round, and with nothing on either side.
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("empty"), tmp_.Sub("ar")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("0 only in A, 3 only in B"));
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("empty"), tmp_.Sub("empty")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("; A holds no exchange record; B holds no exchange record\n"));

  // A trail of policy reloads names its gateway: a third country's expects nothing of AR's.
  v1::AuditRecord reload;
  reload.set_direction(v1::POLICY_RELOAD);
  Write(tmp_.Sub("br"), "BR", cl_key_, {reload});
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("ar"), tmp_.Sub("br")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("0 only in A, 0 only in B, 0 differ, 0 duplicated, 0 match (A AR, B "
                             "BR); B holds no exchange record\n"));
  Write(tmp_.Sub("cl"), "CL", cl_key_, {reload});
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("ar"), tmp_.Sub("cl")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("3 only in A, 0 only in B"));
}

TEST_F(AuditToolsTest, ReconcileRefusesTwoTrailsOfOneGateway) {
  Write(tmp_.Sub("ar"), "AR", ar_key_, {Exchange(1).first});
  std::string out;
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("ar"), tmp_.Sub("ar")}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("audit reconcile: both trails are gateway AR's: reconcile compares "
                             "two gateways' trails\n"));
}

// Damage means records may be missing, so a comparison that found nothing else still fails.
TEST_F(AuditToolsTest, ReconcileFailsOnADamagedTrail) {
  std::vector<v1::AuditRecord> ar, cl;
  MatchingExchanges(3, &ar, &cl);
  Write(tmp_.Sub("ar"), "AR", ar_key_, ar);
  Write(tmp_.Sub("cl"), "CL", cl_key_, cl);
  // Damage the closing checkpoint: every record is still there and matches.
  const std::string segment = tmp_.Sub("cl/segment-000001.log");
  std::vector<testing::RawEntry> entries = testing::ReadEntries(segment);
  std::string bytes = testing::ReadFileOrDie(segment);
  bytes[entries[testing::IndexOfCheckpoint(entries, 3)].offset] ^= 0x01;
  testing::WriteFileOrDie(segment, bytes);

  std::string out;
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("ar"), tmp_.Sub("cl")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("warning: B segment-000001.log offset "));
  EXPECT_THAT(out, HasSubstr("audit reconcile: FAILED: 0 only in A, 0 only in B, 0 differ, 0 "
                             "duplicated, 3 match (A AR, B CL); B's trail is damaged (1 warning), "
                             "so records may be missing from it\n"));
}

// A segment missing from the middle is damage to every command that reads the trail, not only to
// verify: the answer leaves out that segment's records.
TEST_F(AuditToolsTest, MissingMiddleSegmentIsReportedByEveryCommand) {
  WriteSegments(tmp_.Sub("trail"), 40);
  ASSERT_TRUE(std::filesystem::exists(tmp_.Sub("trail/segment-000003.log")));
  const std::string key_file = WriteKeyFile();
  const std::vector<std::string> subject = {tmp_.Sub("trail"), "--id", "CL-RUN:12531909-2",
                                            "--key-file", key_file};
  std::string out;
  ASSERT_EQ(Run(RunAuditSubject, subject, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit subject: 40 exchanges about CL-RUN:12531909-2\n"));

  std::filesystem::remove(tmp_.Sub("trail/segment-000002.log"));
  const std::string missing =
      "warning: segment-000002.log missing: the trail goes from segment-000001.log to "
      "segment-000003.log\n";
  EXPECT_EQ(Run(RunAuditSubject, subject, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(missing));
  EXPECT_THAT(out, HasSubstr(" exchanges about CL-RUN:12531909-2; the trail is damaged (1 "
                             "warning), so this list may be incomplete\n"));
  EXPECT_EQ(Run(RunAuditShow, {tmp_.Sub("trail"), "--exchange", "ex-1"}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(missing));
  EXPECT_THAT(out, HasSubstr("\"exchange_id\":\"ex-1\""));
  EXPECT_EQ(Run(RunAuditCommand, {"report", tmp_.Sub("trail")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("warning: " + tmp_.Sub("trail") + ": segment-000002.log missing"));
  EXPECT_THAT(out, HasSubstr("Incomplete: 1 damaged or missing part of a trail skipped"));
  Write(tmp_.Sub("cl"), "CL", cl_key_, {Exchange(1).second});
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("trail"), tmp_.Sub("cl")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("warning: A segment-000002.log missing: "));
}

// A record framed as a checkpoint is hidden from a reader that skips checkpoints unread: every
// command names it as damage instead of answering without the record.
TEST_F(AuditToolsTest, ARecordReframedAsACheckpointIsDamageToEveryCommand) {
  WriteSegments(tmp_.Sub("trail"), 5);
  const std::string segment = tmp_.Sub("trail/segment-000001.log");
  std::vector<testing::RawEntry> entries = testing::ReadEntries(segment);
  const size_t third = testing::IndexOfRecord(entries, 3);
  entries[third].type = EntryType::kCheckpoint;
  testing::WriteFileOrDie(segment, testing::Frame(entries));
  const std::string damaged = absl::StrCat("segment-000001.log offset ", entries[third].offset,
                                           ": checkpoint does not parse");
  const std::string key_file = WriteKeyFile();
  std::string out;
  EXPECT_EQ(Run(RunAuditSubject,
                {tmp_.Sub("trail"), "--id", "CL-RUN:12531909-2", "--key-file", key_file}, &out),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("warning: " + damaged + "\n"));
  EXPECT_THAT(out, HasSubstr("audit subject: 4 exchanges about CL-RUN:12531909-2; the trail is "
                             "damaged (1 warning), so this list may be incomplete\n"));
  EXPECT_EQ(Run(RunAuditCommand, {"report", tmp_.Sub("trail")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(damaged));
  EXPECT_THAT(out, HasSubstr("Incomplete: 1 damaged or missing part of a trail skipped"));
  EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail")}, &out), 1) << out;
  // The checkpoints the writer wrote are no damage.
  WriteSegments(tmp_.Sub("intact"), 5);
  EXPECT_EQ(Run(RunAuditCommand, {"report", tmp_.Sub("intact")}, &out), 0) << out;
  EXPECT_THAT(out, Not(HasSubstr("does not parse")));
}

// The format allows six or more digits; the commands read each segment under its own name.
TEST_F(AuditToolsTest, SegmentsAreReadUnderTheNamesOnDisk) {
  WriteSegments(tmp_.Sub("trail"), 40);
  ASSERT_TRUE(std::filesystem::exists(tmp_.Sub("trail/segment-000003.log")));
  std::filesystem::rename(tmp_.Sub("trail/segment-000001.log"),
                          tmp_.Sub("trail/segment-0000001.log"));
  const std::vector<std::string> subject = {tmp_.Sub("trail"), "--id", "CL-RUN:12531909-2",
                                            "--key-file", WriteKeyFile()};
  std::string out;
  EXPECT_EQ(Run(RunAuditSubject, subject, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit subject: 40 exchanges about CL-RUN:12531909-2\n"));
  EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail")}, &out), 0) << out;

  // Two files of one number: either could be the trail's, so neither is chosen.
  std::filesystem::copy_file(tmp_.Sub("trail/segment-000003.log"),
                             tmp_.Sub("trail/segment-0000003.log"));
  EXPECT_EQ(Run(RunAuditSubject, subject, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("audit subject: FAILED: " + tmp_.Sub("trail/") +
                             "segment-0000003.log and segment-000003.log are both segment 3"));
  EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("segment-0000003.log and segment-000003.log are both segment 3"));
}

// A segment renamed to a name without a segment number would otherwise vanish from every
// command's view, as if its records had never been written.
TEST_F(AuditToolsTest, AFileNamedLikeASegmentWithoutANumberIsNamed) {
  WriteSegments(tmp_.Sub("trail"), 40);
  const std::vector<std::string> subject = {tmp_.Sub("trail"), "--id", "CL-RUN:12531909-2",
                                            "--key-file", WriteKeyFile()};
  std::string out;
  for (const char* name : {"segment-000000.log", "segment-12.log",
                           "segment-99999999999999999999.log", "segment-00001x.log"}) {
    SCOPED_TRACE(name);
    std::filesystem::rename(tmp_.Sub("trail/segment-000002.log"), tmp_.Sub("trail/") + name);
    EXPECT_EQ(Run(RunAuditSubject, subject, &out), 1) << out;
    EXPECT_THAT(out, HasSubstr(tmp_.Sub("trail/") + name +
                               " is named like a segment but its number is not one"));
    EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail")}, &out), 1) << out;
    EXPECT_THAT(out, HasSubstr(name + std::string(" is named like a segment")));
    std::filesystem::rename(tmp_.Sub("trail/") + name, tmp_.Sub("trail/segment-000002.log"));
  }
  // Other files beside the segments are no concern of the trail.
  testing::WriteFileOrDie(tmp_.Sub("trail/segment-000002.log.bak"), "x");
  testing::WriteFileOrDie(tmp_.Sub("trail/notes.log"), "x");
  EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail")}, &out), 0) << out;
}

TEST_F(AuditToolsTest, SubjectOptionsAndKeyMistakes) {
  WriteSegments(tmp_.Sub("trail"), 2);
  const std::string key_file = WriteKeyFile();
  std::string out;
  EXPECT_EQ(Run(RunAuditSubject,
                {tmp_.Sub("trail"), "--id", "CL-RUN:1", "--id", "CL-RUN:2", "--key-file", key_file},
                &out),
            2);
  EXPECT_THAT(out, HasSubstr("audit subject: --id given twice"));
  EXPECT_EQ(Run(RunAuditSubject,
                {tmp_.Sub("trail"), "--id=CL-RUN:1", "--key-file", key_file, "--key-file=x"}, &out),
            2);
  EXPECT_THAT(out, HasSubstr("audit subject: --key-file given twice"));
  EXPECT_EQ(
      Run(RunAuditShow, {tmp_.Sub("trail"), "--exchange", "ex-1", "--exchange", "ex-2"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit show: --exchange given twice"));

  // A directory is not a key, whatever its mode.
  EXPECT_EQ(Run(RunAuditSubject, {tmp_.Sub("trail"), "--id", "CL-RUN:1", "--key-file", tmp_.path()},
                &out),
            1);
  EXPECT_THAT(out, HasSubstr("pseudonym key " + tmp_.path() + " is a directory"));
  EXPECT_THAT(out, Not(HasSubstr("chmod")));

  // Another key matches nothing; the command says what that may mean.
  const std::string other = tmp_.Sub("other.key");
  testing::WriteFileOrDie(other, "fedcba9876543210fedcba9876543210\n");
  ASSERT_EQ(::chmod(other.c_str(), 0600), 0);
  EXPECT_EQ(Run(RunAuditSubject,
                {tmp_.Sub("trail"), "--id", "CL-RUN:12531909-2", "--key-file", other}, &out),
            0);
  EXPECT_THAT(out, HasSubstr("audit subject: 0 exchanges about CL-RUN:12531909-2 (2 records name "
                             "a subject; is this the gateway's pseudonym key?)\n"));
}

TEST_F(AuditToolsTest, ReconcileMatchingTrails) {
  std::vector<v1::AuditRecord> ar, cl;
  MatchingExchanges(5, &ar, &cl);
  // Denied by AR itself: never reached CL, and that is not a discrepancy.
  v1::AuditRecord denied = Exchange(6).first;
  denied.set_decision(v1::DENY);
  denied.set_grpc_status_code(7);
  ar.push_back(denied);
  // A policy reload has no counterpart.
  v1::AuditRecord reload;
  reload.set_direction(v1::POLICY_RELOAD);
  cl.push_back(reload);

  std::string out;
  EXPECT_EQ(Reconcile(ar, cl, &out), 0) << out;
  EXPECT_EQ(out,
            "audit reconcile: OK: 5 exchanges match (A AR, B CL), 1 denied before forwarding\n");
}

TEST_F(AuditToolsTest, ReconcileOfOneExchangeSaysSoInTheSingular) {
  std::vector<v1::AuditRecord> ar, cl;
  MatchingExchanges(1, &ar, &cl);
  std::string out;
  EXPECT_EQ(Reconcile(ar, cl, &out), 0) << out;
  EXPECT_EQ(out,
            "audit reconcile: OK: 1 exchange matches (A AR, B CL), 0 denied before forwarding\n");
}

TEST_F(AuditToolsTest, ReconcileReportsMissingAndDifferentExchanges) {
  std::vector<v1::AuditRecord> ar, cl;
  for (int n = 1; n <= 5; ++n) {
    auto [consumer, provider] = Exchange(n);
    if (n == 2) provider.set_response_digest(Sha256("something else"));
    if (n == 3) provider.set_decision(v1::DENY);
    ar.push_back(consumer);
    if (n != 4) cl.push_back(provider);
  }
  // CL recorded an exchange from AR that AR has no record of.
  cl.push_back(Exchange(9).second);

  std::string out;
  EXPECT_EQ(Reconcile(ar, cl, &out), 1);
  EXPECT_THAT(out, HasSubstr("differs: exchange ex-2: response_digest (A "));
  EXPECT_THAT(out, HasSubstr("differs: exchange ex-3: decision (A ALLOW, B DENY)"));
  EXPECT_THAT(out, HasSubstr("only in A: exchange ex-4: "));
  EXPECT_THAT(out, HasSubstr("only in B: exchange ex-9: "));
  EXPECT_THAT(out, HasSubstr("audit reconcile: FAILED: 1 only in A, 1 only in B, 2 differ, 0 "
                             "duplicated, 2 match (A AR, B CL)\n"));
  EXPECT_EQ(Run(RunAuditReconcile, {tmp_.Sub("ar")}, &out), 2);
}

// A call whose caller's deadline passed: the consumer side says DEADLINE_EXCEEDED, the provider
// side either that or CANCELLED (its caller cancelled the call), and both agree nobody was
// answered in time. Any other pair of statuses is a difference.
TEST_F(AuditToolsTest, ReconcileTakesADeadlineAndACancellationForOneEnd) {
  constexpr int kOk = 0, kCancelled = 1, kDeadlineExceeded = 4, kUnavailable = 14;
  const std::vector<std::pair<int, int>> statuses = {{kDeadlineExceeded, kCancelled},
                                                     {kDeadlineExceeded, kDeadlineExceeded},
                                                     {kCancelled, kDeadlineExceeded},
                                                     {kDeadlineExceeded, kOk},
                                                     {kCancelled, kUnavailable}};
  std::vector<v1::AuditRecord> ar, cl;
  for (size_t i = 0; i < statuses.size(); ++i) {
    auto [consumer, provider] = Exchange(static_cast<int>(i) + 1);
    consumer.set_grpc_status_code(statuses[i].first);
    provider.set_grpc_status_code(statuses[i].second);
    ar.push_back(consumer);
    cl.push_back(provider);
  }
  std::string out;
  EXPECT_EQ(Reconcile(ar, cl, &out), 1);
  EXPECT_THAT(out, HasSubstr("differs: exchange ex-4: status (A 4 DEADLINE_EXCEEDED, B 0 OK)"));
  EXPECT_THAT(out, HasSubstr("differs: exchange ex-5: status (A 1 CANCELLED, B 14 UNAVAILABLE)"));
  EXPECT_THAT(out, HasSubstr("2 differ, 0 duplicated, 3 match"));
}

TEST_F(AuditToolsTest, SubjectSaysWhichCategoriesCrossedAndHow) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  const std::string key_file = tmp_.Sub("pseudonym.key");
  testing::WriteFileOrDie(key_file, key + "\n");
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
  v1::AuditRecord r = MakeRecord(1);
  r.set_subject_pseudonym(SubjectPseudonym(key, "UY-CI:1234567-2"));
  r.mutable_time()->set_seconds(1714564800);
  r.clear_classification();
  auto add = [&r](const char* category, const char* path, const char* treatment, bool request) {
    testing::AddClassified(&r, category, path, treatment, request);
  };
  add("personal_identifier", "identifier.value", "", true);  // the request: not a disclosure
  add("personal", "summary.given_names", "allow", false);
  add("health", "summary.problems[0].note", "allow", false);
  add("personal_identifier", "summary.problems[0].note", "mask", false);
  add("genetic", "summary.notes", "drop", false);
  add("biometric", "summary.photo", "redact", false);
  Write(tmp_.Sub("trail"), "UY", ar_key_, {r});

  std::string out;
  EXPECT_EQ(Run(RunAuditSubject,
                {tmp_.Sub("trail"), "--id", "UY-CI:1.234.567-2", "--key-file", key_file}, &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("\tALLOW\tpersonal,health; masked: personal_identifier\tex-1\n"));
}

TEST_F(AuditToolsTest, ShowPrintsEveryRecordOfOneExchange) {
  std::vector<v1::AuditRecord> records;
  for (int n = 1; n <= 3; ++n) records.push_back(MakeRecord(n));
  records.push_back(MakeRecord(2));  // a second record of ex-2 (a retry, or the other side)
  Write(tmp_.Sub("trail"), "AR", ar_key_, records);
  std::string out;
  EXPECT_EQ(Run(RunAuditShow, {tmp_.Sub("trail"), "--exchange", "ex-2"}, &out), 0) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  EXPECT_THAT(out, HasSubstr("\"exchange_id\":\"ex-2\""));
  EXPECT_THAT(out, HasSubstr("\"classification\":[{\"category\":\"personal_identifier\","
                             "\"field_path\":\"person.run\",\"source\":\"DECLARED\"}]"));
  EXPECT_THAT(out, Not(HasSubstr("ex-1")));
  EXPECT_EQ(Run(RunAuditShow, {tmp_.Sub("trail"), "--exchange", "ex-7"}, &out), 1);
  EXPECT_EQ(Run(RunAuditShow, {tmp_.Sub("trail")}, &out), 2);
}

// A time no gateway writes (protobuf's JSON printer refuses it) must not make the record vanish
// from show's answer, and verify names it.
TEST_F(AuditToolsTest, ARecordWithATimeOutOfRangeIsShownAndNamed) {
  std::vector<v1::AuditRecord> records = {MakeRecord(1), MakeRecord(2), MakeRecord(3)};
  records[1].mutable_time()->set_seconds(253402300800);  // 10000-01-01T00:00:00Z
  records[2].mutable_time()->set_nanos(-1);
  Write(tmp_.Sub("trail"), "AR", ar_key_, records);
  std::string out;
  EXPECT_EQ(Run(RunAuditShow, {tmp_.Sub("trail"), "--exchange", "ex-2"}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("\"exchange_id\":\"ex-2\""));
  EXPECT_THAT(out, HasSubstr(": record 2's time is out of range (seconds 253402300800, nanos 0); "
                             "shown without it\n"));
  EXPECT_THAT(out, Not(HasSubstr("libprotobuf")));
  EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail")}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("record 2 (offset "));
  EXPECT_THAT(out, HasSubstr("): time out of range (seconds 253402300800, nanos 0): a gateway "
                             "writes times of the years 1 to 9999"));
  EXPECT_THAT(out, HasSubstr("): time out of range (seconds 0, nanos -1)"));
  // The id asked for is echoed escaped, as the trail's values are.
  EXPECT_EQ(Run(RunAuditShow, {tmp_.Sub("trail"), "--exchange", "ex-9\x1b[31m"}, &out), 1);
  EXPECT_THAT(out, HasSubstr("no record of exchange ex-9\\x1b[31m in "));
  EXPECT_THAT(out, Not(HasSubstr("\x1b")));
}

TEST_F(AuditToolsTest, SubjectRowsKeepTheirColumnsWhateverTheValues) {
  const std::string key_file = WriteKeyFile();
  std::vector<v1::AuditRecord> records = {MakeRecord(1), MakeRecord(2)};
  for (v1::AuditRecord& r : records) {
    r.set_subject_pseudonym(SubjectPseudonym(kPseudonymKey, "CL-RUN:12531909-2"));
  }
  records[0].set_purpose("care\tAR/GOV/forged\nx");
  records[0].set_exchange_id("ex-1\x1b]0;title\x07");
  records[1].mutable_time()->set_seconds(-62135596801);  // one second before the year 1
  Write(tmp_.Sub("trail"), "AR", ar_key_, records);
  std::string out;
  Run(RunAuditSubject, {tmp_.Sub("trail"), "--id", "CL-RUN:12531909-2", "--key-file", key_file},
      &out);
  EXPECT_THAT(out, HasSubstr("\tcare\\tAR/GOV/forged\\nx\t"));
  EXPECT_THAT(out, HasSubstr("\tex-1\\x1b]0;title\\x07\n"));
  EXPECT_THAT(out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(out, HasSubstr("\n-\tAR/GOV/migraciones\t"));
  EXPECT_THAT(out, HasSubstr(": record 2's time is out of range (seconds -62135596801, nanos 0); "
                             "shown as -\n"));
  // Every row has the header's nine columns.
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "time\t") || absl::StrContains(line, "\tALLOW\t")) {
      EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 8) << line;
    }
  }
}

TEST_F(AuditToolsTest, SubjectListsThatPersonsExchanges) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  const std::string key_file = tmp_.Sub("pseudonym.key");
  testing::WriteFileOrDie(key_file, key + "\n");
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);

  std::vector<v1::AuditRecord> records;
  for (int n = 1; n <= 6; ++n) {
    v1::AuditRecord r = MakeRecord(n);
    r.set_subject_pseudonym(
        SubjectPseudonym(key, n % 2 == 0 ? "CL-RUN:12.531.909-2" : "CL-RUN:76.086.428-5"));
    r.mutable_time()->set_seconds(1714564800 + n);  // 2024-05-01T12:00:0nZ
    records.push_back(r);
  }
  Write(tmp_.Sub("trail"), "AR", ar_key_, records);

  std::string out;
  EXPECT_EQ(Run(RunAuditSubject,
                {tmp_.Sub("trail"), "--id", "cl-run:12531909-2", "--key-file", key_file}, &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("time\tconsumer\tprovider\tagreement\tpurpose\tmethod\tdecision\t"
                             "disclosed\texchange\n"));
  EXPECT_THAT(out, HasSubstr("2024-05-01T12:00:02.000Z\tAR/GOV/migraciones\tCL/GOV/registro-civil"
                             "\tar-cl-identity-2024\tborder-control\t"));
  EXPECT_THAT(out, HasSubstr("\tALLOW\tpersonal_identifier\tex-4\n"));
  EXPECT_THAT(out, Not(HasSubstr("\tex-3\n")));
  EXPECT_THAT(out, HasSubstr("audit subject: 3 exchanges about CL-RUN:12531909-2\n"));

  // A key file others can read is refused.
  ASSERT_EQ(::chmod(key_file.c_str(), 0644), 0);
  EXPECT_EQ(
      Run(RunAuditSubject, {tmp_.Sub("trail"), "--id", "CL-RUN:1", "--key-file", key_file}, &out),
      1);
  EXPECT_THAT(out, HasSubstr("chmod 600"));
  EXPECT_EQ(Run(RunAuditSubject, {tmp_.Sub("trail"), "--id", "CL-RUN:1"}, &out), 2);
  EXPECT_EQ(
      Run(RunAuditSubject, {tmp_.Sub("trail"), "--id", "nocolon", "--key-file", key_file}, &out),
      2);
}

TEST_F(AuditToolsTest, CommandDispatch) {
  std::string out;
  EXPECT_EQ(Run(RunAuditCommand, {}, &out), 2);
  EXPECT_EQ(Run(RunAuditCommand, {"frobnicate"}, &out), 2);
  EXPECT_EQ(Run(RunAuditCommand, {"help"}, &out), 0);
  Write(tmp_.Sub("trail"), "AR", ar_key_, {MakeRecord(1)});
  EXPECT_EQ(Run(RunAuditCommand, {"verify", tmp_.Sub("trail"), "--strict"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("audit verify: OK: 1 record in 1 segment, 1 checkpoint, 0 unsealed"));
}

// `pasarela audit` alone prints a summary of the commands: it names every option that each
// command's own usage names, so that it cannot fall behind when a command gains one.
TEST_F(AuditToolsTest, TheSummaryNamesEveryOptionOfEachCommand) {
  std::string summary;
  ASSERT_EQ(Run(RunAuditCommand, {}, &summary), 2);
  for (const std::string command : {"verify", "reconcile", "subject", "show", "report"}) {
    std::string usage;
    ASSERT_EQ(Run(RunAuditCommand, {command}, &usage), 2) << command;
    const std::string start = "pasarela audit " + command + " ";
    const size_t begin = summary.find(start);
    ASSERT_NE(begin, std::string::npos) << command << " is not in:\n" << summary;
    const size_t end = summary.find("pasarela audit ", begin + start.size());
    const std::string lines = summary.substr(begin, end == std::string::npos ? end : end - begin);
    int found = 0;
    for (size_t at = usage.find("--"); at != std::string::npos; at = usage.find("--", at + 2)) {
      size_t after = at + 2;
      while (after < usage.size() && (std::islower(static_cast<unsigned char>(usage[after])) ||
                                      (after > at + 2 && usage[after] == '-'))) {
        ++after;
      }
      if (after == at + 2) continue;
      const std::string option = usage.substr(at, after - at);
      ++found;
      EXPECT_THAT(lines, HasSubstr(option)) << command << "'s usage names " << option;
    }
    if (command == "verify" || command == "report") {
      EXPECT_GT(found, 2) << usage;
    }
  }
}

}  // namespace
}  // namespace pasarela::audit
