#include "tests/support/temp_files.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace pasarela::testing {
namespace {

using ::testing::HasSubstr;

struct ProbeRun {
  int status = -1;
  std::string output;
  std::string directory;
};

ProbeRun RunProbe(const std::string& filter, bool keep = false) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  if (keep) argv.push_back("PASARELA_KEEP_TEST_FILES=1");
  argv.insert(argv.end(), {TEMP_FILES_PROBE_PATH, "--gtest_filter=" + filter});
  ProbeRun run;
  run.status = RunCommand(argv, &run.output);
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    if (absl::ConsumePrefix(&line, "made: ")) run.directory = std::string(line);
  }
  return run;
}

TEST(TempFilesTest, APassingProgramRemovesItsDirectoriesAtItsEnd) {
  ProbeRun run = RunProbe("Probe.Passes");
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_FALSE(run.directory.empty()) << run.output;
  EXPECT_FALSE(std::filesystem::exists(run.directory));
}

TEST(TempFilesTest, AFailingProgramKeepsThemAndSaysWhere) {
  ProbeRun run = RunProbe("Probe.Fails");
  ASSERT_NE(run.status, 0) << run.output;
  ASSERT_FALSE(run.directory.empty()) << run.output;
  EXPECT_TRUE(std::filesystem::exists(run.directory + "/gateway.log"));
  EXPECT_THAT(run.output, HasSubstr("kept for the failed test: " + run.directory));
  RemoveAtTheEndOfAPassingProgram(run.directory);
}

TEST(TempFilesTest, TheEnvironmentKeepsThemAfterAPass) {
  ProbeRun run = RunProbe("Probe.Passes", /*keep=*/true);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(std::filesystem::exists(run.directory + "/gateway.log"));
  RemoveAtTheEndOfAPassingProgram(run.directory);
}

TEST(TempFilesTest, DirectoriesAreNewAndPrivate) {
  const std::string one = MakeTempDir("unique");
  const std::string two = MakeTempDir("unique");
  ASSERT_FALSE(one.empty());
  EXPECT_NE(one, two);
  EXPECT_TRUE(absl::StrContains(one, "/pasarela-unique-"));
  EXPECT_EQ(std::filesystem::status(one).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace pasarela::testing
