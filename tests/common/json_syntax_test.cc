#include "gateway/common/json_syntax.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

// "LINE:COLUMN: PROBLEM", or "json" when the text is JSON.
std::string Check(absl::string_view text) {
  absl::optional<JsonSyntaxError> error = FindJsonSyntaxError(text);
  if (!error.has_value()) return "json";
  return std::to_string(error->line) + ":" + std::to_string(error->column) + ": " + error->problem;
}

TEST(JsonSyntaxTest, AcceptsEveryKindOfValue) {
  for (const char* text :
       {"{}", "[]", " {\"a\": [1, -2.5e+3, 0, 0.25, 1E9, true, false, null, \"x\"]}\n", "\"\"",
        "\"\\u00e9\\n\\\"\\\\\\/\\b\\f\\r\\t\"", "-0", "{\"a\":{\"b\":{\"c\":[[],{}]}}}",
        "\t\r\n 42 \t\r\n", "\"Gonz\xc3\xa1lez\""}) {
    EXPECT_EQ(Check(text), "json") << text;
  }
}

TEST(JsonSyntaxTest, PointsAtTheFirstPlaceThatIsNotJson) {
  EXPECT_EQ(Check(R"({"run" "12.531.909-2"})"), "1:8: expected ':' after the field name");
  EXPECT_EQ(Check("{\"run\": \"12.531.909-2\",\n \"x\": }"), "2:7: expected a value");
  EXPECT_EQ(Check("{\"a\": 1 \"b\": 2}"), "1:9: expected ',' or '}'");
  EXPECT_EQ(Check("[1, 2 3]"), "1:7: expected ',' or ']'");
  EXPECT_EQ(Check("{run: 1}"), "1:2: expected a field name in double quotes");
  EXPECT_EQ(Check("{\"a\": 1,}"), "1:9: expected a field name in double quotes");
  EXPECT_EQ(Check("[1,]"), "1:4: expected a value");
  EXPECT_EQ(Check("{\"a\": tru}"), "1:7: expected a value");
  EXPECT_EQ(Check("{\"a\": 01}"), "1:8: expected ',' or '}'");
  EXPECT_EQ(Check("{\"a\": 1.}"), "1:9: expected a digit");
  EXPECT_EQ(Check("{\"a\": -}"), "1:8: expected a digit");
  EXPECT_EQ(Check("{\"a\": 1e}"), "1:9: expected a digit");
  EXPECT_EQ(Check("{} {}"), "1:4: text after the end of the JSON value");
  EXPECT_EQ(Check("'x'"), "1:1: expected a value");
}

TEST(JsonSyntaxTest, StringsEndAndEscapeAsJsonSays) {
  EXPECT_EQ(Check("{\"a\": \"open}"), "1:7: a string that is never closed");
  EXPECT_EQ(Check("[\"a\\qb\"]"), "1:4: an invalid escape in a string");
  EXPECT_EQ(Check("[\"\\u12G4\"]"),
            "1:3: an invalid \\u escape (four hexadecimal digits expected)");
  EXPECT_EQ(Check("[\"a\tb\"]"), "1:4: a control character inside a string (escape it)");
  EXPECT_EQ(Check("[\"a\\"), "1:2: a string that is never closed");
}

TEST(JsonSyntaxTest, AnEndTooEarlySaysWhatWasStillExpected) {
  EXPECT_EQ(Check(""), "1:1: the input ends where a value should be");
  EXPECT_EQ(Check("{\"run\": \"1-9\"\n"), "2:1: the input ends where ',' or '}' should be");
  EXPECT_EQ(Check("[1,"), "1:4: the input ends where a value should be");
  EXPECT_EQ(Check("{\"a\""), "1:5: the input ends where ':' after the field name should be");
}

TEST(JsonSyntaxTest, ColumnsCountCharactersNotBytes) {
  // "á" is two bytes in UTF-8, one column.
  EXPECT_EQ(Check("{\"nombre\": \"Gonz\xc3\xa1lez\" \"x\"}"), "1:23: expected ',' or '}'");
}

TEST(JsonSyntaxTest, DeepNestingIsAnErrorNotACrash) {
  EXPECT_EQ(Check(std::string(1000, '[') + std::string(1000, ']')), "json");
  EXPECT_EQ(Check(std::string(100000, '[')), "1:1001: values nested deeper than 1000 levels");
  EXPECT_EQ(Check(std::string(100000, '{')), "1:2: expected a field name in double quotes");
}

}  // namespace
}  // namespace pasarela
