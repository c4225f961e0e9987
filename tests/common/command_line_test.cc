#include "gateway/common/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;
using Arity = CommandLine::Arity;

const std::vector<CommandLine::Option> kLintOptions = {
    {"--country", Arity::kOnce},
    {"--descriptor-set", Arity::kRepeated},
    {"--strict", Arity::kSwitch},
};

absl::StatusOr<CommandLine> Lint(const std::vector<std::string>& args) {
  return CommandLine::Parse(args, kLintOptions, {"DIR"});
}

std::string ErrorOf(const std::vector<std::string>& args) {
  absl::StatusOr<CommandLine> parsed = Lint(args);
  if (parsed.ok()) return "(parsed)";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(CommandLineTest, ReadsSeparateAndJoinedValuesSwitchesAndPositionalWords) {
  absl::StatusOr<CommandLine> parsed = Lint({"--country=CL", "policy", "--descriptor-set", "a.desc",
                                             "--strict", "--descriptor-set=b.desc"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Value("--country"), "CL");
  EXPECT_THAT(parsed->Values("--descriptor-set"), ElementsAre("a.desc", "b.desc"));
  EXPECT_TRUE(parsed->Has("--strict"));
  EXPECT_EQ(parsed->Positional(0), "policy");
  EXPECT_EQ(parsed->Positional(1), absl::nullopt);
  EXPECT_FALSE(parsed->help());
}

TEST(CommandLineTest, WhatWasNotGivenIsAbsent) {
  absl::StatusOr<CommandLine> parsed = Lint({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Value("--country"), absl::nullopt);
  EXPECT_THAT(parsed->Values("--descriptor-set"), ::testing::IsEmpty());
  EXPECT_FALSE(parsed->Has("--strict"));
  EXPECT_EQ(parsed->Positional(0), absl::nullopt);
}

TEST(CommandLineTest, HelpIsUnderstoodAnywhere) {
  absl::StatusOr<CommandLine> parsed = Lint({"policy", "--help"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help());
  parsed = Lint({"-h"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help());
}

TEST(CommandLineTest, EachMistakeHasItsMessage) {
  EXPECT_EQ(ErrorOf({"policy", "--country"}), "--country needs a value");
  // The next word is an option: the value was forgotten, not "--strict".
  EXPECT_EQ(ErrorOf({"--country", "--strict", "policy"}), "--country needs a value");
  EXPECT_EQ(ErrorOf({"--country", ""}), "--country must not be empty");
  EXPECT_EQ(ErrorOf({"--country="}), "--country must not be empty");
  EXPECT_EQ(ErrorOf({"--country", "CL", "--country", "AR"}), "--country given twice");
  EXPECT_EQ(ErrorOf({"--strict=yes"}), "--strict takes no value");
  EXPECT_EQ(ErrorOf({"--contry", "CL"}), "unexpected argument '--contry'");
  EXPECT_EQ(ErrorOf({"-x"}), "unexpected argument '-x'");
  EXPECT_EQ(ErrorOf({"policy", "other"}), "unexpected argument 'other'");
}

TEST(CommandLineTest, AValueMayLookLikeAnythingButAKnownOption) {
  absl::StatusOr<CommandLine> parsed =
      Lint({"--descriptor-set", "-odd-name.desc", "--country", "--not-an-option"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->Values("--descriptor-set"), ElementsAre("-odd-name.desc"));
  EXPECT_EQ(parsed->Value("--country"), "--not-an-option");
}

}  // namespace
}  // namespace pasarela
