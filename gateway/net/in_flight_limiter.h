// Overload protection: a bound on the exchanges a gateway carries at once, in all and per consumer.
// Beyond it a call is refused at once (RESOURCE_EXHAUSTED) instead of queueing without bound, so an
// overloaded gateway answers quickly and a greedy consumer cannot starve the others.
//
// Thread-safe. A slot is held by an InFlightSlot, which gives it back when destroyed. The bounds
// may change while slots are held (a policy reload): a lower bound refuses new exchanges until
// enough of those in flight have finished, and none in flight is cut short.
#ifndef PASARELA_GATEWAY_NET_IN_FLIGHT_LIMITER_H_
#define PASARELA_GATEWAY_NET_IN_FLIGHT_LIMITER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace pasarela {

class InFlightLimiter;

// One exchange in flight; move-only, gives its slot back when destroyed.
class InFlightSlot {
 public:
  InFlightSlot() = default;
  InFlightSlot(InFlightSlot&& other) noexcept { *this = std::move(other); }
  InFlightSlot& operator=(InFlightSlot&& other) noexcept;
  InFlightSlot(const InFlightSlot&) = delete;
  InFlightSlot& operator=(const InFlightSlot&) = delete;
  ~InFlightSlot() { Release(); }
  bool held() const { return limiter_ != nullptr; }

 private:
  friend class InFlightLimiter;
  InFlightSlot(InFlightLimiter* limiter, std::string consumer, bool counted_per_consumer)
      : limiter_(limiter),
        consumer_(std::move(consumer)),
        counted_per_consumer_(counted_per_consumer) {}
  void Release();
  InFlightLimiter* limiter_ = nullptr;
  std::string consumer_;
  // Whether the slot counts against its consumer: only while a per-consumer bound was set when
  // it was taken, so that a bound set or lifted meanwhile gives back exactly what was counted.
  bool counted_per_consumer_ = false;
};

class InFlightLimiter {
 public:
  // Zero means no bound.
  InFlightLimiter(int64_t max_total, int64_t max_per_consumer)
      : max_total_(max_total), max_per_consumer_(max_per_consumer) {}

  // New bounds for the exchanges that start from now on; zero means no bound.
  void SetLimits(int64_t max_total, int64_t max_per_consumer) {
    max_total_.store(max_total, std::memory_order_relaxed);
    max_per_consumer_.store(max_per_consumer, std::memory_order_relaxed);
  }

  // A slot for one exchange of `consumer`, or RESOURCE_EXHAUSTED naming the bound reached.
  // `slot` is set only on success.
  absl::Status Acquire(absl::string_view consumer, InFlightSlot* slot);
  int64_t in_flight() const { return total_.load(std::memory_order_relaxed); }

 private:
  friend class InFlightSlot;
  void Release(const std::string& consumer, bool counted_per_consumer);

  std::atomic<int64_t> max_total_;
  std::atomic<int64_t> max_per_consumer_;
  std::atomic<int64_t> total_{0};
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int64_t> per_consumer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_IN_FLIGHT_LIMITER_H_
