// Every rule of the agreement decision, allowed and denied, in the order the rules apply.
#include <ostream>
#include <string>
#include <vector>

#include "gateway/agreement/decision.h"
#include "gtest/gtest.h"
#include "tests/agreement/agreement_test_util.h"

namespace pasarela {
namespace {

using ::pasarela::testing::LoadTestBook;
using ::pasarela::testing::T;

constexpr char kGetPerson[] = "pasarela.identity.v1.IdentityService/GetPerson";
constexpr char kOwnDigest[] = "<the provider's own digest>";

struct Case {
  const char* name;
  // The facts of an allowed call, with these changes.
  const char* consumer = "AR/GOV/migraciones";
  const char* provider = "CL/GOV/registro-civil";
  const char* method = kGetPerson;
  const char* purpose = "border-control";
  const char* agreement = "ar-cl-identity-2026";
  const char* peer_digest = "";
  const char* now = "2026-06-01T12:00:00Z";
  // What must come out.
  const char* rule = "allowed";
  absl::StatusCode code = absl::StatusCode::kOk;
  const char* message = "";
};

// Names the case in test output instead of printing its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&cases](Case c) { cases.push_back(c); };
  Case c;

  c = Case{"allowed"};
  add(c);
  c = Case{"allowed_second_method"};
  c.method = "pasarela.identity.v1.IdentityService/VerifyIdentity";
  add(c);
  c = Case{"allowed_grpc_path_form"};
  c.method = "/pasarela.identity.v1.IdentityService/GetPerson";
  add(c);
  c = Case{"allowed_with_matching_peer_digest"};
  c.peer_digest = kOwnDigest;
  add(c);
  c = Case{"allowed_at_the_first_instant"};
  c.now = "2026-01-01T00:00:00Z";
  add(c);
  c = Case{"allowed_at_the_last_instant"};
  c.now = "2027-12-31T23:59:59Z";
  add(c);
  c = Case{"allowed_second_consumer_of_another_agreement"};
  c.consumer = "BR/GOV/saude";
  c.provider = "AR/GOV/hospital-garrahan";
  c.method = "pasarela.health.v1.PatientSummaryService/GetPatientSummary";
  c.purpose = "emergency-care";
  c.agreement = "cl-ar-health-2026";
  add(c);

  c = Case{"agreement_missing"};
  c.agreement = "";
  c.rule = "agreement-missing";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "the call names no agreement: set x-pasarela-agreement to the id of the agreement it is "
      "made under";
  add(c);
  c = Case{"agreement_unknown"};
  c.agreement = "ar-cl-identity-2025";
  c.rule = "agreement-unknown";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message = "agreement 'ar-cl-identity-2025' is not known to this gateway";
  add(c);
  c = Case{"consumer_not_party"};
  c.consumer = "AR/GOV/afip";
  c.rule = "consumer-not-party";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "AR/GOV/afip is not a consumer of agreement ar-cl-identity-2026; its consumers: "
      "AR/GOV/migraciones";
  add(c);
  c = Case{"provider_mismatch"};
  c.provider = "CL/GOV/minsal";
  c.rule = "provider-mismatch";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 is with provider CL/GOV/registro-civil, not CL/GOV/minsal";
  add(c);
  c = Case{"method_not_allowed"};
  c.method = "pasarela.health.v1.PatientSummaryService/GetPatientSummary";
  c.rule = "method-not-allowed";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 does not allow method "
      "pasarela.health.v1.PatientSummaryService/GetPatientSummary; allowed: "
      "pasarela.identity.v1.IdentityService/GetPerson, "
      "pasarela.identity.v1.IdentityService/VerifyIdentity";
  add(c);
  c = Case{"purpose_missing"};
  c.purpose = "";
  c.rule = "purpose-missing";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 requires a purpose: set x-pasarela-purpose to one of: "
      "border-control";
  add(c);
  c = Case{"purpose_not_allowed"};
  c.purpose = "tax-audit";
  c.rule = "purpose-not-allowed";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 does not allow purpose 'tax-audit'; allowed: border-control";
  add(c);
  c = Case{"not_yet_valid"};
  c.now = "2025-12-31T23:59:59Z";
  c.rule = "agreement-not-yet-valid";
  c.code = absl::StatusCode::kFailedPrecondition;
  c.message = "agreement ar-cl-identity-2026 is not in force until 2026-01-01T00:00:00Z";
  add(c);
  c = Case{"expired"};
  c.now = "2028-01-01T00:00:00Z";
  c.rule = "agreement-expired";
  c.code = absl::StatusCode::kFailedPrecondition;
  c.message = "agreement ar-cl-identity-2026 expired at 2027-12-31T23:59:59Z";
  add(c);
  c = Case{"expired_by_a_fraction_of_a_second"};
  c.now = "2027-12-31T23:59:59.001Z";
  c.rule = "agreement-expired";
  c.code = absl::StatusCode::kFailedPrecondition;
  c.message = "agreement ar-cl-identity-2026 expired at 2027-12-31T23:59:59Z";
  add(c);
  c = Case{"agreement_mismatch"};
  c.peer_digest = "0000000000000000000000000000000000000000000000000000000000000000";
  c.rule = "agreement-mismatch";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 differs between the gateways: the consumer's copy has digest "
      "000000000000..., the provider's 60ac4df744a2...; both countries must load the same "
      "agreement";
  add(c);

  // When several rules fail, the first in order decides.
  c = Case{"consumer_checked_before_purpose"};
  c.consumer = "AR/GOV/afip";
  c.purpose = "tax-audit";
  c.rule = "consumer-not-party";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "AR/GOV/afip is not a consumer of agreement ar-cl-identity-2026; its consumers: "
      "AR/GOV/migraciones";
  add(c);
  c = Case{"purpose_checked_before_validity"};
  c.purpose = "tax-audit";
  c.now = "2028-01-01T00:00:00Z";
  c.rule = "purpose-not-allowed";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 does not allow purpose 'tax-audit'; allowed: border-control";
  add(c);
  c = Case{"validity_checked_before_digest"};
  c.peer_digest = "ffff";
  c.now = "2028-01-01T00:00:00Z";
  c.rule = "agreement-expired";
  c.code = absl::StatusCode::kFailedPrecondition;
  c.message = "agreement ar-cl-identity-2026 expired at 2027-12-31T23:59:59Z";
  add(c);
  c = Case{"method_checked_before_purpose_presence"};
  c.method = "pasarela.identity.v1.IdentityService/DeletePerson";
  c.purpose = "";
  c.rule = "method-not-allowed";
  c.code = absl::StatusCode::kPermissionDenied;
  c.message =
      "agreement ar-cl-identity-2026 does not allow method "
      "pasarela.identity.v1.IdentityService/DeletePerson; allowed: "
      "pasarela.identity.v1.IdentityService/GetPerson, "
      "pasarela.identity.v1.IdentityService/VerifyIdentity";
  add(c);
  return cases;
}

class DecisionTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { book_ = new AgreementBook(LoadTestBook("valid")); }
  static void TearDownTestSuite() {
    delete book_;
    book_ = nullptr;
  }
  static AgreementBook* book_;
};

AgreementBook* DecisionTest::book_ = nullptr;

TEST_P(DecisionTest, DecidesByTheFirstRuleThatFails) {
  const Case& c = GetParam();
  std::string peer_digest = c.peer_digest;
  if (peer_digest == kOwnDigest) peer_digest = book_->Find(c.agreement)->digest;
  CallFacts facts{c.consumer, c.provider, c.method, c.purpose, c.agreement, peer_digest, T(c.now)};

  AgreementDecision decision = Decide(*book_, facts);

  EXPECT_EQ(decision.rule, c.rule);
  EXPECT_EQ(decision.allowed, c.code == absl::StatusCode::kOk);
  EXPECT_EQ(decision.status.code(), c.code) << decision.status;
  EXPECT_EQ(decision.status.message(), c.message);
  if (decision.allowed) {
    ASSERT_NE(decision.agreement, nullptr);
    EXPECT_EQ(decision.agreement->id, c.agreement);
  }
  if (decision.rule == "agreement-missing" || decision.rule == "agreement-unknown") {
    EXPECT_EQ(decision.agreement, nullptr);
  } else {
    EXPECT_EQ(decision.agreement, book_->Find(c.agreement));
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, DecisionTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(AuthorizeTest, QuotaIsCheckedLastAndOnlyForAllowedCalls) {
  AgreementBook book = LoadTestBook("valid");
  QuotaLimiter quota;
  const absl::Time now = T("2026-06-01T12:00:00Z");
  CallFacts denied{"AR/GOV/migraciones",
                   "CL/GOV/registro-civil",
                   kGetPerson,
                   "tax-audit",
                   "ar-cl-identity-2026",
                   "",
                   now};
  // Denied calls take nothing from the quota.
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(Authorize(book, denied, quota).rule, "purpose-not-allowed");
  EXPECT_EQ(quota.bucket_count(), 0u);

  CallFacts allowed = denied;
  allowed.purpose = "border-control";
  for (int i = 0; i < 40; ++i) {
    AgreementDecision decision = Authorize(book, allowed, quota);
    ASSERT_TRUE(decision.allowed) << i << ": " << decision.status;
    EXPECT_EQ(decision.rule, "allowed");
  }
  AgreementDecision refused = Authorize(book, allowed, quota);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.rule, "quota-exceeded");
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status.message(),
            "quota of agreement ar-cl-identity-2026 exceeded for AR/GOV/migraciones: 20 requests "
            "per second with bursts of 40 (per consumer); try again in 50ms");
  EXPECT_EQ(refused.agreement, book.Find("ar-cl-identity-2026"));

  allowed.now = now + absl::Milliseconds(50);
  EXPECT_TRUE(Authorize(book, allowed, quota).allowed);
}

}  // namespace
}  // namespace pasarela
