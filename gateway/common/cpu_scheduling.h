// How Linux schedules the gateway's threads (gateway.yaml `cpu_scheduling`).
//
// Under SCHED_BATCH a thread that wakes up does not preempt the thread running on its CPU: it
// runs when that one blocks or its time slice ends. A gateway's threads wake each other many
// times per exchange (gRPC's pollers, its executor, the audit writer after each fdatasync), and
// under load each preemption is a context switch the exchange pays for; docs/PERFORMANCE.md has
// the figures. Threads inherit their creator's policy, so the policy set on every thread of the
// process reaches the threads gRPC starts later.
//
// Thread safety: the functions may be called from any thread.
#ifndef PASARELA_GATEWAY_COMMON_CPU_SCHEDULING_H_
#define PASARELA_GATEWAY_COMMON_CPU_SCHEDULING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace pasarela {

enum class CpuScheduling {
  kBatch,      // SCHED_BATCH for every thread (the default)
  kInherited,  // whatever the process was started with (chrt, systemd's CPUSchedulingPolicy=)
};

// "batch" or "inherited"; nullopt for anything else.
absl::optional<CpuScheduling> ParseCpuScheduling(absl::string_view text);
absl::string_view CpuSchedulingName(CpuScheduling scheduling);

// Puts every thread of this process under SCHED_BATCH (priority 0, its only one) and returns how
// many it moved. A thread that a not-yet-moved thread creates meanwhile is found by another pass.
// Fails (naming the thread and errno) when the kernel refuses a change: the threads moved before
// stay moved.
absl::StatusOr<int> ScheduleEveryThreadAsBatch();

// The scheduling policy of thread `tid` (SCHED_OTHER, SCHED_BATCH, ...; of any process on this
// machine), or the error: NOT_FOUND when the thread has ended. For tests and diagnostics.
absl::StatusOr<int> ThreadSchedulingPolicy(int tid);

// The ids of the threads process `pid` has now (from /proc/PID/task), in no particular order;
// NOT_FOUND when the process is gone.
absl::StatusOr<std::vector<int>> ThreadIdsOf(int pid);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_CPU_SCHEDULING_H_
