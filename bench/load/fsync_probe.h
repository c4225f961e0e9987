// How long this machine takes to make a small append durable in a directory: the cost a gateway
// with a durable audit trail waits for (its writer appends a batch, then calls fdatasync).
//
// Thread-compatible: one probe at a time per directory.
#ifndef PASARELA_BENCH_LOAD_FSYNC_PROBE_H_
#define PASARELA_BENCH_LOAD_FSYNC_PROBE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "bench/load/latency_histogram.h"

namespace pasarela::bench {

// Appends `bytes` bytes to a new file in `directory`, then fdatasyncs it, `count` times, and
// returns the latency of each fdatasync. The file is removed afterwards.
absl::StatusOr<LatencyHistogram> MeasureFdatasync(const std::string& directory, int count,
                                                  size_t bytes);

}  // namespace pasarela::bench

#endif  // PASARELA_BENCH_LOAD_FSYNC_PROBE_H_
