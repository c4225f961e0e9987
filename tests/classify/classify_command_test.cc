// `pasarela classify --policy DIR [--descriptor-set FILE]...`, run in process.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/classify/classify_command.h"
#include "gateway/classify/detector.h"
#include "gateway/classify/findings_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/classify/classification_test_util.h"
#include "tests/support/temp_files.h"

namespace pasarela::classify {
namespace {

using ::pasarela::classify::testing::TestDataDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CommandRun {
  int status = 0;
  std::string out;
  std::string err;
};

CommandRun Classify(const std::vector<std::string>& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  CommandRun run;
  run.status = RunClassifyCommand(args, in, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

std::vector<std::string> WithTestSets(std::vector<std::string> args) {
  for (const char* set : {PASARELA_DESCRIPTOR_SET, CLASSIFY_TEST_DESCRIPTOR_SET}) {
    args.push_back("--descriptor-set");
    args.push_back(set);
  }
  return args;
}

constexpr char kLines[] =
    "Paciente com CPF 390.533.447-05 e telefone (21) 98765-4321.\n"
    "tel (21) 98765-4321\r\n"
    "sem dados pessoais\n"
    "RUT 12.531.909-2; correo ana@example.cl\n";

TEST(ClassifyCommandTest, UsesThePolicyThresholds) {
  CommandRun run =
      Classify(WithTestSets({"--policy", TestDataDir() + "/classification/valid"}), kLines);
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");

  // The same as RunClassifyLines with the thresholds of that file.
  DetectorOptions options;
  options.enabled.clear();
  for (const std::string& name : AllDetectorNames()) {
    if (name != "CR_CEDULA" && name != "US_SSN") options.enabled.push_back(name);
  }
  options.default_threshold = 0.6;
  options.thresholds = {{"PHONE", 0.8}, {"CPF", 1.0}};
  auto set = DetectorSet::Create(options);
  ASSERT_TRUE(set.ok());
  std::istringstream in(kLines);
  std::ostringstream expected;
  ASSERT_EQ(RunClassifyLines(in, expected, **set), 0);
  EXPECT_EQ(run.out, expected.str());
  EXPECT_THAT(run.out, StartsWith("{\"findings\":[{\"detector\":\"CPF\""));
}

TEST(ClassifyCommandTest, DefaultDescriptorSetIsTheInstalledOne) {
  std::string dir = pasarela::testing::MakeTempDir("classify-command");
  ASSERT_FALSE(dir.empty());
  std::ofstream(dir + "/classification.yaml")
      << "apiVersion: pasarela/v1\nkind: Classification\ncategories: [public, internal, "
         "personal, personal_identifier, health, genetic, biometric, racial_or_ethnic_origin, "
         "religious_or_philosophical_belief, political_opinion, union_membership, "
         "sex_life_or_sexual_orientation]\n";
  CommandRun run = Classify({"--policy", dir + "/"}, "CPF 390.533.447-05\n");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out,
            "{\"findings\":[{\"detector\":\"CPF\",\"category\":\"personal_identifier\","
            "\"start\":4,\"end\":18,\"score\":1.0}]}\n");
}

TEST(ClassifyCommandTest, PolicyErrorsAreLocatedAndExitOne) {
  CommandRun run = Classify(
      WithTestSets({"--policy", TestDataDir() + "/classification/unknown-detector"}), kLines);
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr(absl::StrCat(
                           TestDataDir(),
                           "/classification/unknown-detector/classification.yaml:17:14: error: "
                           "detectors.disabled: unknown detector 'CR_CEDULLA' (did you mean "
                           "'CR_CEDULA'?)")));
  EXPECT_THAT(run.err, HasSubstr("\n6 errors in "));
}

TEST(ClassifyCommandTest, MissingPolicyFileExitsOne) {
  CommandRun run = Classify(WithTestSets({"--policy", "/nonexistent/policy"}));
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("/nonexistent/policy/classification.yaml: error:"));
}

TEST(ClassifyCommandTest, UnreadableDescriptorSetExitsOne) {
  CommandRun run = Classify({"--policy", TestDataDir() + "/classification/valid",
                             "--descriptor-set", "/nonexistent/x.desc"});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("/nonexistent/x.desc"));
}

TEST(ClassifyCommandTest, AFailedWriteExitsOneWithAMessage) {
  std::istringstream in(kLines);
  std::ostringstream out;
  std::ostringstream err;
  out.setstate(std::ios::badbit);
  EXPECT_EQ(RunClassifyCommand(WithTestSets({"--policy", TestDataDir() + "/classification/valid"}),
                               in, out, err),
            1);
  EXPECT_EQ(err.str(), "pasarela classify: cannot write the findings to standard output\n");
}

TEST(ClassifyCommandTest, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"--policy"},
                                             {"--policy", ""},
                                             {"--policy", "a", "--policy", "b"},
                                             {"--policy", "a", "--descriptor-set"},
                                             {"--frobnicate"},
                                             {"policy-dir"}}) {
    CommandRun run = Classify(args);
    EXPECT_EQ(run.status, 2) << args.size();
    EXPECT_THAT(run.err, HasSubstr("usage: pasarela classify --policy DIR"));
    EXPECT_EQ(run.out, "");
  }
  CommandRun help = Classify({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("usage:"));
}

}  // namespace
}  // namespace pasarela::classify
