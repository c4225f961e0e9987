// The log's level: names as gateway.yaml spells them, lines below the level dropped, and the
// question a caller asks before it builds a costly line.
#include "gateway/common/log.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(LogTest, ParsesTheFourLevelNamesAndNothingElse) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("WARNING"), absl::nullopt);
  EXPECT_EQ(ParseLogLevel("warn"), absl::nullopt);
  EXPECT_EQ(ParseLogLevel(""), absl::nullopt);
}

TEST(LogTest, DropsLinesBelowTheLevelAndSaysSoBeforehand) {
  SetLogLevel(LogLevel::kWarning);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarning));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  ::testing::internal::CaptureStderr();
  LogInfo("an exchange went well");
  LogWarning("a certificate expires soon");
  std::string written = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(written, Not(HasSubstr("an exchange went well")));
  EXPECT_THAT(written, HasSubstr(" WARN a certificate expires soon\n"));

  SetLogLevel(LogLevel::kInfo);
  EXPECT_TRUE(LogEnabled(LogLevel::kInfo));
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
  ::testing::internal::CaptureStderr();
  LogInfo("two\nlines");
  written = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(written, HasSubstr(" INFO two | lines\n"));
}

}  // namespace
}  // namespace pasarela
