// Text normalisation and national identifiers.
#include "gateway/mapping/text.h"
#include "gateway/mapping/national_id.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(TextTest, CaseAndAccentsOverLatinLetters) {
  EXPECT_EQ(text::ToUpper("josé núñez çağ ÿ"), "JOSÉ NÚÑEZ ÇAĞ Ÿ");
  EXPECT_EQ(text::ToLower("JOSÉ NÚÑEZ ÇAĞ Ÿ"), "josé núñez çağ ÿ");
  EXPECT_EQ(text::ToTitle("MARÍA DEL CARMEN O'HIGGINS-RIQUELME"),
            "María Del Carmen O'Higgins-Riquelme");
  EXPECT_EQ(text::FoldAccents("Ñandú, Conceição, Müller, Łódź, Œuvre, Straße"),
            "Nandu, Conceicao, Muller, Lodz, OEuvre, Strasse");
  EXPECT_EQ(text::FoldAccents("plain ascii"), "plain ascii");
}

TEST(TextTest, SpacesAndRemoval) {
  EXPECT_EQ(text::Trim("\t MARÍA \u00a0"), "MARÍA");
  EXPECT_EQ(text::CollapseSpaces("  JUAN \t  CARLOS  "), "JUAN CARLOS");
  EXPECT_EQ(text::RemoveCharacters("12.531.909-2", ".-"), "125319092");
  EXPECT_EQ(text::RemoveCharacters("A·B", "·"), "AB");
  EXPECT_EQ(text::ComparableName("José-María  O’Higgins"), "jose maria ohiggins");
}

TEST(TextTest, InvalidUtf8PassesThrough) {
  std::string broken =
      "A\xff\xfe"
      "B";
  EXPECT_EQ(text::ToUpper(broken), broken);
  EXPECT_EQ(text::FoldAccents(broken), broken);
}

TEST(NationalIdTest, CanonicalAndNationalForms) {
  const IdentifierScheme* run = IdentifierScheme::Find("CL-RUN");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(*run->ToCanonical("12.531.909-2"), "12531909-2");
  EXPECT_EQ(*run->ToCanonical("15000005k"), "15000005-K");
  EXPECT_EQ(*run->ToNational("12531909-2"), "12.531.909-2");
  EXPECT_EQ(*run->ToNational("7654321-K"), "7.654.321-K");
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
