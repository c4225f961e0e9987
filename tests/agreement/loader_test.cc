// The agreement loader: a valid directory, and golden diagnostics for broken ones.
//
// Each directory testdata/broken/<case>/ holds the agreement files of one case and, beside them,
// expected.txt: the exact diagnostics, with paths relative to testdata/. Set
// PASARELA_UPDATE_GOLDEN=1 to rewrite the expected files from the current output (then review the
// diff).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "gateway/agreement/agreement_book.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agreement/agreement_test_util.h"

namespace pasarela {
namespace {

using ::pasarela::testing::LoadTestBook;
using ::pasarela::testing::T;
using ::pasarela::testing::TestCatalog;
using ::pasarela::testing::TestDataDir;
using ::pasarela::testing::TestFederation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Loads testdata/<dir> and returns its diagnostics with the test data directory taken out.
std::string LoadDiagnostics(const std::string& dir, bool* loaded) {
  Diagnostics diagnostics;
  absl::optional<AgreementBook> book =
      LoadAgreements(TestDataDir() + "/" + dir, &TestFederation(), TestCatalog(), diagnostics);
  *loaded = book.has_value();
  return absl::StrReplaceAll(diagnostics.ToString(), {{TestDataDir() + "/", ""}});
}

TEST(LoadAgreementsTest, LoadsTheValidDirectory) {
  AgreementBook book = LoadTestBook("valid");
  ASSERT_EQ(book.size(), 2u);
  EXPECT_EQ(book.agreements()[0]->id, "ar-cl-identity-2026");
  EXPECT_EQ(book.agreements()[1]->id, "cl-ar-health-2026");

  const Agreement* identity = book.Find("ar-cl-identity-2026");
  ASSERT_NE(identity, nullptr);
  EXPECT_EQ(identity->title, "Border control identity checks");
  EXPECT_THAT(identity->consumers, ElementsAre("AR/GOV/migraciones"));
  EXPECT_EQ(identity->provider, "CL/GOV/registro-civil");
  EXPECT_THAT(identity->methods,
              ElementsAre("pasarela.identity.v1.IdentityService/GetPerson",
                          "pasarela.identity.v1.IdentityService/VerifyIdentity"));
  EXPECT_THAT(identity->purposes, ElementsAre("border-control"));
  EXPECT_EQ(identity->legal_basis.reference, "Ley 19.628 art. 4; Ley 25.326 art. 12");
  EXPECT_EQ(identity->valid_from, T("2026-01-01T00:00:00Z"));
  EXPECT_EQ(identity->valid_until, T("2027-12-31T23:59:59Z"));
  EXPECT_EQ(identity->retention.ToString(), "P30D");
  EXPECT_EQ(identity->quota.requests_per_second, 20);
  EXPECT_EQ(identity->quota.burst, 40);
  EXPECT_THAT(identity->response_fields,
              ElementsAre(Pair("pasarela.identity.v1.IdentityService/GetPerson",
                               ElementsAre("person.birth_date", "person.family_names",
                                           "person.given_names", "person.identifiers")),
                          Pair("pasarela.identity.v1.IdentityService/VerifyIdentity",
                               ElementsAre("person_found", "verdicts"))));
  EXPECT_EQ(identity->personal_data.highest_category, DataCategory::kPersonalIdentifier);
  EXPECT_EQ(identity->personal_data.default_treatment, DataTreatment::kRedact);
  EXPECT_TRUE(identity->personal_data.beyond.empty());
  EXPECT_EQ(identity->digest, AgreementDigest(*identity));
  EXPECT_EQ(identity->digest.size(), 64u);
  EXPECT_EQ(identity->line, 4);

  const Agreement* health = book.Find("cl-ar-health-2026");
  ASSERT_NE(health, nullptr);
  EXPECT_THAT(health->consumers, ElementsAre("BR/GOV/saude", "CL/GOV/minsal"));
  EXPECT_THAT(health->purposes, ElementsAre("continuity-of-care", "emergency-care"));
  EXPECT_EQ(health->valid_from, T("2026-03-01T03:00:00Z"));
  EXPECT_EQ(health->quota.requests_per_second, 0.5);
  EXPECT_EQ(health->retention.years, 1);
  EXPECT_EQ(health->retention.months, 6);
  const PersonalDataPolicy& data = health->personal_data;
  EXPECT_THAT(data.also_allowed, ElementsAre(DataCategory::kHealth));
  EXPECT_EQ(data.default_treatment, DataTreatment::kDrop);
  EXPECT_THAT(data.beyond, ElementsAre(Pair(DataCategory::kGenetic, DataTreatment::kDeny),
                                       Pair(DataCategory::kBiometric, DataTreatment::kMask)));
  EXPECT_EQ(data.mask_keep_last, 2);
  EXPECT_TRUE(data.Allows(DataCategory::kHealth));
  EXPECT_TRUE(data.Allows(DataCategory::kPersonal));
  EXPECT_FALSE(data.Allows(DataCategory::kPoliticalOpinion));
  EXPECT_EQ(data.TreatmentFor(DataCategory::kPoliticalOpinion), DataTreatment::kDrop);
  EXPECT_EQ(data.TreatmentFor(DataCategory::kBiometric), DataTreatment::kMask);
  EXPECT_EQ(data.TreatmentFor(DataCategory::kHealth), DataTreatment::kAllow);

  EXPECT_EQ(book.Find("ar-cl-identity"), nullptr);
  EXPECT_NE(book.FindTrimmer("ar-cl-identity-2026",
                             "pasarela.identity.v1.IdentityService/VerifyIdentity"),
            nullptr);
  EXPECT_EQ(book.FindTrimmer("ar-cl-identity-2026",
                             "pasarela.health.v1.PatientSummaryService/GetPatientSummary"),
            nullptr);
  EXPECT_EQ(book.FindTrimmer("nope", "pasarela.identity.v1.IdentityService/GetPerson"), nullptr);
}

TEST(LoadAgreementsTest, MissingDirectoryMeansNoAgreements) {
  Diagnostics diagnostics;
  absl::optional<AgreementBook> book = LoadAgreements(
      TestDataDir() + "/no-such-directory", &TestFederation(), TestCatalog(), diagnostics);
  ASSERT_TRUE(book.has_value());
  EXPECT_TRUE(book->empty());
  EXPECT_FALSE(diagnostics.has_errors());
  EXPECT_EQ(book->digest(), AgreementBook().digest());
}

TEST(LoadAgreementsTest, AFileIsNotADirectory) {
  bool loaded = true;
  EXPECT_EQ(LoadDiagnostics("federation.yaml", &loaded),
            "federation.yaml: error: expected a directory of agreement files (*.yaml)\n");
  EXPECT_FALSE(loaded);
}

TEST(LoadAgreementsTest, WithoutAFederationParticipantsAreCheckedForTheirFormOnly) {
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadAgreements(TestDataDir() + "/valid", nullptr, TestCatalog(), diagnostics));
  EXPECT_FALSE(diagnostics.has_errors()) << diagnostics.ToString();

  EXPECT_FALSE(LoadAgreements(TestDataDir() + "/broken/unknown-participant", nullptr, TestCatalog(),
                              diagnostics));
  EXPECT_EQ(absl::StrReplaceAll(diagnostics.ToString(), {{TestDataDir() + "/", ""}}),
            "broken/unknown-participant/agreement.yaml:4:44: error: consumers: 'argentina' is not "
            "a participant name: expected COUNTRY/CLASS/MEMBER such as CL/GOV/registro-civil\n");

  Diagnostics other;
  EXPECT_FALSE(
      LoadAgreements(TestDataDir() + "/broken/until-before-from", nullptr, TestCatalog(), other));
  EXPECT_THAT(other.ToString(), HasSubstr("validity.until: expected a time after"));
}

class BrokenAgreementsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BrokenAgreementsTest, ReportsEveryErrorAsExpected) {
  const std::string dir = std::string("broken/") + GetParam();
  const std::string expected_path = TestDataDir() + "/" + dir + "/expected.txt";
  bool loaded = true;
  std::string actual = LoadDiagnostics(dir, &loaded);
  EXPECT_FALSE(loaded);
  EXPECT_NE(actual, "");
  const char* update = std::getenv("PASARELA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(expected_path) << actual;
    return;
  }
  EXPECT_EQ(actual, ReadText(expected_path)) << "golden file: " << dir << "/expected.txt";
}

INSTANTIATE_TEST_SUITE_P(
    Golden, BrokenAgreementsTest,
    ::testing::Values("bad-yaml", "unknown-key", "duplicate-key", "unknown-participant",
                      "unknown-method", "unknown-field-path", "until-before-from", "duplicate-ids",
                      "bad-category", "bad-values", "empty-values", "wrong-types", "yml-extension",
                      "method-typo", "quota-rates", "impossible-dates", "repeated-in-flow-style"),
    [](const ::testing::TestParamInfo<const char*>& info) {
      std::string name = info.param;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace pasarela
