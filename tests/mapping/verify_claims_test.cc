// Verification without disclosure: claimed attributes against a stored record, after
// normalisation.
#include "gateway/mapping/verify_claims.h"

#include "absl/strings/str_cat.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kStored[] = R"({
  "identifiers": [{"issuing_country": "CL", "scheme": "CL-RUN", "value": "12531909-2"}],
  "given_names": ["MARÍA", "JOSÉ"],
  "family_names": ["GONZÁLEZ", "PÉREZ"],
  "birth_date": "1990-08-21",
  "sex": "SEX_FEMALE",
  "nationalities": ["CL"],
  "place_of_birth": "PROVIDENCIA"
})";

std::vector<std::pair<std::string, ClaimVerdict>> Verify(const std::string& stored,
                                                         const std::string& claims) {
  auto person = testing::FromJson("pasarela.identity.v1.Person", stored);
  auto claimed = testing::FromJson("pasarela.identity.v1.ClaimedAttributes", claims);
  absl::StatusOr<std::vector<AttributeVerdict>> verdicts = VerifyClaims(*person, *claimed);
  EXPECT_TRUE(verdicts.ok()) << verdicts.status().message();
  std::vector<std::pair<std::string, ClaimVerdict>> out;
  for (const AttributeVerdict& verdict : *verdicts)
    out.emplace_back(verdict.attribute, verdict.verdict);
  return out;
}

using V = std::pair<std::string, ClaimVerdict>;
constexpr ClaimVerdict kMatch = ClaimVerdict::kMatch;
constexpr ClaimVerdict kNoMatch = ClaimVerdict::kNoMatch;
constexpr ClaimVerdict kNotAvailable = ClaimVerdict::kNotAvailable;

TEST(VerifyClaimsTest, CaseAccentsAndSpacingDoNotMatter) {
  EXPECT_THAT(Verify(kStored, R"({"given_names": ["Maria Jose"], "family_names": ["gonzalez",
                                  "  Pérez "]})"),
              ElementsAre(V{"given_names", kMatch}, V{"family_names", kMatch}));
}

TEST(VerifyClaimsTest, HyphensAndApostrophesAreSetAside) {
  std::string stored = R"({"family_names": ["O'HIGGINS", "RIQUELME"], "given_names": ["JUAN"]})";
  EXPECT_THAT(Verify(stored, R"({"family_names": ["OHiggins-Riquelme"]})"),
              ElementsAre(V{"family_names", kMatch}));
  EXPECT_THAT(Verify(stored, R"({"family_names": ["Higgins Riquelme"]})"),
              ElementsAre(V{"family_names", kNoMatch}));
  EXPECT_THAT(Verify(stored, R"({"family_names": ["O’Higgins Riquelme"]})"),
              ElementsAre(V{"family_names", kMatch}));
  EXPECT_THAT(Verify(stored, R"({"family_names": ["O'Higgins-Riquelme"]})"),
              ElementsAre(V{"family_names", kMatch}));
}

// A registry with one field for all surnames sends them as one element, a registry with two
// fields as two: the words are compared in order, however they are grouped.
TEST(VerifyClaimsTest, GroupingOfNamesIntoElementsDoesNotMatter) {
  std::string argentine = R"({"family_names": ["DE LA FUENTE GONZÁLEZ"],
                              "given_names": ["MARÍA DEL CARMEN"]})";
  EXPECT_THAT(Verify(argentine, R"({"family_names": ["De la Fuente", "González"],
                                    "given_names": ["María", "del Carmen"]})"),
              ElementsAre(V{"given_names", kMatch}, V{"family_names", kMatch}));
  std::string chilean = R"({"family_names": ["DE LA FUENTE", "GONZÁLEZ"]})";
  EXPECT_THAT(Verify(chilean, R"({"family_names": ["de la Fuente González"]})"),
              ElementsAre(V{"family_names", kMatch}));
  EXPECT_THAT(Verify(chilean, R"({"family_names": ["González", "de la Fuente"]})"),
              ElementsAre(V{"family_names", kNoMatch}));
}

TEST(VerifyClaimsTest, WordsInAnotherOrderDoNotMatch) {
  EXPECT_THAT(Verify(kStored, R"({"family_names": ["Pérez", "González"]})"),
              ElementsAre(V{"family_names", kNoMatch}));
}

TEST(VerifyClaimsTest, DatesCompareAsDaysWhateverTheLayout) {
  for (const char* date : {"1990-08-21", "21/08/1990", "21-08-1990", "19900821",
                           "1990-08-21T00:00:00Z", "21.08.1990"}) {
    EXPECT_THAT(Verify(kStored, absl::StrCat(R"({"birth_date": ")", date, R"("})")),
                ElementsAre(V{"birth_date", kMatch}))
        << date;
  }
  EXPECT_THAT(Verify(kStored, R"({"birth_date": "08/21/1990"})"),
              ElementsAre(V{"birth_date", kNoMatch}));
  EXPECT_THAT(Verify(kStored, R"({"birth_date": "not a date"})"),
              ElementsAre(V{"birth_date", kNoMatch}));
}

TEST(VerifyClaimsTest, SexNationalityAndPlace) {
  EXPECT_THAT(Verify(kStored, R"({"sex": "SEX_FEMALE", "nationality": "chl",
                                  "place_of_birth": "Providencia"})"),
              ElementsAre(V{"sex", kMatch}, V{"nationality", kMatch}, V{"place_of_birth", kMatch}));
  EXPECT_THAT(Verify(kStored, R"({"sex": "SEX_MALE", "nationality": "AR"})"),
              ElementsAre(V{"sex", kNoMatch}, V{"nationality", kNoMatch}));
}

TEST(VerifyClaimsTest, WhatTheRecordLacksIsNotAvailable) {
  std::string sparse = R"({"given_names": ["ANA"], "sex": "SEX_UNKNOWN"})";
  EXPECT_THAT(Verify(sparse, R"({"given_names": ["Ana"], "family_names": ["Silva"],
                                 "birth_date": "2000-01-01", "sex": "SEX_FEMALE",
                                 "nationality": "BR", "place_of_birth": "Recife"})"),
              ElementsAre(V{"given_names", kMatch}, V{"family_names", kNotAvailable},
                          V{"birth_date", kNotAvailable}, V{"sex", kNotAvailable},
                          V{"nationality", kNotAvailable}, V{"place_of_birth", kNotAvailable}));
}

TEST(VerifyClaimsTest, OnlyClaimedAttributesAreAnswered) {
  EXPECT_THAT(Verify(kStored, "{}"), ElementsAre());
  EXPECT_THAT(Verify(kStored, R"({"given_names": ["  "], "sex": "SEX_UNSPECIFIED"})"),
              ElementsAre());
}

TEST(VerifyClaimsTest, IdentifierFormattingIsSetAside) {
  auto person = testing::FromJson("pasarela.identity.v1.Person", kStored);
  auto identifier = [](const std::string& json) {
    return testing::FromJson("pasarela.identity.v1.PersonIdentifier", json);
  };
  EXPECT_TRUE(
      IdentifierMatches(*person, *identifier(R"({"issuing_country": "cl", "scheme": "CL-RUN",
                               "value": "12.531.909-2"})")));
  EXPECT_TRUE(IdentifierMatches(
      *person,
      *identifier(R"({"issuing_country": "CL", "scheme": "cl-run", "value": "125319092"})")));
  EXPECT_FALSE(IdentifierMatches(
      *person,
      *identifier(R"({"issuing_country": "CL", "scheme": "CL-RUN", "value": "12531909-3"})")));
  EXPECT_FALSE(IdentifierMatches(
      *person,
      *identifier(R"({"issuing_country": "AR", "scheme": "AR-DNI", "value": "12531909"})")));
}

TEST(VerifyClaimsTest, ResponseCarriesVerdictsNotValues) {
  auto person = testing::FromJson("pasarela.identity.v1.Person", kStored);
  auto claims =
      testing::FromJson("pasarela.identity.v1.ClaimedAttributes",
                        R"({"family_names": ["Gonzalez Perez"], "birth_date": "1990-08-22"})");
  absl::StatusOr<std::vector<AttributeVerdict>> verdicts = VerifyClaims(*person, *claims);
  ASSERT_TRUE(verdicts.ok());
  auto response = testing::NewMessage("pasarela.identity.v1.VerifyIdentityResponse");
  ASSERT_TRUE(WriteVerifyIdentityResponse(true, *verdicts, response.get()).ok());
  std::string json = testing::ToJson(*response);
  EXPECT_EQ(
      json,
      R"({"person_found":true,"verdicts":[{"attribute":"family_names",)"
      R"("verdict":"VERDICT_MATCH"},{"attribute":"birth_date","verdict":"VERDICT_NO_MATCH"}]})");
  EXPECT_THAT(json, ::testing::Not(HasSubstr("1990")));
}

TEST(VerifyClaimsTest, ClaimWithoutCounterpartIsRefused) {
  auto person = testing::FromJson("pasarela.identity.v1.Person", kStored);
  auto other = testing::FromJson("pasarela.identity.v1.PersonIdentifier", R"({"value": "1"})");
  absl::StatusOr<std::vector<AttributeVerdict>> verdicts = VerifyClaims(*person, *other);
  EXPECT_EQ(verdicts.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pasarela
