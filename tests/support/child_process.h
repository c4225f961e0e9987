// A program started for a test: its stdout and stderr go to a log file the test can read, and it
// is stopped (SIGTERM, then SIGKILL) when the object goes away, so no test leaves a process behind.
#ifndef PASARELA_TESTS_SUPPORT_CHILD_PROCESS_H_
#define PASARELA_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/temp_files.h"

namespace pasarela::testing {

// How long a stopping process may take after SIGTERM before it is killed: long enough for a
// gateway's default drain and for a sanitizer to finish writing its report (a process killed while
// the symbolizer runs leaves a report without its stack).
inline constexpr absl::Duration kStopGracePeriod = absl::Seconds(30);

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; output is appended to `log_file`.
  ChildProcess(std::vector<std::string> argv, std::string log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_file() const { return log_file_; }
  // The whole log so far.
  std::string Log() const;
  // How many times `text` appears in the log so far.
  int CountInLog(const std::string& text) const;
  // Waits until the log contains `text`; false on timeout.
  bool WaitForLog(const std::string& text, absl::Duration timeout) const;
  // Sends `signal_number` and waits for the exit; returns the exit status (or 128+signal). A
  // process still running after `timeout` is killed (SIGKILL), which killed_after_timeout() then
  // tells apart from a SIGKILL the test sent itself.
  int Stop(int signal_number, absl::Duration timeout);
  bool killed_after_timeout() const { return killed_after_timeout_; }
  // True once the process has exited (it is then reaped).
  bool Exited();
  // Waits for the process to exit by itself; returns its exit status (or 128+signal).
  int Wait();
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string log_file_;
  bool killed_after_timeout_ = false;
};

// Stops `process` with SIGTERM and fails the running test if it crashed (SIGABRT, SIGSEGV, ...)
// or had to be killed after kStopGracePeriod: a fault while a process stops (a double free, a use
// after free, a hang) would otherwise go unseen, since a test's assertions are made before its
// processes go. `what` names the process in the failure. Does nothing to a process already reaped.
void StopAndCheck(const std::string& what, ChildProcess& process);

// Waits for `path` to exist and be non-empty; returns its contents or "" on timeout.
std::string WaitForFile(const std::string& path, absl::Duration timeout);

// Runs a command to completion (no shell); returns its exit status, output in *output.
int RunCommand(const std::vector<std::string>& argv, std::string* output);

std::string ReadFileOrEmpty(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_CHILD_PROCESS_H_
