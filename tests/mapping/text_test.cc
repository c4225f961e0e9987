// Text normalisation: case, accents, spaces and removal over UTF-8.
#include "gateway/mapping/text.h"
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
  EXPECT_EQ(text::CollapseSpaces("\u00a0 JOSÉ \u00a0\tNÚÑEZ\u00a0"), "JOSÉ NÚÑEZ");
  EXPECT_EQ(text::RemoveCharacters("12.531.909-2", ".-"), "125319092");
  EXPECT_EQ(text::RemoveCharacters("A·B", "·"), "AB");
  EXPECT_EQ(text::ComparableName("José-María  O’Higgins"), "jose maria ohiggins");
}

TEST(TextTest, BlankIsWhatTrimEmpties) {
  for (const char* blank : {"", " ", "\t\n\r\f\v", "\u00a0", " \u00a0\t\u00a0 "}) {
    EXPECT_TRUE(text::IsBlank(blank)) << blank;
    EXPECT_EQ(text::Trim(blank), "") << blank;
  }
  // A no-break space cut short, a raw byte, an ideographic space and a zero-width space are
  // characters Trim keeps.
  for (const char* kept :
       {"x", "  x  ", "\xc2", "\xa0", "\xff", "\u3000", "\u200b", "\u00a0.\u00a0"}) {
    EXPECT_FALSE(text::IsBlank(kept)) << kept;
    EXPECT_NE(text::Trim(kept), "") << kept;
  }
}

TEST(TextTest, InvalidUtf8PassesThrough) {
  std::string broken =
      "A\xff\xfe"
      "B";
  EXPECT_EQ(text::ToUpper(broken), broken);
  EXPECT_EQ(text::FoldAccents(broken), broken);
}

}  // namespace
}  // namespace pasarela
