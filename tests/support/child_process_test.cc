#include "tests/support/child_process.h"

#include <signal.h>

#include <string>

#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace pasarela::testing {
namespace {

// A shell that prints `ready` once its SIGTERM handling (`on_term`, a trap action) is in place,
// then waits to be signalled.
std::unique_ptr<ChildProcess> StartShell(const std::string& on_term) {
  const std::string dir = MakeTempDir("child-process");
  auto process = std::make_unique<ChildProcess>(
      std::vector<std::string>{
          "/bin/sh", "-c", "trap '" + on_term + "' TERM; echo ready; while :; do sleep 0.05; done"},
      dir + "/shell.log");
  EXPECT_TRUE(process->WaitForLog("ready", absl::Seconds(10))) << process->Log();
  return process;
}

TEST(ChildProcessTest, AProcessIgnoringTheSignalIsKilledAfterTheTimeout) {
  std::unique_ptr<ChildProcess> process = StartShell("");
  EXPECT_EQ(process->Stop(SIGTERM, absl::Milliseconds(300)), 128 + SIGKILL);
  EXPECT_TRUE(process->killed_after_timeout());
}

TEST(ChildProcessTest, AProcessEndingOnTheSignalIsNotSaidToBeKilled) {
  std::unique_ptr<ChildProcess> process = StartShell("exit 3");
  EXPECT_EQ(process->Stop(SIGTERM, absl::Seconds(10)), 3);
  EXPECT_FALSE(process->killed_after_timeout());
}

TEST(StopAndCheckTest, ACrashWhileStoppingFailsTheTest) {
  std::unique_ptr<ChildProcess> process = StartShell("echo freeing twice; kill -ABRT $$");
  EXPECT_NONFATAL_FAILURE(StopAndCheck("gateway XX", *process),
                          "gateway XX ended on signal 6 (Aborted) while stopping");
  EXPECT_FALSE(process->running());
}

TEST(StopAndCheckTest, TheFailureShowsTheEndOfTheLog) {
  std::unique_ptr<ChildProcess> process = StartShell("echo last words; kill -SEGV $$");
  EXPECT_NONFATAL_FAILURE(StopAndCheck("provider P", *process), "ready\nlast words");
}

TEST(StopAndCheckTest, AnOrdinaryStopOrAKillTheTestSentIsNoFailure) {
  std::unique_ptr<ChildProcess> exits = StartShell("exit 0");
  StopAndCheck("gateway XX", *exits);
  EXPECT_FALSE(exits->running());

  std::unique_ptr<ChildProcess> killed = StartShell("");
  ASSERT_EQ(::kill(killed->pid(), SIGKILL), 0);
  StopAndCheck("gateway YY", *killed);
  EXPECT_FALSE(killed->running());
  // Already reaped: nothing to stop.
  StopAndCheck("gateway YY", *killed);
}

}  // namespace
}  // namespace pasarela::testing
