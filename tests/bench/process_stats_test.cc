#include "bench/load/process_stats.h"

#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace pasarela::bench {
namespace {

constexpr uint64_t kSecond = 1000000000;

TEST(OtherCpuShareTest, IsTheBusyTimeNotMeasuredOverTheCapacity) {
  const MachineSample start{10 * kSecond, 40 * kSecond};
  // Two cores for one second: 2 s of capacity, 1.5 s of it busy, 0.5 s of that measured.
  const MachineSample end{11 * kSecond + kSecond / 2, 42 * kSecond};
  EXPECT_DOUBLE_EQ(OtherCpuShare(start, end, kSecond / 2), 0.5);
  EXPECT_DOUBLE_EQ(OtherCpuShare(start, end, kSecond + kSecond / 2), 0.0);
}

TEST(OtherCpuShareTest, MeasuredTimeBeyondTheBusyTimeIsNoOtherLoad) {
  // Per-process times have tick resolution: they may add up to a little more than the machine's.
  const MachineSample start{0, 0};
  const MachineSample end{kSecond, 2 * kSecond};
  EXPECT_DOUBLE_EQ(OtherCpuShare(start, end, kSecond + 10000000), 0.0);
  EXPECT_DOUBLE_EQ(OtherCpuShare(end, end, 0), 0.0);
}

TEST(SampleMachineTest, ReadsProcStatAsBusyWithinTotal) {
  absl::StatusOr<MachineSample> first = SampleMachine();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GT(first->total_nanos, 0u);
  EXPECT_LE(first->busy_nanos, first->total_nanos);
  // Spin until the machine's counters move (they advance by clock ticks).
  absl::StatusOr<MachineSample> second = first;
  for (int i = 0; i < 2000 && second.ok() && second->total_nanos == first->total_nanos; ++i) {
    usleep(1000);
    second = SampleMachine();
  }
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(second->total_nanos, first->total_nanos);
  EXPECT_GE(second->busy_nanos, first->busy_nanos);
  EXPECT_LE(second->busy_nanos - first->busy_nanos, second->total_nanos - first->total_nanos);
}

TEST(SumContextSwitchesTest, AddsBothKindsOverEveryThread) {
  const std::vector<std::string> statuses = {
      "Name:\tpasarela\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n",
      "Name:\tnexting_thread\nvoluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t0\n",
      // A status without the lines (a kernel that does not count) adds nothing.
      "Name:\tother\n"};
  EXPECT_EQ(SumContextSwitches(statuses), 130u);
  EXPECT_EQ(SumContextSwitches({}), 0u);
}

TEST(SampleProcessTest, CountsTheSwitchesOfEveryThread) {
  absl::StatusOr<ProcessSample> before = SampleProcess(::getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  // Each sleep is a voluntary switch, here on another thread than the main one.
  std::thread sleeper([] {
    for (int i = 0; i < 20; ++i) usleep(100);
  });
  sleeper.join();
  // The sleeper has ended: its switches left with it. Sleep on this thread instead.
  for (int i = 0; i < 20; ++i) usleep(100);
  absl::StatusOr<ProcessSample> after = SampleProcess(::getpid());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_GE(after->context_switches, before->context_switches + 20);
  EXPECT_GE(SampleSelf().context_switches, 40u);
}

TEST(SampleProcessTest, ThreadsThatEndWhileItReadsAreLeftOut) {
  // gRPC's executor starts and ends threads under load: a thread may end between the listing of
  // /proc/PID/task and the read of its status, or during that read.
  std::atomic<bool> stop{false};
  std::thread churn([&stop] {
    while (!stop.load()) std::thread([] {}).join();
  });
  int samples = 0;
  absl::Status failure;
  for (const absl::Time end = absl::Now() + absl::Seconds(1); failure.ok() && absl::Now() < end;
       ++samples) {
    failure = SampleProcess(::getpid()).status();
  }
  stop.store(true);
  churn.join();
  EXPECT_TRUE(failure.ok()) << failure;
  EXPECT_GT(samples, 10);
}

TEST(SampleProcessTest, AProcessThatIsGoneIsNotFound) {
  // Process ids are below 2^22 on Linux.
  absl::StatusOr<ProcessSample> gone = SampleProcess(0x7ffffff0);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pasarela::bench
