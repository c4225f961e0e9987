#include "gateway/common/one_line.h"

#include <string>

#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(EscapeForOneLineTest, PlainTextComesBackUnchanged) {
  EXPECT_EQ(EscapeForOneLine(""), "");
  EXPECT_EQ(EscapeForOneLine("AR-DNM emergency-care 12.345.678-5"),
            "AR-DNM emergency-care 12.345.678-5");
  EXPECT_EQ(EscapeForOneLine("Jos\xC3\xA9 Mu\xC3\xB1oz \xE2\x82\xAC"),
            "Jos\xC3\xA9 Mu\xC3\xB1oz \xE2\x82\xAC");
}

TEST(EscapeForOneLineTest, NothingCanBreakTheLineOrShiftAColumn) {
  EXPECT_EQ(EscapeForOneLine("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  const std::string escaped = EscapeForOneLine("x\ty\nz\r");
  EXPECT_EQ(escaped.find_first_of("\t\n\r"), std::string::npos);
}

TEST(EscapeForOneLineTest, ABackslashIsDoubledSoEscapesStayUnambiguous) {
  // Without this, a value "\t" (two characters) would read the same as a tab.
  EXPECT_EQ(EscapeForOneLine("\\t"), "\\\\t");
  EXPECT_NE(EscapeForOneLine("\\t"), EscapeForOneLine("\t"));
}

TEST(EscapeForOneLineTest, TerminalControlsAndInvalidBytesAreShownAsHex) {
  EXPECT_EQ(EscapeForOneLine("\x1b[2Jgone"), "\\x1b[2Jgone");
  EXPECT_EQ(EscapeForOneLine(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeForOneLine("del\x7f"), "del\\x7f");
  EXPECT_EQ(EscapeForOneLine("Jos\xE9"), "Jos\\xe9");  // Latin-1, not UTF-8
  EXPECT_EQ(EscapeForOneLine("\xC2\x9B"
                             "31m"),
            "\\u009b31m");                              // CSI, valid UTF-8
  EXPECT_EQ(EscapeForOneLine("\xC2\xA0"), "\xC2\xA0");  // no-break space is kept
}

}  // namespace
}  // namespace pasarela
