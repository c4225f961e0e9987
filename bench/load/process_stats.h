// What the load tool reads about processes: CPU time (user + system, all threads) and peak
// resident memory, of itself (getrusage) and of other processes on this machine (/proc).
//
// Stateless functions; safe to call from any thread.
#ifndef PASARELA_BENCH_LOAD_PROCESS_STATS_H_
#define PASARELA_BENCH_LOAD_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace pasarela::bench {

struct ProcessSample {
  // User plus system CPU time of every thread since the process started. From /proc/PID/stat it
  // has the kernel's clock-tick resolution (10 ms at USER_HZ 100).
  uint64_t cpu_nanos = 0;
  // Peak resident set size since the process started (VmHWM), in KiB.
  uint64_t peak_rss_kib = 0;
};

// Reads /proc/PID/stat and /proc/PID/status. NOT_FOUND when the process is gone.
absl::StatusOr<ProcessSample> SampleProcess(pid_t pid);

// The calling process's own CPU time (getrusage, microsecond resolution) and peak RSS.
ProcessSample SampleSelf();

}  // namespace pasarela::bench

#endif  // PASARELA_BENCH_LOAD_PROCESS_STATS_H_
