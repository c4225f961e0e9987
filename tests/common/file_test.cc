#include "gateway/common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
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

// A directory of its own, removed with what the test left in it.
class ScratchDirectory {
 public:
  ScratchDirectory() : path_(::testing::TempDir() + "file_test_XXXXXX") {
    if (::mkdtemp(path_.data()) == nullptr) path_.clear();
  }
  ~ScratchDirectory() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }
  bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

TEST(ReadFileToStringTest, AFifoIsRefusedAtOnceInsteadOfWaitingForAWriter) {
  ScratchDirectory dir;
  ASSERT_TRUE(dir.ok());
  const std::string fifo = dir.Sub("federation.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  absl::StatusOr<std::string> contents = ReadFileToString(fifo);
  EXPECT_EQ(contents.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(contents.status().message(),
            "cannot read " + fifo + ": is not a regular file (a FIFO)");
}

TEST(ReadFileToStringTest, ADeviceThatNeverEndsIsRefused) {
  absl::StatusOr<std::string> contents = ReadFileToString("/dev/zero");
  EXPECT_EQ(contents.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(contents.status().message(),
            "cannot read /dev/zero: is not a regular file (a character device)");
}

TEST(ReadFileToStringTest, AFileLargerThanTheLimitIsRefused) {
  ScratchDirectory dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.Sub("big.desc");
  std::ofstream(path) << std::string(1025, 'x');
  absl::StatusOr<std::string> contents = ReadFileToString(path, 1024);
  EXPECT_EQ(contents.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(contents.status().message(),
            "cannot read " + path + ": larger than 1024 bytes, the most read");
  absl::StatusOr<std::string> whole = ReadFileToString(path, 1025);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->size(), 1025u);
}

TEST(ReadFileToStringTest, AProcFileWhoseSizeSaysZeroIsReadToItsEnd) {
  absl::StatusOr<std::string> contents = ReadFileToString("/proc/self/status");
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_THAT(*contents, ::testing::HasSubstr("Name:"));
}

TEST(CheckRegularFileTest, NamesWhatTheFileIs) {
  ScratchDirectory dir;
  ASSERT_TRUE(dir.ok());
  const std::string fifo = dir.Sub("segment-000001.log");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  absl::Status status = CheckRegularFile(fd, fifo);
  ::close(fd);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), fifo + " is not a regular file (a FIFO)");
}

}  // namespace
}  // namespace pasarela
