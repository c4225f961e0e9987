// What a pattern needs of a text before it can match: the reading of RE2 syntax that lets a scan
// pass over texts with neither a digit nor an '@' without running the detectors' patterns.
#include "gateway/classify/required_characters.h"

#include <string>

#include "gateway/classify/catalog.h"
#include "gateway/classify/detector.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "tests/classify/corpus.h"

namespace pasarela::classify {
namespace {

TEST(RequiredCharactersTest, EveryCatalogPatternNeedsADigitOrAnAt) {
  for (const Detector& detector : Catalog()) {
    for (const PatternSpec& pattern : detector.patterns()) {
      EXPECT_TRUE(EveryMatchHasDigitOrAt(pattern.regex))
          << detector.name() << ": " << pattern.regex;
    }
  }
}

TEST(RequiredCharactersTest, ShowsWhatEveryMatchHolds) {
  for (const char* pattern :
       {R"(\d)", "@", R"(x\d?y\d)", R"((?:a|\d)\d)", R"([0-9]{2})", R"([\d@]+)", R"(\b\d{1,3}\b)",
        R"((?i)\bUY ?\d{2})", R"((?i:jan|feb) +\d{4})", R"(a@|b@|c\d)", R"(\(\d{2}\))",
        R"([A-Za-z0-9._%+\-]+@x)", R"(ab{2,}\d)", R"((\d))"}) {
    EXPECT_TRUE(EveryMatchHasDigitOrAt(pattern)) << pattern;
  }
}

TEST(RequiredCharactersTest, RefusesWhatMayMatchWithoutOne) {
  for (const char* pattern : {"", "abc", R"(\d?)", R"(\d*)", R"(\d{0,3})", R"(\d|x)", R"([\dkK])",
                              R"([0-9A-Z]{12})", R"(\w+)", R"([^@])", R"([^a])", R"(.\b)",
                              R"((?:\d|))", R"(\D)", "(?i)K", R"([0-z])", R"(a|b@|c\d)"}) {
    EXPECT_FALSE(EveryMatchHasDigitOrAt(pattern)) << pattern;
  }
}

TEST(RequiredCharactersTest, RefusesSyntaxItDoesNotRead) {
  // A hex escape, a Unicode class, a quoted run, a backreference, a POSIX class, a named group,
  // an unclosed group or class, an unbalanced parenthesis, a brace that is not a repetition.
  for (const char* pattern :
       {R"(\x{40})", R"(\x30)", R"(\pN)", R"(\p{Nd})", R"(\Q1\E)", R"((\d)\1)", R"([[:digit:]])",
        R"((?P<n>\d))", R"((\d)", R"([\d)", R"(\d))", R"(\d{,2})", R"(\d{x})", R"((?s)\d)"}) {
    EXPECT_FALSE(EveryMatchHasDigitOrAt(pattern)) << pattern;
  }
}

TEST(RequiredCharactersTest, FindsDigitsAndAt) {
  EXPECT_TRUE(HasDigitOrAt("calle 9"));
  EXPECT_TRUE(HasDigitOrAt("ana@"));
  EXPECT_FALSE(HasDigitOrAt(""));
  EXPECT_FALSE(HasDigitOrAt("Niterói, RJ – ½ ²"));  // no ASCII digit: "½" and "²" are not \d
}

// The claim the scan relies on, tried on text: with its digits and '@' removed, no record of the
// detectors' corpus holds a match of any catalog pattern.
TEST(RequiredCharactersTest, NoCatalogPatternMatchesTheCorpusWithoutDigitsAndAt) {
  std::vector<testing::Record> corpus = testing::GenerateCorpus(testing::kCorpusSeed, 600);
  for (const Detector& detector : Catalog()) {
    for (const PatternSpec& pattern : detector.patterns()) {
      RE2 re(pattern.regex);
      ASSERT_TRUE(re.ok()) << pattern.regex;
      for (const testing::Record& record : corpus) {
        std::string text;
        for (char c : record.text) {
          if (!HasDigitOrAt(std::string(1, c))) text.push_back(c);
        }
        EXPECT_FALSE(RE2::PartialMatch(text, re)) << pattern.regex << " in " << text;
      }
    }
  }
}

TEST(RequiredCharactersTest, ScanFindsNothingInATextWithoutDigitsOrAt) {
  auto set = DetectorSet::Create(DetectorOptions{});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE((*set)->Scan("Ana Beatriz Souza, Rua das Laranjeiras, Niterói").empty());
  EXPECT_FALSE((*set)->Scan("CPF 390.533.447-05").empty());
}

}  // namespace
}  // namespace pasarela::classify
