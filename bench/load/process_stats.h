// What the load tool reads about processes: CPU time (user + system, all threads) and peak
// resident memory, of itself (getrusage) and of other processes on this machine (/proc); and the
// CPU time the whole machine spent, so that a run can tell how much went to processes it does not
// measure.
//
// Stateless functions; safe to call from any thread.
#ifndef PASARELA_BENCH_LOAD_PROCESS_STATS_H_
#define PASARELA_BENCH_LOAD_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pasarela::bench {

struct ProcessSample {
  // User plus system CPU time of every thread since the process started. From /proc/PID/stat it
  // has the kernel's clock-tick resolution (10 ms at USER_HZ 100).
  uint64_t cpu_nanos = 0;
  // Peak resident set size since the process started (VmHWM), in KiB.
  uint64_t peak_rss_kib = 0;
  // Context switches, voluntary and not, of the threads the process has now (a thread that has
  // ended takes its count with it). Each is a wait or a preemption the work paid for.
  uint64_t context_switches = 0;
};

// Reads /proc/PID/stat, /proc/PID/status and each /proc/PID/task/TID/status. NOT_FOUND when the
// process is gone.
absl::StatusOr<ProcessSample> SampleProcess(pid_t pid);

// The context switches of the threads whose /proc/PID/task/TID/status texts are `statuses`.
uint64_t SumContextSwitches(const std::vector<std::string>& statuses);

// The calling process's own CPU time (getrusage, microsecond resolution), peak RSS and context
// switches.
ProcessSample SampleSelf();

struct MachineSample {
  // CPU time every core spent on anything but idling and waiting for I/O, and in all, since boot
  // (the first line of /proc/stat; clock-tick resolution).
  uint64_t busy_nanos = 0;
  uint64_t total_nanos = 0;
};

// Reads /proc/stat.
absl::StatusOr<MachineSample> SampleMachine();

// The share of the machine's CPU capacity between two samples that went to processes other than
// those whose CPU time in that interval adds up to `measured_nanos`: 0 on a quiet machine.
double OtherCpuShare(const MachineSample& start, const MachineSample& end, uint64_t measured_nanos);

}  // namespace pasarela::bench

#endif  // PASARELA_BENCH_LOAD_PROCESS_STATS_H_
