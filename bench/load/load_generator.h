// LoadGenerator: drives one unary gRPC method with pre-serialized request bytes, closed loop (a
// fixed number of calls always in flight) or open loop (calls started at a fixed rate whatever
// the answers do), and measures what the server side delivered.
//
// Closed loop: each of `concurrency` slots starts its next call from the completion of the
// previous one; latency is from start to completion. Open loop: call i is due at start + i/rate;
// its latency is measured from that intended instant, not from when it was actually sent, so a
// server that stalls is charged for the calls it delayed (no coordinated omission).
//
// A run is warm-up, then the measured window, then a drain of the calls still in flight. Only
// completions inside the window count towards throughput, the histogram and the errors of
// LoadResult; the *_total counters cover the whole run (what the server side saw).
//
// Calls use the gRPC callback API (one ClientUnaryReactor per call, deleting itself in OnDone),
// so the tool needs no thread per call and costs little CPU next to the servers it measures.
//
// Thread safety: Run is called from one thread at a time; it blocks until the drain ends.
#ifndef PASARELA_BENCH_LOAD_LOAD_GENERATOR_H_
#define PASARELA_BENCH_LOAD_LOAD_GENERATOR_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/load/latency_histogram.h"

namespace pasarela::bench {

struct LoadOptions {
  // Calls go round-robin over these channels (at least one).
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  // "/package.Service/Method".
  std::string method;
  // The serialized request message, sent as it is by every call.
  std::string request;
  // Metadata added to every call.
  std::vector<std::pair<std::string, std::string>> metadata;
  // Exactly one of the two is positive: calls in flight (closed loop) or calls per second (open).
  int concurrency = 0;
  double rate = 0;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(10);
  absl::Duration deadline = absl::Seconds(10);
  // Called on the thread that called Run, at the start and at the end of the measured window
  // (to sample the CPU time of processes). Optional.
  std::function<void()> on_window_start;
  std::function<void()> on_window_end;
};

struct LoadResult {
  // Inside the measured window.
  LatencyHistogram latency;  // OK calls only
  uint64_t ok = 0;
  std::map<grpc::StatusCode, uint64_t> errors;
  uint64_t response_bytes = 0;  // sum over the OK calls
  absl::Duration window;        // as measured, close to LoadOptions::duration
  // The whole run: warm-up, window and drain.
  uint64_t calls_total = 0;
  uint64_t ok_total = 0;
  // Calls whose outcome never came back within deadline + 5 s of the window's end.
  uint64_t abandoned = 0;

  double throughput() const;
};

// Runs the load. INVALID_ARGUMENT for options that do not describe one loop.
absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options);

}  // namespace pasarela::bench

#endif  // PASARELA_BENCH_LOAD_LOAD_GENERATOR_H_
