// Golden tests of `pasarela policy lint`: each folder under testdata/lint holds policy files and
// expected.txt, the exact output (with the folder written as $DIR). The valid cases exit 0.
#include <dirent.h>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/topology.h"

namespace pasarela {
namespace {

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::string root = testing::SourceDir() + "/tests/policy/testdata/lint";
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

class LintGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LintGoldenTest, OutputMatchesExpected) {
  std::string dir = testing::SourceDir() + "/tests/policy/testdata/lint/" + GetParam();
  std::string output;
  int status = testing::RunCommand(
      {testing::BinDir() + "/pasarela", "policy", "lint", "--country", "AR", dir}, &output);
  std::string expected = testing::ReadFileOrEmpty(dir + "/expected.txt");
  EXPECT_EQ(absl::StrReplaceAll(output, {{dir, "$DIR"}}), expected);
  // Warnings do not fail a lint: the valid cases exit 0 with or without them.
  EXPECT_EQ(status, GetParam().rfind("valid", 0) == 0 ? 0 : 1);
}

INSTANTIATE_TEST_SUITE_P(Cases, LintGoldenTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(LintCommandTest, MissingDirectoryIsReportedNotCrashed) {
  std::string output;
  int status = testing::RunCommand(
      {testing::BinDir() + "/pasarela", "policy", "lint", "/nonexistent/policy"}, &output);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("/nonexistent/policy/federation.yaml: error: cannot read"),
            std::string::npos)
      << output;
}

TEST(LintCommandTest, UsageErrorsExitTwo) {
  std::string output;
  EXPECT_EQ(testing::RunCommand({testing::BinDir() + "/pasarela", "policy", "lint"}, &output), 2);
  EXPECT_EQ(testing::RunCommand({testing::BinDir() + "/pasarela", "frobnicate"}, &output), 2);
}

TEST(ExplainCommandTest, SaysInPlainWordsWhoMayCallWhatForWhichPurposesUntilWhen) {
  std::string output;
  EXPECT_EQ(testing::RunCommand({testing::BinDir() + "/pasarela", "policy", "explain",
                                 testing::SourceDir() + "/tests/policy/testdata/lint/valid",
                                 "--country", "AR", "--agreement", "ar-renaper-identity"},
                                &output),
            0);
  EXPECT_THAT(output, ::testing::HasSubstr("Who: AR/GOV/migraciones may call AR/GOV/renaper.\n"));
  EXPECT_THAT(output, ::testing::HasSubstr("Purposes: border-control."));
  EXPECT_THAT(output, ::testing::HasSubstr(
                          "In force: from 2026-01-01T00:00:00Z until 2027-12-31T23:59:59Z"));
  EXPECT_THAT(output, ::testing::HasSubstr("pasarela.identity.v1.IdentityService/GetPerson: "
                                           "person.family_names, person.given_names\n"));
}

TEST(ExplainCommandTest, AnUnknownAgreementIsAnsweredWithTheAgreementsThereAre) {
  const std::string dir = testing::SourceDir() + "/tests/policy/testdata/lint/valid";
  std::string output;
  EXPECT_EQ(testing::RunCommand({testing::BinDir() + "/pasarela", "policy", "explain", dir,
                                 "--agreement", "ar-renaper-identiy"},
                                &output),
            1);
  EXPECT_EQ(absl::StrReplaceAll(output, {{dir, "$DIR"}}),
            "no agreement 'ar-renaper-identiy' in $DIR (did you mean 'ar-renaper-identity'?); its "
            "agreements: ar-renaper-identity\n");
}

}  // namespace
}  // namespace pasarela
