#include "gateway/audit/audit_report.h"

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/segment_format.h"
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

constexpr int64_t kMay1 = 1777593600;  // 2026-05-01T00:00:00Z

absl::Time At(int64_t seconds_after_may1) {
  return absl::FromUnixSeconds(kMay1 + seconds_after_may1);
}

// Record n at kMay1 + n seconds, from MakeRecord's AR consumer-side exchange.
v1::AuditRecord Exchange(int n, const std::string& agreement, const std::string& purpose,
                         uint64_t latency_us) {
  v1::AuditRecord r = MakeRecord(n);
  r.set_gateway("AR");
  r.mutable_time()->set_seconds(kMay1 + n);
  r.set_agreement_id(agreement);
  r.set_purpose(purpose);
  r.set_latency_us(latency_us);
  return r;
}

v1::AuditRecord Denied(int n, const std::string& agreement, const std::string& rule) {
  v1::AuditRecord r = Exchange(n, agreement, "border-control", 300);
  r.set_decision(v1::DENY);
  r.set_deciding_rule(rule);
  r.set_grpc_status_code(7);
  return r;
}

// Six allowed exchanges under two agreements, three denials, a reload.
std::vector<v1::AuditRecord> SampleRecords() {
  std::vector<v1::AuditRecord> records;
  for (int n = 1; n <= 4; ++n) {
    records.push_back(Exchange(n, "ar-cl-identity-2026", "border-control", 1000 * n));
  }
  v1::AuditRecord health = Exchange(5, "ar-cl-health-2026", "emergency-care", 8000);
  health.set_method("/pasarela.health.v1.HealthRecords/GetSummary");
  health.clear_classification();
  for (const char* path : {"summary.conditions[0]", "summary.conditions[1]"}) {
    v1::ClassifiedField* f = health.add_classification();
    f->set_category("health");
    f->set_field_path(path);
  }
  v1::ClassifiedField* detected = health.add_classification();
  detected->set_category("personal_identifier");
  detected->set_field_path("patient.id");
  detected->set_detector("cl_run");
  detected->set_source(v1::DETECTED);
  records.push_back(health);
  v1::AuditRecord no_data = Exchange(6, "ar-cl-identity-2026", "statistics", 500);
  no_data.clear_classification();
  records.push_back(no_data);
  records.push_back(Denied(7, "ar-cl-identity-2026", "purpose-not-allowed"));
  records.push_back(Denied(8, "ar-cl-identity-2026", "purpose-not-allowed"));
  records.push_back(Denied(9, "", "agreement-unknown"));
  v1::AuditRecord reload;
  reload.set_gateway("AR");
  reload.set_direction(v1::POLICY_RELOAD);
  reload.mutable_time()->set_seconds(kMay1 + 10);
  reload.set_policy_digest(Sha256("policy 2"));
  reload.set_deciding_rule("policy reloaded from gateway.yaml");
  records.push_back(reload);
  return records;
}

ReportData Build(const std::vector<v1::AuditRecord>& records,
                 absl::Time from = absl::InfinitePast(), absl::Time to = absl::InfiniteFuture()) {
  ReportBuilder builder({"trail"}, from, to);
  for (const v1::AuditRecord& r : records) builder.Add(r);
  return builder.Finish();
}

TEST(ReportBuilderTest, CountsEveryIndicator) {
  const ReportData d = Build(SampleRecords());
  EXPECT_EQ(d.records_read, 10u);
  EXPECT_EQ(d.exchanges.allowed, 6u);
  EXPECT_EQ(d.exchanges.denied, 3u);
  EXPECT_EQ(d.gateways, std::set<std::string>{"AR"});
  EXPECT_EQ(d.first_record, At(1));
  EXPECT_EQ(d.last_record, At(10));

  const auto identity = d.by_agreement_purpose.at({"ar-cl-identity-2026", "border-control"});
  EXPECT_EQ(identity.allowed, 4u);
  EXPECT_EQ(identity.denied, 2u);
  EXPECT_EQ(d.by_agreement_purpose.at({"", "border-control"}).denied, 1u);
  EXPECT_EQ(d.by_agreement_purpose.at({"ar-cl-identity-2026", "statistics"}).allowed, 1u);

  EXPECT_EQ(d.denials_by_rule.at("purpose-not-allowed"), 2u);
  EXPECT_EQ(d.denials_by_rule.at("agreement-unknown"), 1u);

  // Two health fields in one exchange count as one exchange disclosing health, each path once;
  // denied exchanges disclosed nothing.
  const CategoryDisclosure& health = d.categories.at("ar-cl-health-2026").at("health");
  EXPECT_EQ(health.exchanges, 1u);
  EXPECT_EQ(health.field_paths.size(), 2u);
  EXPECT_EQ(d.categories.at("ar-cl-health-2026").at("personal_identifier").exchanges, 1u);
  EXPECT_EQ(d.categories.at("ar-cl-identity-2026").at("personal_identifier").exchanges, 4u);
  EXPECT_EQ(
      d.categories.at("ar-cl-identity-2026").at("personal_identifier").field_paths.at("person.run"),
      4u);
  EXPECT_EQ(d.categories.count(""), 0u);

  EXPECT_EQ(d.latency.count, 9u);
  EXPECT_EQ(d.latency.max, 8000u);
  EXPECT_EQ(d.latency_by_agreement.at("ar-cl-health-2026").p50, 8000u);
  EXPECT_EQ(d.by_method.at("/pasarela.health.v1.HealthRecords/GetSummary").allowed, 1u);
  EXPECT_EQ(d.by_method.at("/pasarela.identity.v1.IdentityService/GetPerson").total(), 8u);
  ASSERT_EQ(d.reloads.size(), 1u);
  EXPECT_EQ(d.reloads[0].detail, "policy reloaded from gateway.yaml");
}

// Disclosed is what crossed to the consumer, as `subject` has it: the response's items that were
// not dropped or redacted. The request's own items are what the consumer sent.
TEST(ReportBuilderTest, CountsOnlyWhatCrossedAsDisclosed) {
  v1::AuditRecord r = Exchange(1, "ar-cl-health-2026", "emergency-care", 1000);
  r.set_direction(v1::PROVIDER_SIDE);
  r.clear_classification();
  auto add = [&r](const char* category, const char* path, const char* treatment, bool request) {
    testing::AddClassified(&r, category, path, treatment, request);
  };
  add("personal_identifier", "identifier.value", "", true);
  add("personal", "summary.given_names", "allow", false);
  add("health", "summary.problems[0].note", "", false);
  add("personal_identifier", "summary.problems[0].note", "mask", false);
  add("personal_identifier", "summary.alias", "pseudonymise", false);
  add("genetic", "summary.notes", "drop", false);
  add("biometric", "summary.photo", "redact", false);
  const ReportData d = Build({r});
  const auto& categories = d.categories.at("ar-cl-health-2026");
  EXPECT_EQ(categories.size(), 3u);
  EXPECT_EQ(categories.count("genetic"), 0u);
  EXPECT_EQ(categories.count("biometric"), 0u);
  EXPECT_EQ(categories.at("personal").exchanges, 1u);
  EXPECT_EQ(categories.at("health").exchanges, 1u);
  const CategoryDisclosure& identifier = categories.at("personal_identifier");
  EXPECT_EQ(identifier.exchanges, 1u);
  EXPECT_EQ(identifier.field_paths.count("identifier.value"), 0u);
  EXPECT_EQ(identifier.field_paths.size(), 2u);

  // An exchange whose only classified item is its request disclosed nothing.
  v1::AuditRecord lookup = Exchange(2, "ar-cl-identity-2026", "border-control", 1000);
  lookup.mutable_classification(0)->set_in_request(true);
  ASSERT_EQ(lookup.classification_size(), 1);
  EXPECT_EQ(Build({lookup}).categories.count("ar-cl-identity-2026"), 0u);
}

TEST(ReportBuilderTest, PercentilesAreNearestRank) {
  std::vector<uint64_t> values;
  for (uint64_t v = 100; v >= 1; --v) values.push_back(v);
  LatencySummary s = SummariseLatencies(&values);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.p50, 50u);
  EXPECT_EQ(s.p90, 90u);
  EXPECT_EQ(s.p99, 99u);
  EXPECT_EQ(s.max, 100u);
  std::vector<uint64_t> one = {7};
  s = SummariseLatencies(&one);
  EXPECT_EQ(s.p50, 7u);
  EXPECT_EQ(s.p99, 7u);
  std::vector<uint64_t> none;
  EXPECT_EQ(SummariseLatencies(&none).count, 0u);
}

TEST(ReportBuilderTest, RangeIsHalfOpen) {
  // Records at 1..9 s and the reload at 10 s; [3 s, 7 s) holds records 3, 4, 5 and 6.
  const ReportData d = Build(SampleRecords(), At(3), At(7));
  EXPECT_EQ(d.records_read, 10u);
  EXPECT_EQ(d.exchanges.total(), 4u);
  EXPECT_EQ(d.first_record, At(3));
  EXPECT_EQ(d.last_record, At(6));
  EXPECT_TRUE(d.reloads.empty());
  // One nanosecond before `to` is in; `to` itself is not.
  std::vector<v1::AuditRecord> edge = {Exchange(1, "a", "p", 1), Exchange(2, "a", "p", 1)};
  edge[0].mutable_time()->set_seconds(kMay1 + 6);
  edge[0].mutable_time()->set_nanos(999999999);
  edge[1].mutable_time()->set_seconds(kMay1 + 7);
  EXPECT_EQ(Build(edge, At(3), At(7)).exchanges.total(), 1u);
  EXPECT_EQ(Build(edge, At(7), At(8)).exchanges.total(), 1u);
}

TEST(ReportBuilderTest, SameExchangeFromTwoTrailsCountsOnce) {
  std::vector<v1::AuditRecord> records = {Exchange(1, "a", "p", 1), Exchange(1, "a", "p", 1)};
  v1::AuditRecord provider = Exchange(1, "a", "p", 1);
  provider.set_gateway("CL");
  provider.set_direction(v1::PROVIDER_SIDE);
  records.push_back(provider);  // the other gateway's side is a record of its own
  const ReportData d = Build(records);
  EXPECT_EQ(d.exchanges.total(), 2u);
  EXPECT_EQ(d.duplicates, 1u);
  EXPECT_THAT(RenderReportText(d), HasSubstr("Duplicates: 1 records of an exchange"));
}

TEST(ReportTextTest, Golden) {
  const std::string text = RenderReportText(Build(SampleRecords(), At(0), At(86400)));
  EXPECT_EQ(text, R"(Pasarela audit report
Trails:    trail
Range:     2026-05-01T00:00:00Z to 2026-05-02T00:00:00Z (from included, to excluded)
Covered:   2026-05-01T00:00:01.000Z to 2026-05-01T00:00:10.000Z
Gateways:  AR
Exchanges: 9 (6 allowed, 3 denied), 1 policy reload; 10 records read
Verified:  not verified: this report does not check the hash chain or the signatures; run `pasarela audit verify` on each trail, or report with --verify

Exchanges per agreement and purpose
  agreement            purpose         allowed  denied  total
  (none)               border-control        0       1      1
  ar-cl-health-2026    emergency-care        1       0      1
  ar-cl-identity-2026  border-control        4       2      6
  ar-cl-identity-2026  statistics            1       0      1

Denials by rule
  rule                 denials
  purpose-not-allowed        2
  agreement-unknown          1

Personal data disclosed per agreement (allowed exchanges)
  agreement            category             exchanges  field paths (exchanges)
  ar-cl-health-2026    health                       1  summary.conditions[0] (1), summary.conditions[1] (1)
  ar-cl-health-2026    personal_identifier          1  patient.id (1)
  ar-cl-identity-2026  personal_identifier          4  person.run (4)

Latency (milliseconds)
  agreement            exchanges   p50   p90   p99   max
  (all)                        9  1.00  8.00  8.00  8.00
  (none)                       1  0.30  0.30  0.30  0.30
  ar-cl-health-2026            1  8.00  8.00  8.00  8.00
  ar-cl-identity-2026          7  1.00  4.00  4.00  4.00

Exchanges per method
  method                                           allowed  denied  total
  /pasarela.health.v1.HealthRecords/GetSummary           1       0      1
  /pasarela.identity.v1.IdentityService/GetPerson        5       3      8

Policy reloads
  time                      gateway  policy        detail
  2026-05-01T00:00:10.000Z  AR       )" +
                      absl::BytesToHexString(Sha256("policy 2")).substr(0, 12) +
                      R"(  policy reloaded from gateway.yaml
)");
}

TEST(ReportTextTest, EmptyRange) {
  const std::string text = RenderReportText(Build({}, At(0), At(1)));
  EXPECT_THAT(text, HasSubstr("Covered:   no records in the range\n"));
  EXPECT_THAT(text, HasSubstr("Exchanges: 0 (0 allowed, 0 denied), 0 policy reloads; 0 records"));
  EXPECT_THAT(text, HasSubstr("Denials by rule\n  (none)\n"));
  EXPECT_THAT(text, HasSubstr("Latency (milliseconds)\n  (none)\n"));
}

TEST(ReportTextTest, ValuesFromTheTrailCannotBreakARowOrReachTheTerminal) {
  std::vector<v1::AuditRecord> records = SampleRecords();
  records.push_back(Exchange(11, "ar-cl\nforged row", "care\t\x1b[2J", 10));
  const std::string text = RenderReportText(Build(records));
  EXPECT_THAT(text, HasSubstr("ar-cl\\nforged row"));
  EXPECT_THAT(text, HasSubstr("care\\t\\x1b[2J"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, Not(HasSubstr("\t")));
  EXPECT_THAT(text, Not(HasSubstr("\nforged row")));
}

TEST(ReportHtmlTest, SelfContainedAndEscaped) {
  std::vector<v1::AuditRecord> records = SampleRecords();
  records.push_back(Exchange(11, "<script>alert('a')</script>", "x\"&y", 10));
  records.push_back(Denied(12, "evil", "<img src=x onerror=alert(1)>"));
  const std::string html = RenderReportHtml(Build(records));
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&#39;a&#39;)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("x&quot;&amp;y"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  // Nothing from the trail turned into markup, and nothing is fetched from elsewhere.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("src=\"")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, HasSubstr("class=\"warning\">not verified"));
  EXPECT_EQ(HtmlEscape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST(ReportTimeTest, ParsesRfc3339AndDates) {
  EXPECT_EQ(*ParseReportTime("2026-05-01T00:00:00Z"), At(0));
  EXPECT_EQ(*ParseReportTime("2026-04-30T21:00:00-03:00"), At(0));
  EXPECT_EQ(*ParseReportTime("2026-05-01T00:00:01.5Z"), At(1) + absl::Milliseconds(500));
  EXPECT_EQ(*ParseReportTime("2026-05-01"), At(0));
  EXPECT_FALSE(ParseReportTime("yesterday").ok());
  EXPECT_FALSE(ParseReportTime("2026-05-01 00:00").ok());
  // ISO 8601's offset without a colon is not RFC 3339.
  EXPECT_EQ(ParseReportTime("2026-01-01T00:00:00+0000").status().message(),
            "'2026-01-01T00:00:00+0000' is not an RFC 3339 time (2026-05-01T00:00:00Z, "
            "2026-05-01T09:00:00-03:00) or a date (2026-05-01)");
  EXPECT_FALSE(ParseReportTime("2026-01-01T00:00:00+00").ok());
  // Instants outside the years a gateway writes, which the report could not print back.
  EXPECT_EQ(ParseReportTime("0001-01-01T00:00:00+05:00").status().message(),
            "'0001-01-01T00:00:00+05:00' is in the year 0 in UTC: expected the years 1 to 9999");
  EXPECT_FALSE(ParseReportTime("0000-06-01").ok());
  EXPECT_FALSE(ParseReportTime("9999-12-31T23:00:00-05:00").ok());
  EXPECT_TRUE(ParseReportTime("0001-01-01T00:00:00Z").ok());
  EXPECT_TRUE(ParseReportTime("9999-12-31").ok());
}

class AuditReportCommandTest : public ::testing::Test {
 protected:
  AuditReportCommandTest() : pki_(tmp_.path()) {
    ca_file_ = pki_.MakeCa("CA");
    key_ = pki_.MakeGateway("CA", "AR", "gateway-AR");
  }

  void Write(const std::string& dir, const std::vector<v1::AuditRecord>& records) {
    ASSERT_TRUE(testing::WriteTrail(dir, "AR", key_, records).ok());
  }

  int Run(const std::vector<std::string>& args, std::string* out) {
    std::ostringstream o, e;
    int code = RunAuditReport(args, o, e);
    *out = o.str() + e.str();
    return code;
  }

  TempDir tmp_;
  TestPki pki_;
  std::string ca_file_;
  KeyAndCert key_;
};

TEST_F(AuditReportCommandTest, ReportsRealTrailsOfTwoReplicas) {
  std::vector<v1::AuditRecord> records = SampleRecords();
  Write(tmp_.Sub("replica-1"), {records.begin(), records.begin() + 5});
  Write(tmp_.Sub("replica-2"), {records.begin() + 5, records.end()});

  std::string out;
  ASSERT_EQ(Run({tmp_.Sub("replica-1"), tmp_.Sub("replica-2"), "--from", "2026-05-01", "--to",
                 "2026-05-01T00:00:09Z"},
                &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("Exchanges: 8 (6 allowed, 2 denied), 0 policy reloads; 10 records"));
  EXPECT_THAT(out, HasSubstr("Verified:  not verified"));
  EXPECT_THAT(out, HasSubstr("  ar-cl-identity-2026  border-control        4       2      6\n"));

  ASSERT_EQ(Run({tmp_.Sub("replica-1"), tmp_.Sub("replica-2"), "--verify", "--ca", ca_file_,
                 "--format=html", "--output", tmp_.Sub("report.html")},
                &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("audit report: wrote " + tmp_.Sub("report.html") + " (9 exchanges)"));
  const std::string html = testing::ReadFileOrDie(tmp_.Sub("report.html"));
  EXPECT_THAT(html, HasSubstr("audit verify: OK: 5 records in 1 segment, 1 checkpoint"));
  EXPECT_THAT(html, HasSubstr("<td>purpose-not-allowed</td><td class=\"n\">2</td>"));

  // A trail that does not verify is refused with --verify, and reported without it.
  const std::string segment = tmp_.Sub("replica-2/segment-000001.log");
  std::string bytes = testing::ReadFileOrDie(segment);
  bytes[bytes.size() / 2] ^= 0x40;
  testing::WriteFileOrDie(segment, bytes);
  EXPECT_EQ(Run({tmp_.Sub("replica-1"), tmp_.Sub("replica-2"), "--verify"}, &out), 1);
  EXPECT_THAT(out, HasSubstr("replica-2 does not verify, so no report: audit verify: FAILED"));
  EXPECT_EQ(Run({tmp_.Sub("replica-1"), tmp_.Sub("replica-2")}, &out), 1);
  EXPECT_THAT(out, HasSubstr("warning: " + tmp_.Sub("replica-2") + ": segment-000001.log offset"));
  EXPECT_THAT(out, HasSubstr("Incomplete: 1 damaged or missing part of a trail skipped (warnings "
                             "below): the counts may be low\n"));
}

// After the gateway's key is stolen and its certificate revoked, a report with --verify and the
// CA's CRL refuses the trail that key sealed, as `pasarela audit verify --crl` does.
TEST_F(AuditReportCommandTest, VerifyWithACrlRefusesATrailSealedByARevokedCertificate) {
  Write(tmp_.Sub("trail"), SampleRecords());
  const std::string revoked = pki_.MakeCrl(
      "CA", {testing::Revocation{key_.cert_file, absl::Now(), /*keyCompromise*/ 1}}, "revoked.crl");
  const KeyAndCert other = pki_.MakeGateway("CA", "AR", "gateway-AR-old");
  const std::string unrelated =
      pki_.MakeCrl("CA", {testing::Revocation{other.cert_file, absl::Now()}}, "other.crl");
  std::string out;
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--verify", "--ca", ca_file_, "--crl", revoked}, &out), 1);
  EXPECT_THAT(out, HasSubstr("trail does not verify, so no report: audit verify: FAILED: 1 problem "
                             "(10 records in 1 segment, 0 checkpoints, 1 signed by a revoked "
                             "certificate, 0 unsealed); first: "));
  EXPECT_THAT(out, HasSubstr("signed by a certificate revoked on "));
  ASSERT_EQ(Run({tmp_.Sub("trail"), "--verify", "--ca", ca_file_, "--crl=" + unrelated}, &out), 0)
      << out;
  EXPECT_THAT(out, HasSubstr(": audit verify: OK: 10 records in 1 segment, 1 checkpoint"));
}

// A report verifies the receipts the records keep as `pasarela audit verify --peer-cert` does.
TEST_F(AuditReportCommandTest, VerifyTakesThePeersCertificates) {
  Write(tmp_.Sub("trail"), SampleRecords());
  const KeyAndCert peer = pki_.MakeGateway("CA", "CL", "gateway-CL");
  std::string out;
  ASSERT_EQ(Run({tmp_.Sub("trail"), "--verify", "--peer-cert", peer.cert_file}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr(": audit verify: OK: 10 records in 1 segment, 1 checkpoint, 0 "
                             "unsealed, 0 receipts verified"));
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--peer-cert", peer.cert_file}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --peer-cert only goes with --verify"));
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--verify", "--peer-cert=" + ca_file_}, &out), 2);
  EXPECT_THAT(out, HasSubstr("is not a gateway's: it names no urn:pasarela:gateway:CC URI"));
  // The peers' CA and CRL, as for verify.
  ASSERT_EQ(
      Run({tmp_.Sub("trail"), "--verify", "--peer-cert", peer.cert_file, "--peer-ca", ca_file_},
          &out),
      0)
      << out;
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--peer-ca", ca_file_}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --peer-ca only goes with --verify"));
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--verify", "--peer-cert", peer.cert_file, "--peer-crl",
                 tmp_.Sub("x.crl")},
                &out),
            2);
  EXPECT_THAT(out, HasSubstr("audit report: --peer-crl needs --peer-ca"));
}

TEST_F(AuditReportCommandTest, EmptyTrailAndUsageErrors) {
  Write(tmp_.Sub("empty"), {});
  std::string out;
  ASSERT_EQ(Run({tmp_.Sub("empty"), "--verify"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("Covered:   no records in the range"));
  EXPECT_THAT(out, HasSubstr("Verified:  " + tmp_.Sub("empty") + ": audit verify: OK: 0 records"));

  EXPECT_EQ(Run({tmp_.Sub("missing")}, &out), 1);
  EXPECT_THAT(out, HasSubstr("audit report: FAILED: "));
  EXPECT_EQ(Run({}, &out), 2);
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--from", "May 1"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("is not an RFC 3339 time"));
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--from", "2026-05-02", "--to", "2026-05-01"}, &out), 2);
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--format", "pdf"}, &out), 2);
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--ca", "x.pem"}, &out), 2);
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--crl", "x.crl"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --crl only goes with --verify"));
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--verify", "--crl", "x.crl"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --crl needs --ca"));
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--to"}, &out), 2);
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--bogus"}, &out), 2);
  for (const char* option : {"--from", "--to"}) {
    EXPECT_EQ(Run({tmp_.Sub("empty"), option, "2026-05-01", option, "2026-05-02"}, &out), 2);
    EXPECT_THAT(out, HasSubstr(absl::StrCat("audit report: ", option, " given twice")));
  }
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--format=text", "--format", "html"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --format given twice"));
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--output", ""}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --output must not be empty"));
  EXPECT_EQ(Run({tmp_.Sub("empty"), "--verify", "--ca="}, &out), 2);
  EXPECT_THAT(out, HasSubstr("audit report: --ca must not be empty"));
}

TEST_F(AuditReportCommandTest, OutputDashIsStandardOutputAndWriteErrorsSayWhy) {
  Write(tmp_.Sub("trail"), SampleRecords());
  std::string out;
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp_.path());
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--output", "-"}, &out), 0) << out;
  std::filesystem::current_path(cwd);
  EXPECT_THAT(out, HasSubstr("Pasarela audit report\n"));
  EXPECT_FALSE(std::filesystem::exists(tmp_.Sub("-"))) << "a file named - was written";

  EXPECT_EQ(Run({tmp_.Sub("trail"), "--output", "/dev/full"}, &out), 1);
  EXPECT_EQ(out, "audit report: FAILED: cannot write /dev/full: No space left on device\n");
  EXPECT_EQ(Run({tmp_.Sub("trail"), "--output", tmp_.Sub("no-dir/report.txt")}, &out), 1);
  EXPECT_THAT(out, HasSubstr("report.txt: No such file or directory\n"));
}

}  // namespace
}  // namespace pasarela::audit
