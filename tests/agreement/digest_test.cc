// Agreement digests: the same meaning gives the same digest, any change of meaning another one.
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gateway/agreement/agreement.h"
#include "gateway/agreement/agreement_book.h"
#include "gtest/gtest.h"
#include "tests/agreement/agreement_test_util.h"

namespace pasarela {
namespace {

using ::pasarela::testing::LoadTestBook;

constexpr char kBaseCanonical[] =
    "pasarela-agreement/1\n"
    "id 1\n19:ar-cl-identity-2026\n"
    "title 1\n30:Border control identity checks\n"
    "consumers 1\n18:AR/GOV/migraciones\n"
    "provider 1\n21:CL/GOV/registro-civil\n"
    "methods 2\n"
    "46:pasarela.identity.v1.IdentityService/GetPerson\n"
    "51:pasarela.identity.v1.IdentityService/VerifyIdentity\n"
    "purposes 1\n14:border-control\n"
    "legal_basis.text 1\n"
    "81:Identity verification of travellers at the border, under the bilateral agreement.\n"
    "legal_basis.reference 1\n37:Ley 19.628 art. 4; Ley 25.326 art. 12\n"
    "validity.from 1\n20:2026-01-01T00:00:00Z\n"
    "validity.until 1\n20:2027-12-31T23:59:59Z\n"
    "retention 1\n4:P30D\n"
    "quota.requests_per_second 1\n2:20\n"
    "quota.burst 1\n2:40\n"
    "response_fields 2\n"
    "method 1\n46:pasarela.identity.v1.IdentityService/GetPerson\n"
    "fields 4\n17:person.birth_date\n19:person.family_names\n18:person.given_names\n"
    "18:person.identifiers\n"
    "method 1\n51:pasarela.identity.v1.IdentityService/VerifyIdentity\n"
    "fields 2\n12:person_found\n8:verdicts\n"
    "personal_data.highest_category 1\n19:personal_identifier\n"
    "personal_data.also_allowed 0\n"
    "personal_data.beyond.default 1\n6:redact\n"
    "personal_data.beyond 0\n"
    "personal_data.mask_keep_last 1\n1:4\n";

// sha256 of kBaseCanonical, computed apart from the code under test.
constexpr char kBaseDigest[] = "60ac4df744a2e54ad06317873052f69ba168cbd38a5e987d032694c49d686902";

const Agreement& Only(const AgreementBook& book) {
  static const Agreement kEmpty;
  EXPECT_EQ(book.size(), 1u);
  return book.empty() ? kEmpty : *book.agreements()[0];
}

TEST(AgreementDigestTest, CanonicalFormAndDigestAreExact) {
  AgreementBook book = LoadTestBook("digest/base");
  const Agreement& agreement = Only(book);
  EXPECT_EQ(CanonicalAgreement(agreement), kBaseCanonical);
  EXPECT_EQ(agreement.digest, kBaseDigest);
  EXPECT_EQ(AgreementDigest(agreement), kBaseDigest);
}

TEST(AgreementDigestTest, CommentsOrderAndFormattingDoNotChangeIt) {
  AgreementBook base = LoadTestBook("digest/base");
  AgreementBook reformatted = LoadTestBook("digest/reformatted");
  EXPECT_EQ(CanonicalAgreement(Only(reformatted)), CanonicalAgreement(Only(base)));
  EXPECT_EQ(Only(reformatted).digest, kBaseDigest);
  EXPECT_EQ(reformatted.digest(), base.digest());
}

TEST(AgreementDigestTest, APurposeChangeChangesIt) {
  AgreementBook base = LoadTestBook("digest/base");
  AgreementBook changed = LoadTestBook("digest/purpose-changed");
  EXPECT_NE(Only(changed).digest, Only(base).digest);
  EXPECT_NE(changed.digest(), base.digest());
}

TEST(AgreementDigestTest, EverySemanticChangeChangesIt) {
  AgreementBook book = LoadTestBook("digest/base");
  const Agreement& base = Only(book);
  const std::vector<std::pair<const char*, std::function<void(Agreement&)>>> changes = {
      {"id", [](Agreement& a) { a.id = "ar-cl-identity-2027"; }},
      {"title", [](Agreement& a) { a.title = "Border checks"; }},
      {"consumer added", [](Agreement& a) { a.consumers.push_back("AR/GOV/afip"); }},
      {"provider", [](Agreement& a) { a.provider = "CL/GOV/minsal"; }},
      {"method removed", [](Agreement& a) { a.methods.pop_back(); }},
      {"purpose", [](Agreement& a) { a.purposes = {"tax-audit"}; }},
      {"legal text", [](Agreement& a) { a.legal_basis.text += " "; }},
      {"legal reference", [](Agreement& a) { a.legal_basis.reference = "Ley 19.628"; }},
      {"from", [](Agreement& a) { a.valid_from += absl::Seconds(1); }},
      {"until", [](Agreement& a) { a.valid_until += absl::Milliseconds(1); }},
      {"retention", [](Agreement& a) { a.retention.days = 31; }},
      {"rate", [](Agreement& a) { a.quota.requests_per_second = 20.5; }},
      {"burst", [](Agreement& a) { a.quota.burst = 41; }},
      {"field removed",
       [](Agreement& a) {
         a.response_fields["pasarela.identity.v1.IdentityService/GetPerson"].pop_back();
       }},
      {"field moved to another method",
       [](Agreement& a) {
         a.response_fields["pasarela.identity.v1.IdentityService/VerifyIdentity"].push_back(
             "person.identifiers");
         a.response_fields["pasarela.identity.v1.IdentityService/GetPerson"].pop_back();
       }},
      {"highest category",
       [](Agreement& a) { a.personal_data.highest_category = DataCategory::kPersonal; }},
      {"also allowed",
       [](Agreement& a) { a.personal_data.also_allowed = {DataCategory::kHealth}; }},
      {"default treatment",
       [](Agreement& a) { a.personal_data.default_treatment = DataTreatment::kMask; }},
      {"beyond",
       [](Agreement& a) { a.personal_data.beyond[DataCategory::kHealth] = DataTreatment::kDeny; }},
      {"mask_keep_last", [](Agreement& a) { a.personal_data.mask_keep_last = 3; }},
      {"undeclared", [](Agreement& a) { a.personal_data.undeclared = DataTreatment::kMask; }},
  };
  std::set<std::string> digests = {base.digest};
  for (const auto& [what, change] : changes) {
    Agreement changed = base;
    change(changed);
    std::string digest = AgreementDigest(changed);
    EXPECT_NE(digest, base.digest) << what;
    EXPECT_TRUE(digests.insert(digest).second) << what << " collides with another change";
  }
  // What is not meaning: where it was written.
  Agreement moved = base;
  moved.file = "elsewhere.yaml";
  moved.line = 99;
  EXPECT_EQ(AgreementDigest(moved), base.digest);
}

TEST(AgreementDigestTest, ValuesCannotForgeBoundaries) {
  Agreement two;
  two.purposes = {"a", "b"};
  Agreement one;
  one.purposes = {"a\n1:b"};
  EXPECT_NE(AgreementDigest(two), AgreementDigest(one));
}

TEST(AgreementBookDigestTest, DependsOnEveryAgreement) {
  AgreementBook valid = LoadTestBook("valid");
  AgreementBook again = LoadTestBook("valid");
  EXPECT_EQ(valid.digest(), again.digest());
  EXPECT_EQ(valid.digest(), AgreementBookDigest(valid.agreements()));
  EXPECT_NE(valid.digest(), AgreementBook().digest());
  EXPECT_NE(valid.digest(), LoadTestBook("digest/base").digest());
  EXPECT_EQ(AgreementBook().digest().size(), 64u);
}

}  // namespace
}  // namespace pasarela
