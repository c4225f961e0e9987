#include "gateway/common/cpu_scheduling.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pasarela {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

absl::Status ErrnoError(int error, absl::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(error), absl::StrCat(what, ": ", ::strerror(error)));
}

// Passes over the thread list before giving up on threads that keep appearing unmoved: each pass
// moves the creators of the threads the next one finds, so a few suffice.
constexpr int kMaxPasses = 16;

}  // namespace

absl::optional<CpuScheduling> ParseCpuScheduling(absl::string_view text) {
  if (text == "batch") return CpuScheduling::kBatch;
  if (text == "inherited") return CpuScheduling::kInherited;
  return absl::nullopt;
}

absl::string_view CpuSchedulingName(CpuScheduling scheduling) {
  return scheduling == CpuScheduling::kBatch ? "batch" : "inherited";
}

absl::StatusOr<int> ThreadSchedulingPolicy(int tid) {
  const int policy = ::sched_getscheduler(tid);
  if (policy < 0) {
    const int error = errno;
    return ErrnoError(error, absl::StrCat("sched_getscheduler of thread ", tid));
  }
  // SCHED_RESET_ON_FORK is a flag beside the policy, not a policy.
  return policy & ~SCHED_RESET_ON_FORK;
}

absl::StatusOr<std::vector<int>> ThreadIdsOf(int pid) {
  const std::string tasks_dir = absl::StrCat("/proc/", pid, "/task");
  std::unique_ptr<DIR, DirCloser> tasks(::opendir(tasks_dir.c_str()));
  if (tasks == nullptr) {
    const int error = errno;
    return ErrnoError(error, absl::StrCat("cannot list the threads in ", tasks_dir));
  }
  std::vector<int> ids;
  while (const dirent* entry = ::readdir(tasks.get())) {
    int tid = 0;
    if (absl::SimpleAtoi(entry->d_name, &tid)) ids.push_back(tid);
  }
  return ids;
}

absl::StatusOr<int> ScheduleEveryThreadAsBatch() {
  int moved = 0;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    absl::StatusOr<std::vector<int>> threads = ThreadIdsOf(::getpid());
    if (!threads.ok()) return threads.status();
    int moved_in_pass = 0;
    for (int tid : *threads) {
      absl::StatusOr<int> policy = ThreadSchedulingPolicy(tid);
      // A thread that ended since the list was read.
      if (!policy.ok() && absl::IsNotFound(policy.status())) continue;
      if (policy.ok() && *policy == SCHED_BATCH) continue;
      const sched_param priority{};
      if (::sched_setscheduler(tid, SCHED_BATCH, &priority) != 0) {
        const int error = errno;
        if (error == ESRCH) continue;
        return ErrnoError(error, absl::StrCat("sched_setscheduler(SCHED_BATCH) of thread ", tid));
      }
      ++moved_in_pass;
    }
    moved += moved_in_pass;
    if (moved_in_pass == 0) return moved;
  }
  return moved;
}

}  // namespace pasarela
