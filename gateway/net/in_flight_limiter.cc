#include "gateway/net/in_flight_limiter.h"

#include "absl/strings/str_cat.h"

namespace pasarela {

InFlightSlot& InFlightSlot::operator=(InFlightSlot&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = other.limiter_;
    consumer_ = std::move(other.consumer_);
    other.limiter_ = nullptr;
  }
  return *this;
}

void InFlightSlot::Release() {
  if (limiter_ != nullptr) limiter_->Release(consumer_);
  limiter_ = nullptr;
}

absl::Status InFlightLimiter::Acquire(absl::string_view consumer, InFlightSlot* slot) {
  int64_t total = total_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (max_total_ > 0 && total > max_total_) {
    total_.fetch_sub(1, std::memory_order_relaxed);
    return absl::ResourceExhaustedError(
        absl::StrCat("the gateway is carrying ", max_total_,
                     " exchanges already (limits.max_in_flight); try again shortly"));
  }
  if (max_per_consumer_ > 0) {
    absl::MutexLock lock(&mu_);
    int64_t& mine = per_consumer_[consumer];
    if (mine >= max_per_consumer_) {
      if (mine == 0) per_consumer_.erase(consumer);
      total_.fetch_sub(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(absl::StrCat(
          consumer, " has ", max_per_consumer_,
          " exchanges in flight already (limits.max_in_flight_per_consumer); try again shortly"));
    }
    ++mine;
  }
  *slot = InFlightSlot(this, std::string(consumer));
  return absl::OkStatus();
}

void InFlightLimiter::Release(const std::string& consumer) {
  if (max_per_consumer_ > 0) {
    absl::MutexLock lock(&mu_);
    auto it = per_consumer_.find(consumer);
    if (it != per_consumer_.end() && --it->second <= 0) per_consumer_.erase(it);
  }
  total_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace pasarela
