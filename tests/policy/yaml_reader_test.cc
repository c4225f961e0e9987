#include "gateway/policy/yaml_reader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(YamlReaderTest, SyntaxErrorHasOneBasedLocation) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml", "a: 1\nb: [1, 2\n", diagnostics);
  EXPECT_FALSE(file.ok());
  ASSERT_EQ(diagnostics.errors().size(), 1u);
  EXPECT_THAT(diagnostics.errors()[0].ToString(),
              HasSubstr("f.yaml:3:1: error: YAML syntax error"));
}

TEST(YamlReaderTest, ScalarsAreReadAsWritten) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml", "code: NO\nflag: off\n", diagnostics);
  YamlMap map(file.root, "f.yaml", diagnostics, "top");
  EXPECT_EQ(map.RequiredString("code").value_or(""), "NO");
  EXPECT_EQ(map.RequiredString("flag").value_or(""), "off");
  EXPECT_FALSE(map.OptionalBool("flag").has_value());
  EXPECT_THAT(diagnostics.ToString(),
              HasSubstr("f.yaml:2:7: error: top.flag: expected true or false"));
}

TEST(YamlReaderTest, UnknownAndDuplicateKeysAreErrors) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml", "country: CL\ncountry: AR\nlistners: {}\n", diagnostics);
  YamlMap map(file.root, "f.yaml", diagnostics, "gateway");
  map.ExpectKeys({"country", "listeners"});
  ASSERT_EQ(diagnostics.errors().size(), 2u);
  EXPECT_EQ(diagnostics.errors()[0].ToString(),
            "f.yaml:2:1: error: gateway: duplicate key 'country' (first at line 1); YAML would "
            "silently keep only one");
  EXPECT_EQ(diagnostics.errors()[1].ToString(),
            "f.yaml:3:1: error: gateway: unknown key 'listners' (did you mean 'listeners'?); "
            "expected one of: country, listeners");
}

TEST(YamlReaderTest, TypedValuesAreCheckedWithLocations) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText(
      "f.yaml", "deadline: soon\nn: 12x\nlist: one\nok: 250ms\nitems: [a, b]\n", diagnostics);
  YamlMap map(file.root, "f.yaml", diagnostics, "d");
  EXPECT_FALSE(map.OptionalDuration("deadline").has_value());
  EXPECT_FALSE(map.OptionalInt("n", 0, 100).has_value());
  EXPECT_FALSE(map.OptionalStringList("list").has_value());
  EXPECT_EQ(map.OptionalDuration("ok").value_or(absl::ZeroDuration()), absl::Milliseconds(250));
  EXPECT_THAT(map.OptionalStringList("items").value_or(std::vector<std::string>{}),
              ElementsAre("a", "b"));
  EXPECT_FALSE(map.RequiredString("missing").has_value());
  std::string text = diagnostics.ToString();
  EXPECT_THAT(text, HasSubstr("f.yaml:1:11: error: d.deadline: expected a positive duration"));
  EXPECT_THAT(text, HasSubstr("f.yaml:2:4: error: d.n: expected a whole number from 0 to 100"));
  EXPECT_THAT(text, HasSubstr("f.yaml:3:7: error: d.list: expected a list"));
  EXPECT_THAT(text, HasSubstr("f.yaml:1:1: error: d: missing required key 'missing'"));
}

TEST(YamlReaderTest, ClosestMatchSuggestsOnlyNearMisses) {
  EXPECT_EQ(ClosestMatch("certifcate_file", {"certificate_file", "key_file"}), "certificate_file");
  EXPECT_EQ(ClosestMatch("zzz", {"certificate_file", "key_file"}), "");
}

}  // namespace
}  // namespace pasarela
