// Identifier schemes: canonical and national forms, the rules every value must pass, and errors
// that name the scheme and the rule without repeating the value.
#include "gateway/mapping/national_id.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const IdentifierScheme& Scheme(absl::string_view name) {
  const IdentifierScheme* scheme = IdentifierScheme::Find(name);
  EXPECT_NE(scheme, nullptr) << name;
  return *scheme;
}

std::string Canonical(absl::string_view scheme, absl::string_view text) {
  absl::StatusOr<std::string> out = Scheme(scheme).ToCanonical(text);
  return out.ok() ? *out : std::string(out.status().message());
}

std::string National(absl::string_view scheme, absl::string_view text) {
  absl::StatusOr<std::string> out = Scheme(scheme).ToNational(text);
  return out.ok() ? *out : std::string(out.status().message());
}

TEST(NationalIdTest, ValidValuesConvertBothWays) {
  EXPECT_EQ(Canonical("CL-RUN", "12.531.909-2"), "12531909-2");
  EXPECT_EQ(National("CL-RUN", "12531909-2"), "12.531.909-2");
  EXPECT_EQ(Canonical("UY-CI", "1.234.567-2"), "1234567-2");
  EXPECT_EQ(Canonical("AR-CUIL", "20-05536168-2"), "20055361682");
  EXPECT_EQ(Canonical("BR-CPF", "390.533.447-05"), "39053344705");
  EXPECT_EQ(Canonical("AR-DNI", "20.123.456"), "20123456");
}

TEST(NationalIdTest, CheckDigitsAndRulesAreVerified) {
  EXPECT_EQ(Canonical("BR-CPF", "111.111.111-11"), "not a valid BR-CPF (all digits equal)");
  EXPECT_EQ(Canonical("BR-CPF", "390.533.447-06"), "not a valid BR-CPF (check digit)");
  EXPECT_EQ(Canonical("AR-CUIL", "20-05536168-3"), "not a valid AR-CUIL (check digit)");
  EXPECT_THAT(Canonical("AR-CUIT", "99-05536168-2"),
              HasSubstr("not a valid AR-CUIT (prefix not issued; expected 20, 23"));
  EXPECT_EQ(Canonical("CL-RUN", "12.531.909-3"), "not a valid CL-RUN (check digit)");
  EXPECT_EQ(Canonical("UY-CI", "1.234.567-3"), "not a valid UY-CI (check digit)");
  EXPECT_EQ(Canonical("BR-CNS", "300 0012 3456 7894"),
            "not a valid BR-CNS (first digit not 1, 2, 7, 8 or 9)");
  // The reverse refuses a canonical value with a wrong check digit as well.
  EXPECT_EQ(National("CL-RUN", "12531909-3"), "not a valid CL-RUN (check digit)");
  EXPECT_FALSE(Scheme("AR-CUIL").IsValid("20-05536168-3"));
  EXPECT_TRUE(Scheme("AR-CUIL").IsValid("20-05536168-2"));
}

TEST(NationalIdTest, ShapeErrorsNameTheExpectedShapeNotTheValue) {
  EXPECT_EQ(Canonical("AR-DNI", "123456"), "not an AR-DNI (expected 7 or 8 digits)");
  EXPECT_EQ(Canonical("CL-RUN", "125319092X"),
            "not a CL-RUN (expected 7 or 8 digits and a check digit or K)");
  EXPECT_THAT(Canonical("BR-CPF", "390533447"), Not(HasSubstr("390533447")));
}

TEST(NationalIdTest, LeadingZerosArePaddingAndCanonicalFormsRoundTrip) {
  EXPECT_EQ(Canonical("CL-RUN", "05.123.456-1"), "5123456-1");
  EXPECT_EQ(National("CL-RUN", "5123456-1"), "5.123.456-1");
  EXPECT_EQ(Canonical("UY-CI", "0.123.456-1"), "123456-1");
  EXPECT_EQ(National("UY-CI", "123456-1"), "123.456-1");
  EXPECT_EQ(Canonical("AR-DNI", "01.234.567"), "1234567");
  EXPECT_EQ(National("AR-DNI", "01234567"), "1.234.567");
  // Once the zeros are dropped, the body is shorter than the scheme allows.
  EXPECT_EQ(Canonical("UY-CI", "0.012.345-8"),
            "not a UY-CI (expected 6 or 7 digits and a check "
            "digit)");
  EXPECT_EQ(Canonical("CL-RUN", "0.123.456-K"),
            "not a CL-RUN (expected 7 or 8 digits and a check digit or K)");
  for (absl::string_view zero : {"0.000.000-0", "00.000.000-0", "0-0"}) {
    EXPECT_FALSE(Scheme("UY-CI").IsValid(zero)) << zero;
    EXPECT_FALSE(Scheme("CL-RUN").IsValid(zero)) << zero;
  }
}

TEST(NationalIdTest, ReadsTheCommonPunctuation) {
  EXPECT_EQ(Canonical("CL-RUN", "12,531,909-2"), "12531909-2");
  EXPECT_EQ(Canonical("CL-RUN", "12.531.909\u20102"), "12531909-2");  // hyphen
  EXPECT_EQ(Canonical("CL-RUN", "12.531.909\u20132"), "12531909-2");  // en dash
  EXPECT_EQ(Canonical("CL-RUN", "12\u00A0531\u00A0909-2"), "12531909-2");
  EXPECT_EQ(Canonical("BR-CPF", "390\u202F533\u202F447/05"), "39053344705");
  EXPECT_EQ(Canonical("CL-RUN", "12531909-k"), "not a valid CL-RUN (check digit)");
  EXPECT_EQ(Canonical("CL-RUN", "12_531_909-2"),
            "not a CL-RUN (expected 7 or 8 digits and a check digit or K)");
}

TEST(NationalIdTest, CanonicalAndNationalForms) {
  const IdentifierScheme* run = IdentifierScheme::Find("CL-RUN");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(*run->ToCanonical("12.531.909-2"), "12531909-2");
  EXPECT_EQ(*run->ToCanonical("15000005k"), "15000005-K");
  EXPECT_EQ(*run->ToNational("12531909-2"), "12.531.909-2");
  EXPECT_EQ(*run->ToNational("7654302-K"), "7.654.302-K");
  EXPECT_FALSE(run->ToCanonical("12.531.909-2 X").ok());
  EXPECT_TRUE(run->IsValid("76.086.428-5"));
  EXPECT_FALSE(run->IsValid("76.086.428-4"));

  const IdentifierScheme* cpf = IdentifierScheme::Find("BR-CPF");
  EXPECT_EQ(*cpf->ToNational("39053344705"), "390.533.447-05");
  EXPECT_TRUE(cpf->IsValid("390.533.447-05"));
  EXPECT_FALSE(cpf->IsValid("111.111.111-11"));

  const IdentifierScheme* ci = IdentifierScheme::Find("UY-CI");
  EXPECT_EQ(*ci->ToNational("1234567-2"), "1.234.567-2");
  EXPECT_TRUE(ci->IsValid("1.234.567-2"));
  EXPECT_FALSE(ci->IsValid("1.234.567-3"));

  const IdentifierScheme* cuil = IdentifierScheme::Find("AR-CUIL");
  EXPECT_EQ(*cuil->ToCanonical("20-05536168-2"), "20055361682");
  EXPECT_EQ(*cuil->ToNational("20055361682"), "20-05536168-2");
  EXPECT_TRUE(cuil->IsValid("20-05536168-2"));
  EXPECT_FALSE(cuil->IsValid("20-05536168-3"));

  const IdentifierScheme* dni = IdentifierScheme::Find("AR-DNI");
  EXPECT_EQ(*dni->ToNational("20123456"), "20.123.456");
  EXPECT_EQ(*dni->ToNational("5123456"), "5.123.456");

  const IdentifierScheme* cns = IdentifierScheme::Find("BR-CNS");
  EXPECT_TRUE(cns->IsValid("700 0012 3456 7894"));
  EXPECT_FALSE(cns->IsValid("700 0012 3456 7895"));
  EXPECT_EQ(*cns->ToNational("700001234567894"), "700 0012 3456 7894");
  EXPECT_EQ(IdentifierScheme::Find("XX-ID"), nullptr);
}

TEST(NationalIdTest, ExamplesAreValid) {
  for (const std::string& name : IdentifierScheme::Names()) {
    const IdentifierScheme* scheme = IdentifierScheme::Find(name);
    for (uint64_t seed = 0; seed < 200; ++seed) {
      std::string example = scheme->Example(seed);
      EXPECT_TRUE(scheme->IsValid(example)) << name << " " << example;
      EXPECT_EQ(*scheme->ToNational(*scheme->ToCanonical(example)), example);
    }
  }
}

}  // namespace
}  // namespace pasarela
