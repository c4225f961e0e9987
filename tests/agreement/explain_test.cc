// The plain-words explanation of an agreement.
#include <string>

#include "gateway/agreement/explain.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agreement/agreement_test_util.h"

namespace pasarela {
namespace {

using ::pasarela::testing::LoadTestBook;
using ::pasarela::testing::T;
using ::testing::HasSubstr;

TEST(ExplainAgreementTest, SaysEverythingInPlainWords) {
  AgreementBook book = LoadTestBook("valid");
  const Agreement* agreement = book.Find("ar-cl-identity-2026");
  ASSERT_NE(agreement, nullptr);
  EXPECT_EQ(
      ExplainAgreement(*agreement, T("2026-06-01T12:00:00Z")),
      "Agreement ar-cl-identity-2026: Border control identity checks\n"
      "Digest: sha256:60ac4df744a2e54ad06317873052f69ba168cbd38a5e987d032694c49d686902\n"
      "\n"
      "Who: AR/GOV/migraciones may call CL/GOV/registro-civil.\n"
      "What: these methods, and no other:\n"
      "  - pasarela.identity.v1.IdentityService/GetPerson\n"
      "  - pasarela.identity.v1.IdentityService/VerifyIdentity\n"
      "Purposes: border-control. Every call must state one of them.\n"
      "Legal basis: Identity verification of travellers at the border, under the bilateral "
      "agreement.\n"
      "  Reference: Ley 19.628 art. 4; Ley 25.326 art. 12\n"
      "In force: from 2026-01-01T00:00:00Z until 2027-12-31T23:59:59Z; in force now, expires in "
      "578 days.\n"
      "Quota: 20 requests per second per consumer, in bursts of up to 40.\n"
      "Retention: the consumer may keep what it receives for 30 days (P30D).\n"
      "\n"
      "Response fields that may leave (everything else is withheld):\n"
      "  pasarela.identity.v1.IdentityService/GetPerson: person.birth_date, person.family_names, "
      "person.given_names, person.identifiers\n"
      "  pasarela.identity.v1.IdentityService/VerifyIdentity: person_found, verdicts\n"
      "\n"
      "Personal data that may cross: every category up to personal_identifier (public, internal, "
      "personal, personal_identifier).\n"
      "Data of any other category (health, genetic, biometric, racial_or_ethnic_origin, "
      "religious_or_philosophical_belief, political_opinion, union_membership, "
      "sex_life_or_sexual_orientation) is redacted (the value is replaced by a placeholder).\n");
}

TEST(ExplainAgreementTest, SensitiveDataAndPerCategoryTreatments) {
  AgreementBook book = LoadTestBook("valid");
  const Agreement* agreement = book.Find("cl-ar-health-2026");
  ASSERT_NE(agreement, nullptr);
  std::string text = ExplainAgreement(*agreement, T("2026-06-01T12:00:00Z"));
  EXPECT_THAT(text, HasSubstr("Who: BR/GOV/saude, CL/GOV/minsal may each call "
                              "AR/GOV/hospital-garrahan.\n"));
  EXPECT_THAT(text, HasSubstr("Purposes: continuity-of-care, emergency-care. Every call must "
                              "state one of them.\n"));
  EXPECT_THAT(text, HasSubstr("In force: from 2026-03-01T03:00:00Z until 2027-01-01T02:59:59Z; "
                              "in force now, expires in 213 days.\n"));
  EXPECT_THAT(text, HasSubstr("Quota: 0.5 requests per second per consumer, in bursts of up to "
                              "5.\n"));
  EXPECT_THAT(text, HasSubstr("Retention: the consumer may keep what it receives for 1 year and "
                              "6 months (P1Y6M).\n"));
  EXPECT_THAT(text, HasSubstr("personal, personal_identifier), and by name the sensitive "
                              "health.\n"));
  EXPECT_THAT(text, HasSubstr("Data of any other category (racial_or_ethnic_origin, "
                              "religious_or_philosophical_belief, political_opinion, "
                              "union_membership, sex_life_or_sexual_orientation) is dropped (the "
                              "field is removed).\n"));
  EXPECT_THAT(text, HasSubstr("Data of category genetic is refused: the whole exchange is "
                              "denied.\n"));
  EXPECT_THAT(text, HasSubstr("Data of category biometric is masked (only the last 2 characters "
                              "stay visible).\n"));
  EXPECT_THAT(text,
              HasSubstr("summary.allergies, summary.birth_date, summary.blood_group, "
                        "summary.family_names, summary.given_names, "
                        "summary.medications.medication, summary.patient_identifier.value\n"));
}

TEST(ExplainAgreementTest, SaysWhenItStartsAndWhenItExpired) {
  AgreementBook book = LoadTestBook("valid");
  const Agreement* agreement = book.Find("ar-cl-identity-2026");
  ASSERT_NE(agreement, nullptr);
  EXPECT_THAT(ExplainAgreement(*agreement, T("2025-12-21T00:00:00Z")),
              HasSubstr("; not yet in force: starts in 11 days.\n"));
  EXPECT_THAT(ExplainAgreement(*agreement, T("2028-01-02T00:00:00Z")),
              HasSubstr("; no longer in force: expired 1 day ago.\n"));
  EXPECT_THAT(ExplainAgreement(*agreement, T("2027-12-31T20:00:00Z")),
              HasSubstr("; in force now, expires in less than a day.\n"));
}

}  // namespace
}  // namespace pasarela
