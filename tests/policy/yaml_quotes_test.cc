#include "gateway/policy/yaml_quotes.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace pasarela {
namespace {

std::string Describe(const std::vector<MultiLineQuote>& quotes) {
  std::string out;
  for (const MultiLineQuote& q : quotes) {
    out += std::to_string(q.line) + ":" + std::to_string(q.column) + q.quote + "-" +
           std::to_string(q.end_line) + " ";
  }
  return out;
}

TEST(FindMultiLineQuotesTest, QuotesClosedOnTheirLineAreNotListed) {
  EXPECT_EQ(Describe(FindMultiLineQuotes("a: \"x\"\nb: 'it''s'\nc: [\"p\", 'q']\n"
                                         "d: {\"k\": \"v\"}\n- \"item\"\n")),
            "");
}

TEST(FindMultiLineQuotesTest, AQuoteNeverClosedRunsToTheEnd) {
  EXPECT_EQ(Describe(FindMultiLineQuotes("a: 1\nname: \"Brasil\nb: 2\nc: 3\n")), "2:7\"-0 ");
  EXPECT_EQ(Describe(FindMultiLineQuotes("- 'open\n- two\n")), "1:3'-0 ");
}

TEST(FindMultiLineQuotesTest, AQuoteClosedLinesLaterIsListedWithItsEnd) {
  EXPECT_EQ(Describe(FindMultiLineQuotes("name: \"Brasil\ngateway: x\nreference: \"Ley 1\"\n")),
            "1:7\"-3 ");
  // An escaped quote does not close a double-quoted value, a doubled one a single-quoted value.
  EXPECT_EQ(Describe(FindMultiLineQuotes("a: \"x \\\" y\nz\"\nb: 'it''s\nok'\n")),
            "1:4\"-2 3:4'-4 ");
}

TEST(FindMultiLineQuotesTest, QuotesInPlainTextCommentsAndBlockScalarsOpenNothing) {
  EXPECT_EQ(Describe(FindMultiLineQuotes("title: it's Ana's\n"
                                         "note: 5\" screen # a \"comment\n"
                                         "# a comment with a \" in it\n"
                                         "text: >-\n"
                                         "  \"quoted at the start of a block line\n"
                                         "  and 'another\n"
                                         "\n"
                                         "  still the block\n"
                                         "after: ok\n"
                                         "list:\n"
                                         "  - |\n"
                                         "    \"in a block item\n"
                                         "  - fine\n")),
            "");
}

TEST(FindMultiLineQuotesTest, ABlockScalarEndsAtTheIndentationOfItsKey) {
  // The block of "- description: |" ends at the item's next key, which is read again.
  EXPECT_EQ(Describe(FindMultiLineQuotes("- description: |\n"
                                         "    \"text\n"
                                         "  other: \"open\n")),
            "3:10\"-0 ");
}

TEST(FindMultiLineQuotesTest, ColumnsDoNotCountAByteOrderMark) {
  EXPECT_EQ(Describe(FindMultiLineQuotes("\xEF\xBB\xBF"
                                         "a: \"x\n")),
            "1:4\"-0 ");
}

}  // namespace
}  // namespace pasarela
