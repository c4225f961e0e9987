#include "gateway/policy/policy_watcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <atomic>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace pasarela {
namespace {

constexpr absl::Duration kSettle = absl::Milliseconds(50);
// Long enough for an event to be read, settle and be reported on a busy machine.
constexpr absl::Duration kQuiet = absl::Milliseconds(600);

void Append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app);
  out << text;
}

// Waits until `count` reaches `at_least`, or a while.
bool WaitFor(const std::atomic<int>& count, int at_least) {
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (count.load() < at_least && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  return count.load() >= at_least;
}

class PolicyWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("watcher");
    ASSERT_EQ(::mkdir((dir_ + "/policy").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((dir_ + "/audit").c_str(), 0755), 0);
    Append(dir_ + "/gateway.yaml", "country: CL\n");
  }
  void Watch(std::vector<std::string> ignored) {
    auto watcher =
        PolicyWatcher::Start({dir_}, std::move(ignored), kSettle, [this] { ++changes_; });
    ASSERT_TRUE(watcher.ok()) << watcher.status();
    watcher_ = *std::move(watcher);
  }
  std::string dir_;
  std::atomic<int> changes_{0};
  std::unique_ptr<PolicyWatcher> watcher_;
};

TEST_F(PolicyWatcherTest, AnEditIsOneChange) {
  Watch({});
  Append(dir_ + "/gateway.yaml", "log_level: warning\n");
  ASSERT_TRUE(WaitFor(changes_, 1));
  absl::SleepFor(kQuiet);
  EXPECT_EQ(changes_.load(), 1);
  // A new subdirectory is watched from then on.
  ASSERT_EQ(::mkdir((dir_ + "/policy/agreements").c_str(), 0755), 0);
  ASSERT_TRUE(WaitFor(changes_, 2));
  Append(dir_ + "/policy/agreements/new.yaml", "id: x\n");
  EXPECT_TRUE(WaitFor(changes_, 3));
}

// The gateway's own writes beside its files (the audit trail, the access log, which a reload
// reopens) are not edits: they would start a reload, whose writes would start the next.
TEST_F(PolicyWatcherTest, WhatTheGatewayWritesItselfIsNotAChange) {
  // Named as the loader resolves them, and relatively: both forms are recognised.
  Watch({dir_ + "/audit", absl::StrCat(dir_, "/./policy/../access.jsonl")});
  for (int i = 0; i < 5; ++i) {
    Append(dir_ + "/access.jsonl", "{\"exchange_id\":\"x\"}\n");
    Append(dir_ + "/audit/segment-000001.log", "entry");
  }
  ASSERT_EQ(::mkdir((dir_ + "/audit/archive").c_str(), 0755), 0);
  Append(dir_ + "/audit/archive/segment-000000.log", "old");
  ASSERT_EQ(::rename((dir_ + "/access.jsonl").c_str(), (dir_ + "/audit/rotated").c_str()), 0);
  absl::SleepFor(kQuiet);
  EXPECT_EQ(changes_.load(), 0);
  // A file whose name only begins like an ignored one still counts.
  Append(dir_ + "/access.jsonl.yaml", "x\n");
  EXPECT_TRUE(WaitFor(changes_, 1));
}

// A policy file that is a link to a file elsewhere (the pilot links each country's files to the
// committed ones) is watched through the link, and nothing else of the other directory is.
TEST_F(PolicyWatcherTest, AnEditOfTheFileALinkPointsToIsAChange) {
  const std::string committed = testing::MakeTempDir("committed");
  Append(committed + "/services.yaml", "providers: []\n");
  Append(committed + "/notes.txt", "unrelated\n");
  ASSERT_EQ(
      ::symlink((committed + "/services.yaml").c_str(), (dir_ + "/policy/services.yaml").c_str()),
      0);
  Watch({});
  // Written in place, through its own name: the policy directory sees no event of its own.
  Append(committed + "/services.yaml", "# edited\n");
  ASSERT_TRUE(WaitFor(changes_, 1));
  absl::SleepFor(kQuiet);
  EXPECT_EQ(changes_.load(), 1);
  // Saved as an editor saves: a new file renamed over it. Twice, so that the watch follows the
  // new file.
  for (int round = 2; round <= 3; ++round) {
    Append(committed + "/.services.yaml.swp", "providers: []\n");
    ASSERT_EQ(std::rename((committed + "/.services.yaml.swp").c_str(),
                          (committed + "/services.yaml").c_str()),
              0);
    ASSERT_TRUE(WaitFor(changes_, round)) << "round " << round;
    absl::SleepFor(kQuiet);
    EXPECT_EQ(changes_.load(), round);
  }
  // The rest of that directory is not policy.
  Append(committed + "/notes.txt", "more\n");
  absl::SleepFor(kQuiet);
  EXPECT_EQ(changes_.load(), 3);
}

}  // namespace
}  // namespace pasarela
