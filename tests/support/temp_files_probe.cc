// A test program for temp_files_test: each test makes a directory with a file in it and prints
// its path; Probe.Fails also fails.
#include <cstdio>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace {

void MakeAndPrint() {
  const std::string dir = pasarela::testing::MakeTempDir("probe");
  ASSERT_FALSE(dir.empty());
  std::ofstream(dir + "/gateway.log") << "kept for whoever reads a failure\n";
  std::printf("made: %s\n", dir.c_str());
}

TEST(Probe, Passes) { MakeAndPrint(); }

TEST(Probe, Fails) {
  MakeAndPrint();
  ADD_FAILURE() << "failing on purpose";
}

}  // namespace
