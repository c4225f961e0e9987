// Golden tests of the pilot mappings, both directions, through the same command an administrator
// runs: testdata/golden/<country>/<mapping>.<forward|reverse>[.<case>].in.json is the input and
// the .out.json beside it the expected output (compared as messages, so that formatting does not
// matter).
#include <dirent.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/mapping/map_command.h"
#include "gtest/gtest.h"
#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

struct GoldenCase {
  std::string country;
  std::string file;  // without .in.json
  std::string mapping;
  bool reverse = false;
};

void PrintTo(const GoldenCase& golden, std::ostream* os) {
  *os << golden.country << "/" << golden.file;
}

std::string GoldenDir() { return testing::SourceDir() + "/tests/mapping/testdata/golden"; }

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> names;
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return names;
  while (dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<GoldenCase> Cases() {
  std::vector<GoldenCase> cases;
  for (const std::string& country : List(GoldenDir())) {
    for (const std::string& name : List(GoldenDir() + "/" + country)) {
      if (!absl::EndsWith(name, ".in.json")) continue;
      GoldenCase golden;
      golden.country = country;
      golden.file = name.substr(0, name.size() - std::string(".in.json").size());
      std::vector<std::string> parts = absl::StrSplit(golden.file, '.');
      golden.mapping = parts[0];
      golden.reverse = parts.size() > 1 && parts[1] == "reverse";
      cases.push_back(golden);
    }
  }
  return cases;
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, OutputMatchesExpected) {
  const GoldenCase& golden = GetParam();
  std::string base = GoldenDir() + "/" + golden.country + "/" + golden.file;
  std::vector<std::string> args = {"--policy",         testing::SourceDir() + "/policies",
                                   "--mapping",        golden.mapping,
                                   "--descriptor-set", PASARELA_DESCRIPTOR_SET,
                                   "--descriptor-set", PASARELA_NATIONAL_DESCRIPTOR_SET};
  if (golden.reverse) args.push_back("--reverse");
  std::istringstream in(testing::ReadFileOrDie(base + ".in.json"));
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(RunMapCommand(args, in, out, err), 0) << err.str();
  EXPECT_EQ(err.str(), "") << "the pilot mappings load without warnings";

  const Mapping* mapping = testing::PilotMappings().Find(golden.mapping);
  ASSERT_NE(mapping, nullptr);
  const google::protobuf::Descriptor* type =
      golden.reverse ? mapping->forward().source_type() : mapping->forward().target_type();
  auto actual = testing::FromJson(type->full_name(), out.str());
  auto expected = testing::FromJson(type->full_name(), testing::ReadFileOrDie(base + ".out.json"));
  google::protobuf::util::MessageDifferencer differencer;
  std::string differences;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(*expected, *actual)) << differences << "\nactual output:\n"
                                                       << out.str();
}

INSTANTIATE_TEST_SUITE_P(Pilot, GoldenTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           std::string name = info.param.country + "_" + info.param.file;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// Every pilot mapping an agency calls has a golden case in each direction.
TEST(GoldenCoverageTest, EveryPilotMappingHasBothDirections) {
  std::set<std::string> forward;
  std::set<std::string> reverse;
  for (const GoldenCase& golden : Cases()) {
    (golden.reverse ? reverse : forward).insert(golden.mapping);
  }
  for (const char* id :
       {"ar-consultar-persona-request", "ar-consultar-persona-response", "cl-consulta-run-request",
        "cl-consulta-run-response", "br-sumario-request", "br-sumario-response",
        "uy-resumen-request", "uy-resumen-response"}) {
    EXPECT_TRUE(forward.count(id)) << id << " has no forward golden case";
    EXPECT_TRUE(reverse.count(id)) << id << " has no reverse golden case";
  }
}

// Every mapping of the pilot is invertible: each country uses the other direction when it
// answers or asks in its own schema.
TEST(GoldenCoverageTest, EveryPilotMappingIsInvertible) {
  for (const std::string& id : testing::PilotMappings().ids()) {
    const Mapping* mapping = testing::PilotMappings().Find(id);
    EXPECT_TRUE(mapping->invertible()) << mapping->reverse().status().message();
  }
  EXPECT_TRUE(testing::PilotMappings().warnings().empty());
}

}  // namespace
}  // namespace pasarela
