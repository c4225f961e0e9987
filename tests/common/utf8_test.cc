#include "gateway/common/utf8.h"

#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(Utf8Test, ValidTextHasNoInvalidByte) {
  EXPECT_EQ(FirstInvalidUtf8(""), absl::string_view::npos);
  EXPECT_EQ(FirstInvalidUtf8("Jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), absl::string_view::npos);
}

TEST(Utf8Test, FindsTheFirstByteThatIsNotUtf8) {
  EXPECT_EQ(FirstInvalidUtf8("Jos\xE9 P\xE9rez"), 3u);  // Latin-1
  EXPECT_EQ(FirstInvalidUtf8("ab\xC0\xAF"), 2u);        // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xED\xA0\x80"), 0u);      // a surrogate
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // beyond U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("ok \xC3"), 3u);           // cut short
  EXPECT_EQ(FirstInvalidUtf8("\xC3\xA9\x80"), 2u);      // a lone continuation byte
  EXPECT_EQ(FirstInvalidUtf8(absl::string_view("\0\xFF", 2)), 1u);
}

}  // namespace
}  // namespace pasarela
