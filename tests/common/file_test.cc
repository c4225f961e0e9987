#include "gateway/common/file.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(ReadFileToStringTest, ADirectoryIsNotAnEmptyFile) {
  std::string dir = ::testing::TempDir() + "file_test_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  absl::StatusOr<std::string> contents = ReadFileToString(dir);
  EXPECT_EQ(contents.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(contents.status().message(), "cannot read " + dir + ": is a directory, not a file");
  ::rmdir(dir.c_str());
}

TEST(ReadFileToStringTest, AMissingFileIsNotFound) {
  absl::StatusOr<std::string> contents = ReadFileToString("/nonexistent/gateway.yaml");
  EXPECT_EQ(contents.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(contents.status().message()),
              ::testing::HasSubstr("cannot read /nonexistent/gateway.yaml: No such file"));
}

}  // namespace
}  // namespace pasarela
