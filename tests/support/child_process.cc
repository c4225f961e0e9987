#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace pasarela::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, int output_fd) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // The child starts with no blocked signals, whatever the test runner's mask.
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int error = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return error == 0 ? pid : -1;
}

bool IsCrashSignal(int signal_number) {
  return signal_number == SIGABRT || signal_number == SIGSEGV || signal_number == SIGBUS ||
         signal_number == SIGILL || signal_number == SIGFPE;
}

std::string LastLines(const std::string& log, size_t count) {
  std::vector<absl::string_view> lines = absl::StrSplit(log, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - count);
  return absl::StrJoin(lines, "\n");
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_file)
    : log_file_(std::move(log_file)) {
  int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    pid_ = Spawn(argv, fd);
    ::close(fd);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGTERM, kStopGracePeriod);
}

std::string ChildProcess::Log() const { return ReadFileOrEmpty(log_file_); }

int ChildProcess::CountInLog(const std::string& text) const {
  const std::string log = Log();
  int count = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
  return count;
}

bool ChildProcess::WaitForLog(const std::string& text, absl::Duration timeout) const {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Log().find(text) != std::string::npos) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return Log().find(text) != std::string::npos;
}

int ChildProcess::Stop(int signal_number, absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal_number);
  absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (absl::Now() > deadline) {
      killed_after_timeout_ = true;
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool ChildProcess::Exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return true;
  }
  return false;
}

int ChildProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string WaitForFile(const std::string& path, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string contents = ReadFileOrEmpty(path);
    if (!contents.empty()) return contents;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return "";
}

int RunCommand(const std::vector<std::string>& argv, std::string* output) {
  std::string log = absl::StrCat(MakeTempDir("command"), "/output");
  ChildProcess child(argv, log);
  int status = child.Wait();
  if (output != nullptr) *output = ReadFileOrEmpty(log);
  return status;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

void StopAndCheck(const std::string& what, ChildProcess& process) {
  if (!process.running()) return;
  const int status = process.Stop(SIGTERM, kStopGracePeriod);
  if (process.killed_after_timeout()) {
    ADD_FAILURE() << what << " was still running " << absl::FormatDuration(kStopGracePeriod)
                  << " after SIGTERM and was killed; the end of its log:\n"
                  << LastLines(process.Log(), 20);
  } else if (status > 128 && IsCrashSignal(status - 128)) {
    ADD_FAILURE() << what << " ended on signal " << status - 128 << " ("
                  << ::strsignal(status - 128) << ") while stopping; the end of its log:\n"
                  << LastLines(process.Log(), 20);
  }
}

}  // namespace pasarela::testing
