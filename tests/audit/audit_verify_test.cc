#include "gateway/audit/audit_verify.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/audit/timestamp.h"
#include "gateway/common/file.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/certificate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IndexOfCheckpoint;
using testing::IndexOfRecord;
using ::testing::IsEmpty;
using testing::KeyAndCert;
using testing::MakeRecord;
using ::testing::Not;
using testing::RawEntry;
using testing::Revocation;
using ::testing::StartsWith;
using testing::TempDir;
using testing::TestPki;

// The CRL of a PEM file, re-encoded as DER.
std::string CrlAsDer(const std::string& pem_file) {
  absl::StatusOr<std::string> pem = ReadFileToString(pem_file);
  if (!pem.ok()) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(
      PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr), &X509_CRL_free);
  if (crl == nullptr) return "";
  unsigned char* der = nullptr;
  const int size = i2d_X509_CRL(crl.get(), &der);
  if (size <= 0) return "";
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return bytes;
}

// A trail of 50 records with a checkpoint after every 10th, in one segment:
// r1..r10 c10 r11..r20 c20 ... r41..r50 c50.
class AuditVerifyTest : public ::testing::Test {
 protected:
  AuditVerifyTest() : pki_(tmp_.path()) {
    ca_ = pki_.MakeCa("CL-CA");
    other_ca_ = pki_.MakeCa("XX-CA");
    key_ = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-2024");
    dir_ = tmp_.Sub("trail");
    segment_ = dir_ + "/segment-000001.log";
  }

  void WriteTrail(const KeyAndCert& key, int records, int first = 1,
                  uint64_t max_segment_bytes = 64 << 20) {
    std::vector<v1::AuditRecord> trail;
    for (int i = first; i < first + records; ++i) trail.push_back(MakeRecord(i));
    WriteRecords("CL", key, trail, max_segment_bytes);
  }

  // Writes `records` as gateway `gateway`'s trail, a checkpoint after every tenth and at the end.
  void WriteRecords(const std::string& gateway, const KeyAndCert& key,
                    const std::vector<v1::AuditRecord>& records,
                    uint64_t max_segment_bytes = 64 << 20) {
    AuditLogOptions o;
    o.directory = dir_;
    o.gateway = gateway;
    o.signing_key_file = key.key_file;
    o.signing_cert_file = key.cert_file;
    o.checkpoint_every_records = 10;
    o.checkpoint_interval = absl::InfiniteDuration();
    o.max_segment_bytes = max_segment_bytes;
    auto log = AuditLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    for (const v1::AuditRecord& record : records) {
      ASSERT_TRUE((*log)->AppendAndWait(record).ok());
    }
    ASSERT_TRUE((*log)->Close().ok());
  }

  AuditVerifyReport Verify(std::vector<std::string> cas = {}, bool strict = false,
                           const std::string& path = "", std::vector<std::string> crls = {}) {
    AuditVerifyOptions options;
    options.ca_files = std::move(cas);
    options.crl_files = std::move(crls);
    options.strict = strict;
    auto verifier = AuditVerifier::Create(options);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    auto report = (*verifier)->Verify(path.empty() ? dir_ : path);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : AuditVerifyReport();
  }

  // Runs the command; returns its exit code and puts its output in *out.
  int Run(const std::vector<std::string>& args, std::string* out, std::string* err = nullptr) {
    std::ostringstream o, e;
    int code = RunAuditVerify(args, o, e);
    *out = o.str();
    if (err != nullptr) *err = e.str();
    return code;
  }

  std::string LastLine(const std::string& text) {
    std::string t = text;
    if (!t.empty() && t.back() == '\n') t.pop_back();
    return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
  }

  TempDir tmp_;
  TestPki pki_;
  std::string ca_, other_ca_;
  KeyAndCert key_;
  std::string dir_, segment_;
};

TEST_F(AuditVerifyTest, IntactTrailVerifies) {
  WriteTrail(key_, 50);
  AuditVerifyReport report = Verify({ca_}, /*strict=*/true);
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings, IsEmpty());
  EXPECT_EQ(report.Summary(),
            "audit verify: OK: 50 records in 1 segment, 5 checkpoints, 0 unsealed");

  std::string out;
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--strict"}, &out), 0);
  EXPECT_EQ(out, "audit verify: OK: 50 records in 1 segment, 5 checkpoints, 0 unsealed\n");
  // A single segment file verifies too.
  EXPECT_EQ(Run({segment_, "--ca=" + ca_}, &out), 0) << out;
}

// A gateway that stops before its first exchange leaves one empty segment; a trail emptied of its
// entries looks the same, so the verdict stands but says it cannot tell them apart.
TEST_F(AuditVerifyTest, ATrailWithNoEntryVerifiesWithAWarning) {
  WriteTrail(key_, 0);
  AuditVerifyReport report = Verify({ca_}, /*strict=*/true);
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings,
              ElementsAre(HasSubstr("the trail holds no entry: a gateway that carried no exchange "
                                    "leaves it so, and so does a trail emptied of its entries")));
  EXPECT_EQ(report.Summary(),
            "audit verify: OK: 0 records in 1 segment, 0 checkpoints, 0 unsealed");

  // The whole trail cut away: the same.
  WriteTrail(key_, 20);
  ASSERT_TRUE(Verify({ca_}).warnings.empty());
  ASSERT_EQ(::truncate(segment_.c_str(), 0), 0);
  EXPECT_THAT(Verify({ca_}, /*strict=*/true).warnings, ElementsAre(HasSubstr("holds no entry")));
}

TEST_F(AuditVerifyTest, EditedByteIsFoundAtItsRecord) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  const RawEntry& r23 = entries[IndexOfRecord(entries, 23)];
  std::string content = testing::ReadFileOrDie(segment_);
  content[r23.offset + 30] ^= 0x01;
  testing::WriteFileOrDie(segment_, content);

  AuditVerifyReport report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            absl::StrCat("segment-000001.log offset ", r23.offset,
                         " (entry after record 22): damaged entry: checksum mismatch; readable "
                         "again at offset ",
                         r23.offset + r23.size));
  EXPECT_EQ(report.problems.size(), 1u);
  std::string out;
  EXPECT_EQ(Run({dir_}, &out), 1);
  EXPECT_THAT(LastLine(out), StartsWith("audit verify: FAILED: 1 problem"));
}

TEST_F(AuditVerifyTest, EditedRecordWithRecomputedChecksumBreaksTheChain) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  const size_t i = IndexOfRecord(entries, 23);
  v1::AuditRecord r;
  ASSERT_TRUE(r.ParseFromString(entries[i].payload));
  r.set_purpose("border-contrul");  // same length, so offsets stay put
  entries[i].payload = r.SerializeAsString();
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            absl::StrCat("segment-000001.log record 24 (offset ", entries[i + 1].offset,
                         "): hash chain broken: previous_hash does not match record 23"));
}

TEST_F(AuditVerifyTest, EditedLastRecordBeforeACheckpointBreaksTheSeal) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  const size_t i = IndexOfRecord(entries, 40);
  v1::AuditRecord r;
  ASSERT_TRUE(r.ParseFromString(entries[i].payload));
  r.set_decision(v1::DENY);
  entries[i].payload = r.SerializeAsString();
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.problems.front(), StartsWith("segment-000001.log checkpoint after record 40"));
  EXPECT_THAT(report.problems.front(), HasSubstr("sealed hash does not match record 40"));
}

TEST_F(AuditVerifyTest, DeletedRecordIsNamed) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  entries.erase(entries.begin() + IndexOfRecord(entries, 12));
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify();
  ASSERT_FALSE(report.ok());
  const std::vector<RawEntry> after = testing::ReadEntries(segment_);
  const RawEntry& r13 = after[IndexOfRecord(after, 13)];
  EXPECT_EQ(report.problems.front(),
            absl::StrCat("segment-000001.log record 13 (offset ", r13.offset,
                         "): record 12 deleted or reordered: expected sequence 12, found 13"));
}

TEST_F(AuditVerifyTest, SwappedRecordsAreNamed) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  std::swap(entries[IndexOfRecord(entries, 33)], entries[IndexOfRecord(entries, 34)]);
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify();
  // Two problems, not a third about record 35: it follows 34, as it always did.
  ASSERT_EQ(report.problems.size(), 2u) << report.problems.back();
  EXPECT_THAT(report.problems[0], HasSubstr("record 34 (offset "));
  EXPECT_THAT(report.problems[0],
              HasSubstr("record 33 deleted or reordered: expected sequence 33, found 34"));
  EXPECT_THAT(report.problems[1],
              HasSubstr("record 33 repeated or reordered: expected sequence 35, found 33"));
  EXPECT_EQ(report.records, 50u);
}

TEST_F(AuditVerifyTest, RepeatedRecordIsOneProblem) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  const size_t r22 = IndexOfRecord(entries, 22);
  entries.insert(entries.begin() + r22 + 1, entries[r22]);
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify();
  ASSERT_EQ(report.problems.size(), 1u) << report.problems.back();
  EXPECT_THAT(report.problems[0],
              HasSubstr("record 22 repeated or reordered: expected sequence 23, found 22"));
}

TEST_F(AuditVerifyTest, EmptiedSegmentSaysHowManyRecordsAreMissing) {
  WriteTrail(key_, 80, 1, /*max_segment_bytes=*/4096);
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/segment-000003.log"));
  const std::string second = dir_ + "/segment-000002.log";
  uint64_t first_gone = 0, last_gone = 0;
  for (const RawEntry& e : testing::ReadEntries(second)) {
    v1::AuditRecord r;
    if (e.type == EntryType::kRecord && r.ParseFromString(e.payload)) {
      if (first_gone == 0) first_gone = r.sequence();
      last_gone = r.sequence();
    }
  }
  ASSERT_GT(last_gone, first_gone);
  testing::WriteFileOrDie(second, "");

  AuditVerifyReport report = Verify();
  ASSERT_EQ(report.problems.size(), 1u) << report.problems.back();
  EXPECT_THAT(report.problems[0],
              HasSubstr(absl::StrCat("segment-000003.log record ", last_gone + 1,
                                     " (offset 0): ", "records ", first_gone, " to ", last_gone,
                                     " (", last_gone - first_gone + 1,
                                     " records) deleted or reordered: expected sequence ",
                                     first_gone, ", found ", last_gone + 1)));
}

TEST_F(AuditVerifyTest, TruncationInsideAnEntryIsReported) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  const RawEntry& last = entries.back();
  std::string content = testing::ReadFileOrDie(segment_);
  testing::WriteFileOrDie(segment_, content.substr(0, last.offset + 20));

  AuditVerifyReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.problems.front(),
              StartsWith(absl::StrCat("segment-000001.log: truncated: last entry at offset ",
                                      last.offset, " is incomplete")));
}

TEST_F(AuditVerifyTest, TruncationAtAnEntryBoundaryLeavesRecordsUnsealed) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  entries.resize(IndexOfRecord(entries, 47) + 1);  // r48..r50 and c50 gone
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.unsealed, 7u);
  EXPECT_THAT(report.warnings,
              ::testing::Contains("7 records after the last checkpoint are unsealed (records 41 "
                                  "to 47)"));
  std::string out;
  EXPECT_EQ(Run({dir_}, &out), 0);
  EXPECT_EQ(LastLine(out), "audit verify: OK: 47 records in 1 segment, 4 checkpoints, 7 unsealed");
  EXPECT_EQ(Run({dir_, "--strict"}, &out), 1);
  EXPECT_THAT(LastLine(out), HasSubstr("unsealed (records 41 to 47)"));
}

TEST_F(AuditVerifyTest, CheckpointSignedByAnotherKeyIsForged) {
  WriteTrail(key_, 50);
  auto entries = testing::ReadEntries(segment_);
  const size_t i = IndexOfCheckpoint(entries, 20);
  v1::Checkpoint c;
  ASSERT_TRUE(c.ParseFromString(entries[i].payload));
  // Re-signed with a key that is not the certificate's.
  KeyAndCert forger = pki_.MakeLeaf("CL-CA", "forger");
  auto signer = CheckpointSigner::Load(forger.key_file, forger.cert_file);
  ASSERT_TRUE(signer.ok());
  v1::Checkpoint forged = c;
  ASSERT_TRUE((*signer)->Sign(&forged).ok());
  c.set_signature(forged.signature());
  entries[i].payload = c.SerializeAsString();
  testing::WriteFileOrDie(segment_, testing::Frame(entries));

  AuditVerifyReport report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            absl::StrCat("segment-000001.log checkpoint after record 20 (offset ",
                         entries[i].offset, "): signature does not verify"));
}

TEST_F(AuditVerifyTest, CheckpointCertificateFromAnotherCaFailsUnderCa) {
  // A certificate naming gateway CL, issued by a CA that is not CL's.
  KeyAndCert stranger = pki_.MakeGateway("XX-CA", "CL", "gateway-XX");
  WriteTrail(stranger, 15);
  // Without --ca the signatures verify against the certificates they carry.
  AuditVerifyReport plain = Verify();
  EXPECT_TRUE(plain.ok());
  EXPECT_THAT(plain.warnings, ::testing::Contains(HasSubstr("use --ca FILE")));

  AuditVerifyReport report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.problems.front(),
              StartsWith("segment-000001.log checkpoint after record 10 (offset "));
  EXPECT_THAT(report.problems.front(),
              HasSubstr("certificate /O=Pasarela test/CN=gateway-XX does not chain to a trusted "
                        "CA: unable to get local issuer certificate"));
  // The records are sealed, under a CA that was not given: not unsealed.
  EXPECT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.untrusted, 2u);
  EXPECT_EQ(report.unsealed, 0u);
  EXPECT_THAT(report.warnings, Not(::testing::Contains(HasSubstr("unsealed"))));
  EXPECT_THAT(report.Summary(),
              StartsWith("audit verify: FAILED: 2 problems (15 records in 1 segment, 0 "
                         "checkpoints, 2 signed under a CA not given (untrusted), 0 unsealed); "));
  EXPECT_TRUE(Verify({other_ca_}).ok());
  // Two CAs given without a country: either may vouch for any gateway's certificate, and a
  // warning says so.
  AuditVerifyReport both = Verify({ca_, other_ca_});
  EXPECT_TRUE(both.ok());
  EXPECT_THAT(both.warnings,
              ::testing::Contains(
                  "checkpoints verified under a certificate vouched for by --ca files given "
                  "without a country, any of which may vouch for any gateway's certificate: give "
                  "each CA with its country (--ca CC=FILE)"));
}

// `--ca CC=FILE` binds a CA to the gateway it may vouch for, as --peer-ca does for receipts: the
// certificate naming gateway CL that XX's CA issued does not seal CL's trail.
TEST_F(AuditVerifyTest, ACaGivenForACountryVouchesForThatCountrysGatewayAlone) {
  KeyAndCert stranger = pki_.MakeGateway("XX-CA", "CL", "gateway-CL-issued-by-XX");
  WriteTrail(stranger, 15);
  AuditVerifyReport report = Verify({"CL=" + ca_, "XX=" + other_ca_});
  ASSERT_EQ(report.problems.size(), 2u) << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.untrusted, 2u);
  EXPECT_THAT(report.problems.front(),
              HasSubstr("does not chain to a trusted CA: unable to get local issuer certificate; "
                        "it chains to the CA given for XX, which does not vouch for gateway CL's "
                        "certificates"));
  report = Verify({"XX=" + other_ca_});
  ASSERT_EQ(report.problems.size(), 2u) << ::testing::PrintToString(report.problems);
  EXPECT_THAT(report.problems.front(),
              HasSubstr("no --ca vouches for its certificate: CAs were given for gateway XX only, "
                        "none for gateway CL and none without a country; it chains to the CA "
                        "given for XX"));
  // CL's own CA, given for CL, vouches for CL's genuine certificate, without a warning.
  std::filesystem::remove_all(dir_);
  WriteTrail(key_, 15);
  report = Verify({"CL=" + ca_, "XX=" + other_ca_});
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  EXPECT_THAT(report.warnings, IsEmpty());
  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", "CL=" + ca_, "--ca=XX=" + other_ca_}, &out, &err), 0) << out << err;
  EXPECT_THAT(LastLine(out),
              StartsWith("audit verify: OK: 15 records in 1 segment, 2 checkpoints"));
  EXPECT_EQ(Run({dir_, "--ca", "cl=" + ca_}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--ca cl=" + ca_ + ": 'cl' is not a country code"));
}

// A country's CA issues its agencies' certificates too: a checkpoint re-signed with an agency's
// key chains to the CA and is still not the gateway's. Nor does a checkpoint of another gateway,
// under a CA also given, seal this trail's records.
TEST_F(AuditVerifyTest, OnlyTheTrailsOwnGatewayMaySealIt) {
  WriteTrail(key_, 15);
  const std::vector<RawEntry> written = testing::ReadEntries(segment_);
  // The last checkpoint: re-signing one changes its bytes, and so the link of the entry after it.
  const size_t i = IndexOfCheckpoint(written, 15);
  ASSERT_EQ(i + 1, written.size());
  auto resign = [&](const KeyAndCert& key, const std::string& gateway) {
    std::vector<RawEntry> entries = written;
    v1::Checkpoint c;
    EXPECT_TRUE(c.ParseFromString(entries[i].payload));
    c.set_gateway(gateway);
    auto signer = CheckpointSigner::Load(key.key_file, key.cert_file);
    EXPECT_TRUE(signer.ok()) << signer.status();
    EXPECT_TRUE((*signer)->Sign(&c).ok());
    entries[i].payload = c.SerializeAsString();
    testing::WriteFileOrDie(segment_, testing::Frame(entries));
  };
  const std::string where = absl::StrCat("segment-000001.log checkpoint after record 15 (offset ",
                                         written[i].offset, "): ");

  KeyAndCert agency = pki_.MakeLeaf("CL-CA", "registro-civil", testing::KeyType::kEcdsaP256,
                                    "urn:pasarela:CL:GOV:registro-civil");
  resign(agency, "CL");
  // The signature itself is good: only the CA says whose it is.
  EXPECT_TRUE(Verify().ok());
  AuditVerifyReport report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            where +
                "certificate /O=Pasarela test/CN=registro-civil is not gateway CL's: it names "
                "urn:pasarela:CL:GOV:registro-civil, not urn:pasarela:gateway:CL");
  EXPECT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.untrusted, 1u);

  KeyAndCert no_uri = pki_.MakeLeaf("CL-CA", "no-identity");
  resign(no_uri, "CL");
  report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.problems.front(), HasSubstr("is not gateway CL's: it names no URI, not "
                                                 "urn:pasarela:gateway:CL"));

  KeyAndCert other_gateway = pki_.MakeGateway("XX-CA", "XX", "gateway-XX-2024");
  resign(other_gateway, "XX");
  report = Verify({ca_, other_ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            where + "signed as gateway XX, but the records it seals are gateway CL's");
  EXPECT_EQ(report.problems.size(), 1u);

  // A checkpoint that names no gateway says so, rather than "signed as gateway , but".
  resign(key_, "");
  report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            where + "signed naming no gateway, but the records it seals are gateway CL's");
  resign(other_gateway, "XX");

  std::string out;
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--ca", other_ca_}, &out), 1);
  EXPECT_THAT(LastLine(out), HasSubstr("the records it seals are gateway CL's"));
}

TEST_F(AuditVerifyTest, TrailSignedUnderTwoSuccessiveKeysVerifiesAgainstTheCa) {
  KeyAndCert next = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-2025");
  WriteTrail(key_, 25, 1, /*max_segment_bytes=*/4096);
  WriteTrail(next, 25, 26, /*max_segment_bytes=*/4096);
  AuditVerifyReport report = Verify({ca_}, /*strict=*/true);
  EXPECT_TRUE(report.ok()) << report.problems.front();
  EXPECT_EQ(report.records, 50u);
  EXPECT_EQ(report.unsealed, 0u);
  // The two halves really carry different certificates.
  std::set<std::string> subjects;
  for (uint64_t n = 1; n <= report.segments; ++n) {
    for (const RawEntry& e : testing::ReadEntries(dir_ + "/" + SegmentFileName(n))) {
      v1::Checkpoint c;
      if (e.type == EntryType::kCheckpoint && c.ParseFromString(e.payload)) {
        subjects.insert(CertificateSubject(c.signer_certificate_pem()));
      }
    }
  }
  EXPECT_THAT(subjects, ElementsAre("/O=Pasarela test/CN=gateway-CL-2024",
                                    "/O=Pasarela test/CN=gateway-CL-2025"));
  std::string out;
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--strict"}, &out), 0) << out;
}

std::string SerialOf(const std::string& cert_file) {
  absl::StatusOr<Certificate> cert = Certificate::FromPemFile(cert_file);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return cert.ok() ? cert->SerialHex() : "";
}

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// After a key compromise the CA revokes the gateway's certificate; whoever holds the key can still
// seal records, and write any time into the checkpoint. So every checkpoint the revoked certificate
// signed fails, even one that says it was written before the revocation, and those its successor
// signed do not.
TEST_F(AuditVerifyTest, CheckpointsSignedByARevokedCertificateFailWhateverTheirTime) {
  KeyAndCert next = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-2025");
  WriteTrail(key_, 25, 1, /*max_segment_bytes=*/4096);
  WriteTrail(next, 25, 26, /*max_segment_bytes=*/4096);
  // Revoked an hour after every checkpoint's time.
  const absl::Time revoked_at =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())) + absl::Hours(1);
  const std::string crl = pki_.MakeCrl(
      "CL-CA", {Revocation{key_.cert_file, revoked_at, /*keyCompromise*/ 1}}, "cl.crl");

  // The checkpoints the revoked certificate signed, and where the first of them is.
  uint64_t signed_by_revoked = 0, signed_by_next = 0;
  std::string first_where;
  v1::Checkpoint first;
  for (uint64_t n = 1; std::filesystem::exists(dir_ + "/" + SegmentFileName(n)); ++n) {
    for (const RawEntry& e : testing::ReadEntries(dir_ + "/" + SegmentFileName(n))) {
      v1::Checkpoint c;
      if (e.type != EntryType::kCheckpoint || !c.ParseFromString(e.payload)) continue;
      if (CertificateSubject(c.signer_certificate_pem()) != "/O=Pasarela test/CN=gateway-CL-2024") {
        ++signed_by_next;
        continue;
      }
      if (signed_by_revoked++ == 0) {
        first = c;
        first_where = absl::StrCat(SegmentFileName(n), " checkpoint after record ", c.sequence(),
                                   " (offset ", e.offset, "): ");
      }
    }
  }
  ASSERT_GE(signed_by_revoked, 2u);
  ASSERT_GE(signed_by_next, 2u);
  ASSERT_LT(TimeOf(first.time()), revoked_at);

  AuditVerifyReport report = Verify({ca_}, /*strict=*/true, "", {crl});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.size(), signed_by_revoked);
  EXPECT_EQ(report.problems.front(),
            absl::StrCat(first_where, "signed by a certificate revoked on ", Utc(revoked_at),
                         " (/O=Pasarela test/CN=gateway-CL-2024, serial ", SerialOf(key_.cert_file),
                         ", reason keyCompromise, CRL ", crl, "); it says it was written at ",
                         Utc(TimeOf(first.time())),
                         ", but a checkpoint's time is written by its signer and cannot prove it "
                         "was signed before the revocation"));
  for (const std::string& problem : report.problems) {
    EXPECT_THAT(problem, HasSubstr("CN=gateway-CL-2024, serial "));
  }
  // The records they seal are sealed, by a key no longer trusted: not unsealed.
  EXPECT_EQ(report.revoked, signed_by_revoked);
  EXPECT_EQ(report.checkpoints, signed_by_next);
  EXPECT_EQ(report.unsealed, 0u);
  EXPECT_THAT(report.Summary(),
              StartsWith(absl::StrCat("audit verify: FAILED: ", signed_by_revoked,
                                      " problems (50 "
                                      "records in ",
                                      report.segments, " segments, ", signed_by_next,
                                      " checkpoints, ", signed_by_revoked,
                                      " signed by a revoked certificate, 0 unsealed); first: ",
                                      first_where, "signed by a certificate revoked on ")));

  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl", crl}, &out, &err), 1) << err;
  EXPECT_THAT(out, StartsWith("error: " + report.problems.front() + "\n"));
  EXPECT_EQ(Run({dir_, "--ca=" + ca_, "--crl=" + crl}, &out, &err), 1) << err;
  // The same CRL in DER, as CAs publish them, reads alike.
  const std::string der = tmp_.Sub("cl.der");
  testing::WriteFileOrDie(der, CrlAsDer(crl));
  EXPECT_EQ(Verify({ca_}, /*strict=*/true, "", {der}).problems.size(), signed_by_revoked);
  // Without the CRL, the same trail verifies as before.
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--strict"}, &out, &err), 0) << out;
}

TEST_F(AuditVerifyTest, CrlRevokingAnotherCertificateLeavesTheTrailVerified) {
  WriteTrail(key_, 50);
  KeyAndCert old = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-2023");
  const std::string crl = pki_.MakeCrl(
      "CL-CA", {Revocation{old.cert_file, absl::Now() - absl::Hours(24 * 30)}}, "cl.crl");
  AuditVerifyReport report = Verify({ca_}, /*strict=*/true, "", {crl});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.revoked, 0u);
  std::string out;
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl", crl, "--strict"}, &out), 0);
  EXPECT_EQ(out, "audit verify: OK: 50 records in 1 segment, 5 checkpoints, 0 unsealed\n");
}

// A CRL is only as good as the signature on it: one no CA given signed is refused, not read as
// "nothing revoked".
TEST_F(AuditVerifyTest, CrlNotSignedByAGivenCaIsRefused) {
  WriteTrail(key_, 15);
  const std::string foreign =
      pki_.MakeCrl("XX-CA", {Revocation{key_.cert_file, absl::Now()}}, "xx.crl");
  AuditVerifyOptions options;
  options.ca_files = {ca_};
  options.crl_files = {foreign};
  absl::StatusOr<std::unique_ptr<AuditVerifier>> verifier = AuditVerifier::Create(options);
  ASSERT_FALSE(verifier.ok());
  EXPECT_EQ(verifier.status().message(), foreign + ": CRL is not signed by any CA given with --ca");

  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl", foreign}, &out, &err), 2);
  EXPECT_EQ(err, "audit verify: " + foreign + ": CRL is not signed by any CA given with --ca\n");
  EXPECT_THAT(out, IsEmpty());
  // Not a CRL at all, or no file.
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl", ca_}, &out, &err), 2);
  EXPECT_EQ(err, "audit verify: " + ca_ + ": not a CRL (PEM or DER)\n");
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl", tmp_.Sub("no-such.crl")}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr(tmp_.Sub("no-such.crl")));
  // Under the CA that did sign it, it is read; it speaks of that CA's certificates only.
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--ca", other_ca_, "--crl", foreign}, &out, &err), 0) << out;
}

// A consumer gateway's trail (AR) whose records keep the receipts gateway CL signed for them, in
// batches of four as a provider gateway under load signs them. `tamper` may change a receipt
// before it is kept (by the exchange's number).
class KeptReceiptsTest : public AuditVerifyTest {
 protected:
  KeptReceiptsTest() {
    ar_ca_ = pki_.MakeCa("AR-CA");
    ar_key_ = pki_.MakeGateway("AR-CA", "AR", "gateway-AR");
    cl_key_ = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-receipts");
  }

  void WriteConsumerTrail(int records,
                          const std::function<void(int, v1::Receipt*)>& tamper = nullptr,
                          int unparsable = 0) {
    absl::StatusOr<std::unique_ptr<CheckpointSigner>> signer =
        CheckpointSigner::Load(cl_key_.key_file, cl_key_.cert_file);
    ASSERT_TRUE(signer.ok()) << signer.status();
    std::vector<v1::AuditRecord> kept;
    for (int first = 1; first <= records; first += 4) {
      std::vector<v1::Receipt> receipts;
      for (int i = first; i < first + 4 && i <= records; ++i) {
        const v1::AuditRecord record = MakeRecord(i);
        v1::Receipt receipt;
        receipt.set_exchange_id(record.exchange_id());
        receipt.set_gateway("CL");
        receipt.set_request_digest(record.request_digest());
        receipt.set_response_digest(record.response_digest());
        receipt.set_agreement_digest(record.agreement_digest());
        receipt.mutable_time()->set_seconds(receipt_seconds_ + i);
        receipts.push_back(receipt);
      }
      std::vector<v1::Receipt*> batch;
      for (v1::Receipt& receipt : receipts) batch.push_back(&receipt);
      ASSERT_TRUE(SignReceiptBatch(**signer, batch).ok());
      for (size_t k = 0; k < receipts.size(); ++k) {
        const int n = first + static_cast<int>(k);
        if (tamper) tamper(n, &receipts[k]);
        v1::AuditRecord record = MakeRecord(n);
        record.set_receipt(n == unparsable ? std::string("\xff\xff", 2)
                                           : receipts[k].SerializeAsString());
        kept.push_back(std::move(record));
      }
    }
    WriteRecords("AR", ar_key_, kept);
  }

  // With CL's CA (ca_) as the peers' CA, when certificates are given, unless told otherwise.
  AuditVerifyReport VerifyReceipts(std::vector<std::string> peer_certs,
                                   std::optional<std::vector<std::string>> peer_cas = {},
                                   std::vector<std::string> peer_crls = {}) {
    AuditVerifyOptions options;
    options.ca_files = {ar_ca_};
    options.peer_certificate_files = std::move(peer_certs);
    options.peer_ca_files =
        peer_cas.value_or(options.peer_certificate_files.empty() ? std::vector<std::string>{}
                                                                 : std::vector<std::string>{ca_});
    options.peer_crl_files = std::move(peer_crls);
    auto verifier = AuditVerifier::Create(options);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    if (!verifier.ok()) return AuditVerifyReport();
    auto report = (*verifier)->Verify(dir_);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : AuditVerifyReport();
  }

  std::string ar_ca_;
  KeyAndCert ar_key_, cl_key_;
  // When CL signed the receipts (each receipt a second later than the one before): within its
  // certificate's validity, which began an hour ago.
  int64_t receipt_seconds_ = absl::ToUnixSeconds(absl::Now()) - 600;
};

TEST_F(KeptReceiptsTest, ReceiptsVerifyUnderThePeersCertificate) {
  WriteConsumerTrail(20);
  AuditVerifyReport report = VerifyReceipts({cl_key_.cert_file});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings, IsEmpty());
  EXPECT_EQ(report.receipts, 20u);
  EXPECT_EQ(report.receipts_verified, 20u);
  EXPECT_EQ(report.Summary(),
            "audit verify: OK: 20 records in 1 segment, 2 checkpoints, 0 unsealed, 20 receipts "
            "verified");
  std::string out, err;
  EXPECT_EQ(
      Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file, "--peer-ca", ca_}, &out, &err),
      0)
      << err;
  EXPECT_EQ(out,
            "audit verify: OK: 20 records in 1 segment, 2 checkpoints, 0 unsealed, 20 receipts "
            "verified\n");
  EXPECT_EQ(Run({dir_, "--ca=" + ar_ca_, "--peer-cert=" + cl_key_.cert_file, "--peer-ca=" + ca_},
                &out, &err),
            0);
  EXPECT_EQ(out,
            "audit verify: OK: 20 records in 1 segment, 2 checkpoints, 0 unsealed, 20 receipts "
            "verified\n");

  // Without the peers' CA the certificate is taken as given, and the output says so.
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file}, &out, &err), 0) << err;
  EXPECT_EQ(out,
            "warning: receipt signatures were checked against the --peer-cert certificates as "
            "given, not against the peers' CAs (use --peer-ca CC=FILE)\n"
            "audit verify: OK: 20 records in 1 segment, 2 checkpoints, 0 unsealed, 20 receipts "
            "verified\n");

  // Without peer certificates the receipts are checked against their records only, and the
  // summary is the one it always was.
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_}, &out, &err), 0) << out;
  EXPECT_EQ(out, "audit verify: OK: 20 records in 1 segment, 2 checkpoints, 0 unsealed\n");

  // A certificate of another gateway only: CL's receipts are not checked, and the output says so.
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", ar_key_.cert_file}, &out, &err), 0) << out;
  EXPECT_EQ(out,
            "warning: 20 receipts of gateway CL not checked for their signatures: no --peer-cert "
            "names gateway CL\n"
            "audit verify: OK: 20 records in 1 segment, 2 checkpoints, 0 unsealed, 0 receipts "
            "verified\n");
}

// A peer that replaced its key signed under two certificates: any of a gateway's verifies, and a
// certificate of that gateway that signed none of them is a failure at each receipt.
TEST_F(KeptReceiptsTest, ReceiptsUnderAnotherCertificateOfThePeerFail) {
  WriteConsumerTrail(8);
  KeyAndCert replaced = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-replaced");
  AuditVerifyReport report = VerifyReceipts({replaced.cert_file});
  ASSERT_EQ(report.problems.size(), 8u);
  EXPECT_EQ(report.receipts_verified, 0u);
  EXPECT_THAT(report.problems.front(), StartsWith("segment-000001.log record 1 (offset "));
  EXPECT_THAT(report.problems.front(),
              HasSubstr("): kept receipt: signature does not verify against gateway CL's "
                        "certificate " +
                        replaced.cert_file));
  std::string out;
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", replaced.cert_file}, &out), 1);
  EXPECT_THAT(LastLine(out), StartsWith("audit verify: FAILED: 8 problems (8 records in 1 segment, "
                                        "1 checkpoint, 0 unsealed, 0 receipts verified)"))
      << out;

  report = VerifyReceipts({replaced.cert_file, cl_key_.cert_file});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.receipts_verified, 8u);
}

// A receipt that is not the provider's statement of the exchange its record describes is a
// failure with or without the peer's certificate; a proof changed after signing fails with it.
TEST_F(KeptReceiptsTest, ReceiptsThatDoNotMatchTheirRecordFail) {
  WriteConsumerTrail(12, [](int n, v1::Receipt* receipt) {
    if (n == 3) receipt->set_exchange_id("ex-99");
    if (n == 5) receipt->set_response_digest(Sha256("another response"));
    if (n == 6) receipt->set_gateway("BR");
    if (n == 9) receipt->set_batch_index(2);
    if (n == 10) receipt->set_batch_index(7);
  });
  AuditVerifyReport report = VerifyReceipts({});
  ASSERT_EQ(report.problems.size(), 3u) << ::testing::PrintToString(report.problems);
  EXPECT_THAT(report.problems[0], HasSubstr("record 3 (offset "));
  EXPECT_THAT(report.problems[0],
              HasSubstr("): kept receipt: names exchange ex-99, the record ex-3"));
  EXPECT_THAT(report.problems[1], HasSubstr("record 5 (offset "));
  EXPECT_THAT(report.problems[1],
              HasSubstr("): kept receipt: covers another response than the record's "
                        "response_digest"));
  EXPECT_THAT(report.problems[2], HasSubstr("record 6 (offset "));
  EXPECT_THAT(report.problems[2],
              HasSubstr("): kept receipt: signed as gateway BR, but the record's provider is "
                        "CL/GOV/registro-civil"));

  report = VerifyReceipts({cl_key_.cert_file});
  ASSERT_EQ(report.problems.size(), 5u) << ::testing::PrintToString(report.problems);
  // A proof moved to another position leads to another root; one past the batch's end is no
  // proof.
  EXPECT_THAT(report.problems[3], HasSubstr("record 9 (offset "));
  EXPECT_THAT(report.problems[3],
              HasSubstr("): kept receipt: signature does not verify against gateway CL's"));
  EXPECT_THAT(report.problems[4], HasSubstr("record 10 (offset "));
  EXPECT_THAT(report.problems[4], HasSubstr("): kept receipt: receipt's batch inclusion proof: "));
  EXPECT_EQ(report.receipts, 12u);
  EXPECT_EQ(report.receipts_verified, 7u);

  // A record whose receipt bytes are not a receipt at all.
  std::filesystem::remove_all(dir_);
  WriteConsumerTrail(2, nullptr, /*unparsable=*/2);
  report = VerifyReceipts({cl_key_.cert_file});
  ASSERT_EQ(report.problems.size(), 1u) << ::testing::PrintToString(report.problems);
  EXPECT_THAT(report.problems[0], HasSubstr("record 2 (offset "));
  EXPECT_THAT(report.problems[0], HasSubstr("): kept receipt does not parse"));
  EXPECT_EQ(report.receipts, 2u);
  EXPECT_EQ(report.receipts_verified, 1u);
}

// The certificate that verifies a receipt must be one the peers' CA issued, valid when the receipt
// was signed, and not revoked: otherwise anyone's key could have signed it, under a certificate
// that merely names gateway CL.
TEST_F(KeptReceiptsTest, ThePeersCaMustVouchForTheCertificateThatVerifiesAReceipt) {
  WriteConsumerTrail(6);
  AuditVerifyReport report = VerifyReceipts({cl_key_.cert_file}, {{other_ca_}});
  ASSERT_EQ(report.problems.size(), 6u) << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.receipts_verified, 0u);
  EXPECT_THAT(report.problems.front(),
              HasSubstr("): kept receipt: verifies against " + cl_key_.cert_file +
                        ", which no --peer-ca vouches for at "));
  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file, "--peer-ca", other_ca_},
                &out, &err),
            1);
  EXPECT_THAT(LastLine(out), StartsWith("audit verify: FAILED: 6 problems (6 records in 1 "
                                        "segment, 1 checkpoint, 0 unsealed, 0 receipts verified)"))
      << out;
  // Either of two CAs given may vouch for it; given without a country, either could vouch for
  // another peer's gateway, and a warning says so.
  report = VerifyReceipts({cl_key_.cert_file}, {{other_ca_, ca_}});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings,
              ElementsAre("the receipts of gateway CL verified under certificates vouched for by "
                          "--peer-ca files given without a country, any of which may vouch for any "
                          "gateway's certificate: give each peer's CA with its country (--peer-ca "
                          "CC=FILE)"));
  EXPECT_EQ(report.receipts_verified, 6u);
  report = VerifyReceipts({cl_key_.cert_file}, {{"XX=" + other_ca_, "CL=" + ca_}});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings, IsEmpty());
  EXPECT_EQ(report.receipts_verified, 6u);
}

// As the gateway's trust configuration binds each CA to its country, `--peer-ca CC=FILE` binds a
// CA to the gateway it may vouch for: another peer's CA that issued a certificate naming gateway CL
// does not make its holder CL's gateway.
TEST_F(KeptReceiptsTest, ACaGivenForACountryVouchesForThatCountrysGatewayAlone) {
  cl_key_ = pki_.MakeGateway("AR-CA", "CL", "gateway-CL-issued-by-AR");
  WriteConsumerTrail(3);
  // Given without countries, AR's CA vouches for it; one CA for one peer would be safe, two are
  // not, and the warning says so.
  AuditVerifyReport report = VerifyReceipts({cl_key_.cert_file}, {{ca_, ar_ca_}});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.receipts_verified, 3u);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], StartsWith("the receipts of gateway CL verified under "
                                             "certificates vouched for by --peer-ca files given "
                                             "without a country"));
  // Given with their countries, CL's CA does not vouch for it, and AR's may not.
  report = VerifyReceipts({cl_key_.cert_file}, {{"CL=" + ca_, "AR=" + ar_ca_}});
  ASSERT_EQ(report.problems.size(), 3u) << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.receipts_verified, 0u);
  EXPECT_THAT(report.problems[0],
              HasSubstr("): kept receipt: verifies against " + cl_key_.cert_file +
                        ", which no --peer-ca vouches for at "));
  EXPECT_THAT(report.problems[0], HasSubstr("does not chain to a trusted CA"));
  EXPECT_THAT(report.problems[0],
              HasSubstr("; it chains to the CA given for AR, which does not vouch for gateway CL's "
                        "certificates"));
  // Only AR's CA given, for AR.
  report = VerifyReceipts({cl_key_.cert_file}, {{"AR=" + ar_ca_}});
  ASSERT_EQ(report.problems.size(), 3u) << ::testing::PrintToString(report.problems);
  EXPECT_THAT(report.problems[0],
              HasSubstr(", which no --peer-ca vouches for: CAs were given for gateway AR only, "
                        "none for gateway CL and none without a country; it chains to the CA "
                        "given for AR"));
  // A CA given for CL and one for any gateway: the one for any gateway vouches.
  report = VerifyReceipts({cl_key_.cert_file}, {{"CL=" + ca_, ar_ca_}});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.receipts_verified, 3u);
  // The command line takes both spellings.
  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file, "--peer-ca", "CL=" + ca_,
                 "--peer-ca=AR=" + ar_ca_},
                &out, &err),
            1)
      << out << err;
  EXPECT_THAT(LastLine(out), StartsWith("audit verify: FAILED: 3 problems ")) << out;
}

TEST_F(KeptReceiptsTest, ACountrysOwnCaVouchesForItsGatewaysReceipts) {
  WriteConsumerTrail(4);
  AuditVerifyReport report =
      VerifyReceipts({cl_key_.cert_file, ar_key_.cert_file}, {{"AR=" + ar_ca_, "CL=" + ca_}});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings, IsEmpty());
  EXPECT_EQ(report.receipts_verified, 4u);
  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file, "--peer-ca", "CL=" + ca_},
                &out, &err),
            0)
      << out << err;
  EXPECT_EQ(LastLine(out),
            "audit verify: OK: 4 records in 1 segment, 1 checkpoint, 0 unsealed, 4 receipts "
            "verified");
  // A country spelled otherwise than gateways are named, or a country without a file, is a usage
  // error; a file whose name begins like a country is given with its directory.
  EXPECT_EQ(Run({dir_, "--peer-cert", cl_key_.cert_file, "--peer-ca", "cl=" + ca_}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--peer-ca cl=" + ca_ + ": 'cl' is not a country code"));
  EXPECT_EQ(Run({dir_, "--peer-cert", cl_key_.cert_file, "--peer-ca", "CL="}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("--peer-ca CL=: no file after '='"));
  const std::string odd_name = tmp_.Sub("CL=ca.crt");
  std::filesystem::copy_file(ca_, odd_name);
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file, "--peer-ca", odd_name},
                &out, &err),
            0)
      << out << err;
}

TEST_F(KeptReceiptsTest, AReceiptDatedOutsideItsCertificatesValidityFails) {
  receipt_seconds_ = absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 400));
  WriteConsumerTrail(2);
  AuditVerifyReport report = VerifyReceipts({cl_key_.cert_file});
  ASSERT_EQ(report.problems.size(), 2u) << ::testing::PrintToString(report.problems);
  EXPECT_THAT(report.problems.front(),
              HasSubstr(absl::StrCat(
                  ", which no --peer-ca vouches for at ",
                  FormatRfc3339Seconds(absl::FromUnixSeconds(receipt_seconds_ + 1)), ": ")));
  EXPECT_THAT(report.problems.front(), HasSubstr("expired"));
  // Taken as given, the certificate verifies them.
  report = VerifyReceipts({cl_key_.cert_file}, std::vector<std::string>{});
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.receipts_verified, 2u);
}

TEST_F(KeptReceiptsTest, AReceiptSignedUnderARevokedCertificateFailsWhateverItsTime) {
  WriteConsumerTrail(4);
  const std::string crl = pki_.MakeCrl(
      "CL-CA", {Revocation{cl_key_.cert_file, absl::Now() + absl::Minutes(30), 1}}, "cl.crl");
  AuditVerifyReport report = VerifyReceipts({cl_key_.cert_file}, {{ca_}}, {crl});
  ASSERT_EQ(report.problems.size(), 4u) << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.receipts_verified, 0u);
  EXPECT_THAT(report.problems.front(),
              HasSubstr("): kept receipt: verifies against " + cl_key_.cert_file +
                        ", but it was signed by a certificate revoked on "));
  EXPECT_THAT(report.problems.front(), HasSubstr("reason keyCompromise, CRL " + crl));
  EXPECT_THAT(report.problems.front(),
              HasSubstr("but a receipt's time is written by its signer and cannot prove it was "
                        "signed before the revocation"));
  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", cl_key_.cert_file, "--peer-ca", ca_,
                 "--peer-crl", crl},
                &out, &err),
            1);
  // A CRL of another CA than the peers' given, or without the peers' CA, is a usage error.
  const std::string foreign =
      pki_.MakeCrl("XX-CA", {Revocation{cl_key_.cert_file, absl::Now()}}, "xx.crl");
  EXPECT_EQ(Run({dir_, "--peer-cert", cl_key_.cert_file, "--peer-ca", ca_, "--peer-crl", foreign},
                &out, &err),
            2);
  EXPECT_EQ(err,
            "audit verify: " + foreign + ": CRL is not signed by any CA given with --peer-ca\n");
  EXPECT_EQ(Run({dir_, "--peer-cert", cl_key_.cert_file, "--peer-crl", crl}, &out, &err), 2);
  EXPECT_EQ(err,
            "audit verify: --peer-crl needs --peer-ca: a CRL is checked against the CA that "
            "signed it\n");
  EXPECT_EQ(Run({dir_, "--peer-ca", ca_}, &out, &err), 2);
  EXPECT_EQ(err,
            "audit verify: --peer-ca needs --peer-cert: the peers' CAs vouch for the "
            "certificates that verify receipts\n");
}

TEST_F(KeptReceiptsTest, APeerCertificateThatIsNotAGatewaysIsAUsageError) {
  WriteConsumerTrail(4);
  KeyAndCert agency = pki_.MakeLeaf("CL-CA", "registro-civil", testing::KeyType::kEcdsaP256,
                                    "urn:pasarela:CL:GOV:registro-civil");
  std::string out, err;
  EXPECT_EQ(Run({dir_, "--ca", ar_ca_, "--peer-cert", agency.cert_file}, &out, &err), 2);
  EXPECT_THAT(out, IsEmpty());
  EXPECT_EQ(err, "audit verify: " + agency.cert_file +
                     ": certificate /O=Pasarela test/CN=registro-civil is not a gateway's: it "
                     "names no urn:pasarela:gateway:CC URI\n");
  EXPECT_EQ(Run({dir_, "--peer-cert", tmp_.Sub("none.pem")}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr(tmp_.Sub("none.pem")));
  EXPECT_EQ(Run({dir_, "--peer-cert", ar_ca_ + ".missing"}, &out, &err), 2);
  EXPECT_EQ(Run({dir_, "--peer-cert"}, &out, &err), 2);
  EXPECT_THAT(err, StartsWith("audit verify: --peer-cert needs a file\n"));
}

TEST_F(AuditVerifyTest, MissingSegmentIsNamed) {
  WriteTrail(key_, 80, 1, /*max_segment_bytes=*/4096);
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/segment-000003.log"));
  std::filesystem::remove(dir_ + "/segment-000002.log");
  AuditVerifyReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            "segment-000002.log missing: the trail goes from segment-000001.log to "
            "segment-000003.log");
  EXPECT_EQ(report.problems.size(), 1u);
}

TEST_F(AuditVerifyTest, TrailWhoseFirstSegmentsWereRetiredStillVerifies) {
  WriteTrail(key_, 80, 1, /*max_segment_bytes=*/4096);
  std::filesystem::remove(dir_ + "/segment-000001.log");
  AuditVerifyReport report = Verify({ca_}, true);
  EXPECT_TRUE(report.ok());
  EXPECT_GT(report.first_sequence, 1u);
  EXPECT_THAT(report.warnings, ::testing::Contains(StartsWith("trail begins at record ")));
}

// Retiring old segments removes whole files. Records missing from the start of segment 1, which
// is still there, were cut out of it.
TEST_F(AuditVerifyTest, RecordsCutFromTheStartOfTheFirstSegmentAreDeleted) {
  WriteTrail(key_, 80, 1, /*max_segment_bytes=*/4096);
  std::vector<RawEntry> entries = testing::ReadEntries(segment_);
  entries.erase(entries.begin(), entries.begin() + 3);
  testing::WriteFileOrDie(segment_, testing::Frame(entries));
  AuditVerifyReport report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            "segment-000001.log record 4 (offset 0): records 1 to 3 (3 records) deleted: the trail "
            "begins with segment-000001.log, so its first record must be record 1");
  EXPECT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(report.warnings, Not(::testing::Contains(StartsWith("trail begins at record"))));

  // Segment 1 emptied: the trail's first record is in segment 2.
  const uint64_t first_of_two = [&] {
    v1::AuditRecord r;
    EXPECT_TRUE(r.ParseFromString(testing::ReadEntries(dir_ + "/segment-000002.log")[0].payload));
    return r.sequence();
  }();
  testing::WriteFileOrDie(segment_, "");
  report = Verify({ca_});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems.front(),
            absl::StrCat("segment-000002.log record ", first_of_two, " (offset 0): records 1 to ",
                         first_of_two - 1, " (", first_of_two - 1,
                         " records) deleted: the trail begins with segment-000001.log, so its "
                         "first record must be record 1"));

  std::string out;
  EXPECT_EQ(Run({dir_}, &out), 1);
  EXPECT_THAT(LastLine(out), HasSubstr("deleted: the trail begins with segment-000001.log"));
}

// A FIFO under a segment's name would keep every command waiting for a writer.
TEST_F(AuditVerifyTest, ASegmentThatIsNotAFileIsRefusedNotWaitedFor) {
  WriteTrail(key_, 15);
  ASSERT_EQ(::mkfifo((dir_ + "/segment-000002.log").c_str(), 0600), 0);
  std::string out;
  EXPECT_EQ(Run({dir_}, &out), 1);
  EXPECT_EQ(out, absl::StrCat("audit verify: FAILED: ", dir_,
                              "/segment-000002.log is not a regular file (a FIFO): a segment is a "
                              "file of entries; move it aside\n"));
}

// Given directly, a FIFO or a device is refused as well: a segment, a CA file, a CRL or a peer's
// certificate that never ends must not hold the auditor's command.
TEST_F(AuditVerifyTest, APathThatIsNotAFileIsRefusedWhereverItIsGiven) {
  WriteTrail(key_, 15);
  const std::string fifo = tmp_.Sub("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string out, err;
  EXPECT_EQ(Run({fifo}, &out), 1);
  EXPECT_EQ(out, "audit verify: FAILED: " + fifo + " is not a regular file (a FIFO)\n");
  EXPECT_EQ(Run({dir_, "--ca", fifo}, &out, &err), 2);
  EXPECT_EQ(err,
            "audit verify: CA file: cannot read " + fifo + ": is not a regular file (a FIFO)\n");
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl", "/dev/zero"}, &out, &err), 2);
  EXPECT_EQ(err,
            "audit verify: cannot read /dev/zero: is not a regular file (a character device)\n");
  EXPECT_EQ(Run({dir_, "--peer-cert", fifo}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("cannot read " + fifo + ": is not a regular file (a FIFO)"));
}

TEST_F(AuditVerifyTest, UsageErrors) {
  std::string out, err;
  EXPECT_EQ(Run({}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("usage: pasarela audit verify"));
  EXPECT_EQ(Run({dir_, "--bogus"}, &out, &err), 2);
  EXPECT_EQ(Run({dir_, "--ca"}, &out, &err), 2);
  EXPECT_EQ(Run({dir_, dir_}, &out, &err), 2);
  EXPECT_EQ(Run({dir_, "--ca", tmp_.Sub("no-such-ca.pem")}, &out, &err), 2);
  // A CRL is checked against the CA that signed it: without --ca there is none.
  EXPECT_EQ(Run({dir_, "--crl", tmp_.Sub("some.crl")}, &out, &err), 2);
  EXPECT_THAT(err, StartsWith("audit verify: --crl needs --ca"));
  EXPECT_THAT(err, HasSubstr("usage: pasarela audit verify"));
  EXPECT_EQ(Run({dir_, "--ca", ca_, "--crl"}, &out, &err), 2);
  EXPECT_THAT(err, StartsWith("audit verify: --crl needs a file"));
  EXPECT_EQ(Run({"--help"}, &out, &err), 0);
  // A trail that is not there is a verification failure, not a usage error.
  EXPECT_EQ(Run({tmp_.Sub("nothing-here")}, &out, &err), 1);
  EXPECT_THAT(LastLine(out), StartsWith("audit verify: FAILED: "));
}

}  // namespace
}  // namespace pasarela::audit
