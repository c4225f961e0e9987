#include "bench/load/load_generator.h"

#include <grpcpp/generic/generic_stub.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace pasarela::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void SleepUntilNanos(int64_t when) {
  int64_t now = NowNanos();
  if (when > now) std::this_thread::sleep_for(std::chrono::nanoseconds(when - now));
}

// The calls whose objects still exist. A call's last act is to leave it, after its ClientContext
// (which holds a channel) is gone; it holds nothing of gRPC, so whichever thread lets go of it last
// may free it.
class CallCount {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }

  void Remove() {
    absl::MutexLock lock(&mu_);
    --count_;
  }

  // Waits until no call is left or `until` passes; returns the calls still there.
  uint64_t WaitForNone(int64_t until) {
    absl::MutexLock lock(&mu_);
    while (count_ > 0) {
      int64_t left = until - NowNanos();
      if (left <= 0) break;
      auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_ == 0; };
      mu_.AwaitWithTimeout(absl::Condition(&none), absl::Nanoseconds(left));
    }
    return static_cast<uint64_t>(count_);
  }

 private:
  absl::Mutex mu_;
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// The state of one run, shared by the driver thread and gRPC's callback threads. Every call holds
// a reference, so a run whose calls were abandoned outlives them after RunLoad returns; otherwise
// RunLoad lets go of it last.
class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(LoadOptions options, grpc::ByteBuffer request)
      : options_(std::move(options)), request_(std::move(request)) {
    for (const auto& channel : options_.channels) {
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
    }
  }

  // Starts one call due at `intended` (steady clock, nanoseconds).
  void Start(int64_t intended);

  // A call ended: counts it and, in a closed loop before the end, starts the next one.
  void Ended(int64_t intended, const grpc::Status& status, size_t response_bytes) {
    int64_t now = NowNanos();
    bool next = false;
    {
      absl::MutexLock lock(&mu_);
      ++result_.calls_total;
      if (status.ok()) ++result_.ok_total;
      if (now >= window_start_ && now < window_end_) {
        if (status.ok()) {
          ++result_.ok;
          result_.response_bytes += response_bytes;
          result_.latency.Record(static_cast<uint64_t>(now - intended));
        } else {
          ++result_.errors[status.error_code()];
        }
      }
      next = options_.concurrency > 0 && now < window_end_;
    }
    if (next) Start(NowNanos());
  }

  void SetWindow(int64_t start, int64_t end) {
    absl::MutexLock lock(&mu_);
    window_start_ = start;
    window_end_ = end;
  }

  // Waits until every call's objects are gone or `until` passes; returns the calls still there.
  uint64_t Drain(int64_t until) { return calls_->WaitForNone(until); }

  LoadResult TakeResult() {
    absl::MutexLock lock(&mu_);
    return std::move(result_);
  }

 private:
  friend class Call;
  const LoadOptions options_;
  const grpc::ByteBuffer request_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<uint64_t> next_stub_{0};
  const std::shared_ptr<CallCount> calls_ = std::make_shared<CallCount>();
  absl::Mutex mu_;
  int64_t window_start_ ABSL_GUARDED_BY(mu_) = INT64_MAX;
  int64_t window_end_ ABSL_GUARDED_BY(mu_) = INT64_MAX;
  LoadResult result_ ABSL_GUARDED_BY(mu_);
};

// One call in flight. Owns itself from Start until gRPC calls OnDone.
class Call final : public grpc::ClientUnaryReactor {
 public:
  Call(std::shared_ptr<Run> run, int64_t intended)
      : run_(std::move(run)), intended_(intended), request_(run_->request_) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(run_->options_.deadline));
    for (const auto& [key, value] : run_->options_.metadata) context_.AddMetadata(key, value);
  }

  void Start() {
    size_t stub = run_->next_stub_.fetch_add(1, std::memory_order_relaxed) % run_->stubs_.size();
    run_->stubs_[stub]->PrepareUnaryCall(&context_, run_->options_.method, grpc::StubOptions(),
                                         &request_, &response_, this);
    StartCall();
  }

  void OnDone(const grpc::Status& status) override {
    // The thread that started the run must hold the last reference to the channels: let go of on
    // a gRPC thread, the last one shuts gRPC down on a detached thread, racing the program's
    // exit. So the run learns that this call is over only once its objects are gone.
    std::shared_ptr<CallCount> calls = run_->calls_;
    {
      std::unique_ptr<Call> self(this);
      run_->Ended(intended_, status, response_.Length());
    }
    calls->Remove();
  }

 private:
  const std::shared_ptr<Run> run_;
  const int64_t intended_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;  // a reference to the run's slices, not a copy of the bytes
  grpc::ByteBuffer response_;
};

void Run::Start(int64_t intended) {
  calls_->Add();
  // Released to gRPC: OnDone deletes it.
  std::make_unique<Call>(shared_from_this(), intended).release()->Start();
}

}  // namespace

double LoadResult::throughput() const {
  double seconds = absl::ToDoubleSeconds(window);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0.0;
}

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options) {
  if ((options.concurrency > 0) == (options.rate > 0)) {
    return absl::InvalidArgumentError("give either a concurrency or a rate, not both");
  }
  if (options.channels.empty()) return absl::InvalidArgumentError("no channel to call");
  if (options.duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the duration must be positive");
  }
  grpc::Slice slice(options.request);
  auto shared_run = std::make_shared<Run>(options, grpc::ByteBuffer(&slice, 1));
  Run& run = *shared_run;

  int64_t start = NowNanos();
  int64_t window_start = start + absl::ToInt64Nanoseconds(options.warmup);
  int64_t window_end = window_start + absl::ToInt64Nanoseconds(options.duration);
  run.SetWindow(window_start, window_end);

  std::thread sender;
  if (options.concurrency > 0) {
    for (int i = 0; i < options.concurrency; ++i) run.Start(NowNanos());
  } else {
    // Call i is due at start + i / rate; a late sender catches up at once, keeping each call's
    // intended instant.
    sender = std::thread([&run, rate = options.rate, start, window_end] {
      double period = 1e9 / rate;
      for (uint64_t i = 0;; ++i) {
        int64_t due = start + static_cast<int64_t>(static_cast<double>(i) * period);
        if (due >= window_end) break;
        SleepUntilNanos(due);
        run.Start(due);
      }
    });
  }
  SleepUntilNanos(window_start);
  if (options.on_window_start) options.on_window_start();
  SleepUntilNanos(window_end);
  if (options.on_window_end) options.on_window_end();
  int64_t measured_end = NowNanos();
  if (sender.joinable()) sender.join();
  uint64_t abandoned =
      run.Drain(measured_end + absl::ToInt64Nanoseconds(options.deadline + absl::Seconds(5)));
  // Calls left behind (abandoned) hold the run, so it stays valid until they end.
  LoadResult result = run.TakeResult();
  result.window = absl::Nanoseconds(window_end - window_start);
  result.abandoned = abandoned;
  return result;
}

}  // namespace pasarela::bench
