#include "gateway/net/in_flight_limiter.h"

#include "absl/strings/str_cat.h"

namespace pasarela {

InFlightSlot& InFlightSlot::operator=(InFlightSlot&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = other.limiter_;
    consumer_ = std::move(other.consumer_);
    counted_per_consumer_ = other.counted_per_consumer_;
    other.limiter_ = nullptr;
  }
  return *this;
}

void InFlightSlot::Release() {
  if (limiter_ != nullptr) limiter_->Release(consumer_, counted_per_consumer_);
  limiter_ = nullptr;
}

absl::Status InFlightLimiter::Acquire(absl::string_view consumer, InFlightSlot* slot) {
  const int64_t max_total = max_total_.load(std::memory_order_relaxed);
  const int64_t max_per_consumer = max_per_consumer_.load(std::memory_order_relaxed);
  int64_t total = total_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (max_total > 0 && total > max_total) {
    total_.fetch_sub(1, std::memory_order_relaxed);
    return absl::ResourceExhaustedError(
        absl::StrCat("the gateway is carrying ", max_total,
                     " exchanges already (limits.max_in_flight); try again shortly"));
  }
  if (max_per_consumer > 0) {
    absl::MutexLock lock(&mu_);
    int64_t& mine = per_consumer_[consumer];
    if (mine >= max_per_consumer) {
      if (mine == 0) per_consumer_.erase(consumer);
      total_.fetch_sub(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(absl::StrCat(
          consumer, " has ", max_per_consumer,
          " exchanges in flight already (limits.max_in_flight_per_consumer); try again shortly"));
    }
    ++mine;
  }
  *slot = InFlightSlot(this, std::string(consumer), max_per_consumer > 0);
  return absl::OkStatus();
}

void InFlightLimiter::Release(const std::string& consumer, bool counted_per_consumer) {
  if (counted_per_consumer) {
    absl::MutexLock lock(&mu_);
    auto it = per_consumer_.find(consumer);
    if (it != per_consumer_.end() && --it->second <= 0) per_consumer_.erase(it);
  }
  total_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace pasarela
