// Lint golden tests: each folder under testdata/lint is a mappings directory with one broken (or
// lossy) file and expected.txt, the exact report with the folder written as $DIR: errors, then
// warnings, then the rules that are not invertible. Set PASARELA_UPDATE_GOLDEN=1 to rewrite the
// expected files after a deliberate change of wording, and review the diff.
#include <dirent.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

std::string LintDir() { return testing::SourceDir() + "/tests/mapping/testdata/lint"; }

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  DIR* dir = ::opendir(LintDir().c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string Report(const std::string& dir) {
  Diagnostics diagnostics;
  std::unique_ptr<const MappingSet> set = LoadMappings(dir, testing::Catalog(), diagnostics);
  std::string report = diagnostics.ToString();
  if (set != nullptr) {
    for (const Diagnostic& warning : set->warnings()) {
      absl::StrAppend(&report, FormatWarning(warning), "\n");
    }
    for (const std::string& id : set->ids()) {
      for (const Diagnostic& note : set->Find(id)->non_invertible_rules()) {
        absl::StrAppend(&report, note.location.file, ":", note.location.line, ":",
                        note.location.column, ": not invertible: ", note.message, "\n");
      }
    }
  }
  return absl::StrReplaceAll(report, {{dir, "$DIR"}});
}

class LintTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LintTest, ReportMatchesExpected) {
  std::string dir = LintDir() + "/" + GetParam();
  std::string report = Report(dir);
  if (std::getenv("PASARELA_UPDATE_GOLDEN") != nullptr) {
    testing::WriteFileOrDie(dir + "/expected.txt", report);
  }
  EXPECT_EQ(report, testing::ReadFileOrDie(dir + "/expected.txt"));
  EXPECT_FALSE(report.empty()) << "a lint case must report something";
}

INSTANTIATE_TEST_SUITE_P(Cases, LintTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(LintTest, MissingDirectoryIsAnError) {
  Diagnostics diagnostics;
  EXPECT_EQ(LoadMappings("/nonexistent/mappings", testing::Catalog(), diagnostics), nullptr);
  EXPECT_EQ(diagnostics.ToString(),
            "/nonexistent/mappings: error: cannot read the mappings directory\n");
}

}  // namespace
}  // namespace pasarela
