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
  // One error for the directory, not one for each file it should hold.
  EXPECT_EQ(output,
            "/nonexistent/policy: error: cannot read the policy directory: No such file or "
            "directory\n1 error in /nonexistent/policy\n");

  // A file given where the directory belongs, as `policy lint policy/federation.yaml`.
  const std::string file = testing::SourceDir() + "/policies/federation.yaml";
  status = testing::RunCommand({testing::BinDir() + "/pasarela", "policy", "lint", file}, &output);
  EXPECT_EQ(status, 1);
  EXPECT_EQ(output, file +
                        ": error: is a regular file, not a directory: expected the policy "
                        "directory, which holds federation.yaml, services.yaml and "
                        "classification.yaml\n1 error in " +
                        file + "\n");
}

TEST(LintCommandTest, UsageErrorsExitTwo) {
  std::string output;
  EXPECT_EQ(testing::RunCommand({testing::BinDir() + "/pasarela", "policy", "lint"}, &output), 2);
  EXPECT_EQ(testing::RunCommand({testing::BinDir() + "/pasarela", "frobnicate"}, &output), 2);
}

// Each mistyped command line is a usage error naming its mistake, never a different run.
TEST(LintCommandTest, EachUsageMistakeIsNamed) {
  const std::string pasarela = testing::BinDir() + "/pasarela";
  const std::string dir = testing::SourceDir() + "/tests/policy/testdata/lint/valid";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"policy"}, "pasarela: policy: a subcommand is needed: lint or explain\n"},
      {{"policy", "bogus"}, "pasarela: policy: unknown subcommand 'bogus': lint or explain\n"},
      {{"policy", "lint", dir, "--country"}, "pasarela: policy lint: --country needs a value\n"},
      {{"policy", "lint", dir, "--country", "AR", "--country", "CL"},
       "pasarela: policy lint: --country given twice\n"},
      {{"policy", "lint", dir, "--country", "ar"},
       "pasarela: policy lint: --country 'ar': expected a two-letter upper-case code such as "
       "CL\n"},
      {{"policy", "lint", dir, "--descriptor-set="},
       "pasarela: policy lint: --descriptor-set must not be empty\n"},
      {{"policy", "lint", dir, dir}, "pasarela: policy lint: unexpected argument '" + dir + "'\n"},
      {{"policy", "explain", dir, "--agreement", "a", "--agreement", "b"},
       "pasarela: policy explain: --agreement given twice\n"},
      {{"serve", "--config", "--ready-file", "r"}, "pasarela: serve: --config needs a value\n"},
      {{"serve", "--config", "a.yaml", "--config", "b.yaml"},
       "pasarela: serve: --config given twice\n"},
      {{"version", "extra"}, "pasarela: version: unexpected argument 'extra'\n"},
  };
  for (const auto& [args, first_line] : cases) {
    std::vector<std::string> command = {pasarela};
    command.insert(command.end(), args.begin(), args.end());
    std::string output;
    EXPECT_EQ(testing::RunCommand(command, &output), 2) << args.front() << " " << output;
    EXPECT_EQ(output.substr(0, output.find('\n') + 1), first_line);
    EXPECT_THAT(output, ::testing::HasSubstr("usage:\n"));
  }
}

TEST(LintCommandTest, HelpPrintsTheUsageAndSucceeds) {
  const std::string pasarela = testing::BinDir() + "/pasarela";
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{pasarela, "policy", "lint", "--help"},
                                             {pasarela, "policy", "explain", "-h"},
                                             {pasarela, "serve", "--help"},
                                             {pasarela, "--help"}}) {
    std::string output;
    EXPECT_EQ(testing::RunCommand(command, &output), 0) << command[1];
    EXPECT_THAT(output, ::testing::StartsWith("usage:\n")) << command[1];
  }
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
