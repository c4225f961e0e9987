#include "gateway/common/cpu_scheduling.h"

#include <sched.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(CpuSchedulingTest, NamesParseBothWays) {
  for (CpuScheduling scheduling : {CpuScheduling::kBatch, CpuScheduling::kInherited}) {
    EXPECT_EQ(ParseCpuScheduling(CpuSchedulingName(scheduling)), scheduling);
  }
  EXPECT_EQ(ParseCpuScheduling("SCHED_BATCH"), absl::nullopt);
  EXPECT_EQ(ParseCpuScheduling("Batch"), absl::nullopt);
  EXPECT_EQ(ParseCpuScheduling(""), absl::nullopt);
}

// A thread that reports its id and waits until told to end; it may start a thread of its own.
class ParkedThread {
 public:
  explicit ParkedThread(bool start_child = false)
      : thread_([this, start_child] {
          std::unique_ptr<ParkedThread> child;
          std::unique_lock<std::mutex> lock(mu_);
          tid_ = ::gettid();
          changed_.notify_all();
          changed_.wait(lock, [this] { return spawn_ || end_; });
          if (spawn_ && start_child) {
            lock.unlock();
            child = std::make_unique<ParkedThread>();
            const int child_tid = child->tid();
            lock.lock();
            child_tid_ = child_tid;
            changed_.notify_all();
            changed_.wait(lock, [this] { return end_; });
          }
        }) {}
  ~ParkedThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      end_ = true;
      changed_.notify_all();
    }
    thread_.join();
  }
  int tid() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return tid_ != 0; });
    return tid_;
  }
  // Has the thread start a child now, and returns the child's id.
  int SpawnChild() {
    std::unique_lock<std::mutex> lock(mu_);
    spawn_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return child_tid_ != 0; });
    return child_tid_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int tid_ = 0;
  int child_tid_ = 0;
  bool spawn_ = false;
  bool end_ = false;
  std::thread thread_;
};

TEST(CpuSchedulingTest, EveryThreadMovesToBatchAndTheirNewThreadsInheritIt) {
  // The usual policy to start from, whatever the test runner was started with.
  const sched_param priority{};
  ASSERT_EQ(::sched_setscheduler(0, SCHED_OTHER, &priority), 0);
  ParkedThread before(/*start_child=*/true);
  const int before_tid = before.tid();
  ASSERT_EQ(ThreadSchedulingPolicy(before_tid).value(), SCHED_OTHER);

  absl::StatusOr<int> moved = ScheduleEveryThreadAsBatch();
  ASSERT_TRUE(moved.ok()) << moved.status();
  // This thread and the parked one at least (gtest may have none of its own).
  EXPECT_GE(*moved, 2);
  EXPECT_EQ(ThreadSchedulingPolicy(::gettid()).value(), SCHED_BATCH);
  EXPECT_EQ(ThreadSchedulingPolicy(before_tid).value(), SCHED_BATCH);

  // Threads started afterwards, by this thread or by a thread that was moved, inherit the policy.
  ParkedThread after;
  EXPECT_EQ(ThreadSchedulingPolicy(after.tid()).value(), SCHED_BATCH);
  EXPECT_EQ(ThreadSchedulingPolicy(before.SpawnChild()).value(), SCHED_BATCH);

  // Nothing is left to move.
  EXPECT_EQ(ScheduleEveryThreadAsBatch().value(), 0);

  // Back to the usual policy, so that the other tests of this process run as before.
  ASSERT_EQ(::sched_setscheduler(0, SCHED_OTHER, &priority), 0);
}

TEST(CpuSchedulingTest, ThreadIdsListEveryThreadOfAProcess) {
  ParkedThread parked;
  absl::StatusOr<std::vector<int>> ids = ThreadIdsOf(::getpid());
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, ::testing::IsSupersetOf({static_cast<int>(::gettid()), parked.tid()}));
  absl::StatusOr<std::vector<int>> gone = ThreadIdsOf(0x7ffffff0);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
}

TEST(CpuSchedulingTest, AThreadThatDoesNotExistIsNotFound) {
  absl::StatusOr<int> policy = ThreadSchedulingPolicy(0x7ffffff0);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(policy.status().message()),
              ::testing::HasSubstr("sched_getscheduler of thread 2147483632"));
}

}  // namespace
}  // namespace pasarela
