// LiveTlsFiles: private files, generations switched by one rename with increasing modification
// times, and no key copies left behind.
#include "gateway/net/live_tls_files.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace pasarela {
namespace {

using ::pasarela::testing::MakeTempDir;
using ::pasarela::testing::ReadFileOrEmpty;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

time_t MtimeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mtime;
}

TEST(LiveTlsFilesTest, PublishWritesPrivateFilesAndSwitchesWithALaterModificationTime) {
  const std::string parent = MakeTempDir("live");
  absl::StatusOr<std::unique_ptr<LiveTlsFiles>> files = LiveTlsFiles::Create(parent);
  ASSERT_TRUE(files.ok()) << files.status();
  LiveTlsFiles& live = **files;
  EXPECT_EQ(ModeOf(live.directory()), 0700u);
  ASSERT_TRUE(live.Publish({"cert one", "key one"}, {{"agency", "roots one"}}).ok());
  EXPECT_EQ(ReadFileOrEmpty(live.certificate_file()), "cert one");
  EXPECT_EQ(ReadFileOrEmpty(live.key_file()), "key one");
  EXPECT_EQ(ReadFileOrEmpty(live.roots_file("agency")), "roots one");
  EXPECT_EQ(ModeOf(live.key_file()), 0600u);
  const time_t first = MtimeOf(live.key_file());
  EXPECT_EQ(MtimeOf(live.certificate_file()), first);

  // Published again within the same second: the files still look newer to a reader.
  ASSERT_TRUE(live.Publish({"cert two", "key two"}, {{"agency", "roots two"}}).ok());
  EXPECT_EQ(ReadFileOrEmpty(live.certificate_file()), "cert two");
  EXPECT_EQ(ReadFileOrEmpty(live.key_file()), "key two");
  EXPECT_GT(MtimeOf(live.key_file()), first);
  EXPECT_TRUE(std::filesystem::exists(live.directory() + "/gen-1"));
  ASSERT_TRUE(live.Publish({"cert three", "key three"}, {}).ok());
  EXPECT_FALSE(std::filesystem::exists(live.directory() + "/gen-1"));
  EXPECT_TRUE(std::filesystem::exists(live.directory() + "/gen-2"));
}

TEST(LiveTlsFilesTest, DirectoryIsRemovedWithTheObjectAndAfterAProcessThatIsGone) {
  const std::string parent = MakeTempDir("live");
  std::string directory;
  {
    absl::StatusOr<std::unique_ptr<LiveTlsFiles>> files = LiveTlsFiles::Create(parent);
    ASSERT_TRUE(files.ok()) << files.status();
    ASSERT_TRUE((*files)->Publish({"cert", "key"}, {}).ok());
    directory = (*files)->directory();
    EXPECT_TRUE(std::filesystem::exists(directory));
  }
  EXPECT_FALSE(std::filesystem::exists(directory));

  // A directory left by a process that has exited (kill -9), and one of a live process.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const std::string abandoned = absl::StrCat(parent, "/pasarela-tls-", child, "-abcdef");
  const std::string alive = absl::StrCat(parent, "/pasarela-tls-", ::getppid(), "-abcdef");
  for (const std::string& dir : {abandoned, alive}) {
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0) << dir;
    std::filesystem::create_directory(dir + "/gen-1");
  }
  absl::StatusOr<std::unique_ptr<LiveTlsFiles>> files = LiveTlsFiles::Create(parent);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_FALSE(std::filesystem::exists(abandoned));
  EXPECT_TRUE(std::filesystem::exists(alive));
}

}  // namespace
}  // namespace pasarela
