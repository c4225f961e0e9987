// The exchanges a consumer gateway has sent on one federation stream (federation protocol 3) and
// not yet seen end: each one's id, and what to do when it ends. An exchange ends exactly once: by
// its answer, by its caller giving up (cancelled, or past its deadline), or by the stream
// breaking, which ends every exchange still pending and every one added after.
//
// `Done` runs outside the table's lock, on the thread that ended the exchange, so it may add
// exchanges or give others up.
//
// Thread-safe.
#ifndef PASARELA_GATEWAY_NET_PENDING_EXCHANGES_H_
#define PASARELA_GATEWAY_NET_PENDING_EXCHANGES_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela {

template <typename Answer>
class PendingExchanges {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<Answer>)>;

  // What became of an answer the stream brought.
  enum class Delivery {
    // Its exchange was pending and has ended with it.
    kDelivered,
    // Its exchange had already ended (given up, or answered before): the answer is dropped. A
    // provider gateway may have answered before the cancel reached it.
    kNotPending,
    // No exchange of the stream ever had the id: the peer does not speak the protocol.
    kNeverSent,
  };

  PendingExchanges() = default;
  PendingExchanges(const PendingExchanges&) = delete;
  PendingExchanges& operator=(const PendingExchanges&) = delete;

  // Registers an exchange and returns its id: never 0, never reused. The stream's breaking status
  // when it has broken; `done` is then dropped without running.
  absl::StatusOr<uint64_t> Add(Done done) {
    AnnotatedMutexLock lock(&mu_);
    if (!broken_.ok()) return broken_;
    const uint64_t id = ++last_id_;
    pending_.emplace(id, std::move(done));
    return id;
  }

  // The answer to `id` arrived: ends that exchange with it when it is pending.
  Delivery Deliver(uint64_t id, Answer answer) {
    Done done;
    {
      AnnotatedMutexLock lock(&mu_);
      done = Take(id);
      if (!done) return id == 0 || id > last_id_ ? Delivery::kNeverSent : Delivery::kNotPending;
    }
    std::move(done)(std::move(answer));
    return Delivery::kDelivered;
  }

  // The exchange's caller gave up: ends it with `why` when it is pending. True when it was, and
  // the peer should be told (a cancel frame); false when it had already ended.
  // REQUIRES: !why.ok().
  bool GiveUp(uint64_t id, const absl::Status& why) {
    Done done;
    {
      AnnotatedMutexLock lock(&mu_);
      done = Take(id);
      if (!done) return false;
    }
    std::move(done)(why);
    return true;
  }

  // The stream broke: ends every pending exchange with `why`, and refuses every later Add with it.
  // A second break keeps the first status.
  // REQUIRES: !why.ok().
  void Break(const absl::Status& why) {
    std::vector<Done> ended;
    {
      AnnotatedMutexLock lock(&mu_);
      if (broken_.ok()) broken_ = why;
      ended.reserve(pending_.size());
      for (auto& [id, done] : pending_) ended.push_back(std::move(done));
      pending_.clear();
    }
    for (Done& done : ended) std::move(done)(why);
  }

  size_t size() const {
    AnnotatedMutexLock lock(&mu_);
    return pending_.size();
  }

  // OK until the stream broke; then why it did.
  absl::Status broken() const {
    AnnotatedMutexLock lock(&mu_);
    return broken_;
  }

 private:
  // Removes the callback of exchange `id` when it is pending, and returns it; empty otherwise.
  Done Take(uint64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return nullptr;
    Done done = std::move(it->second);
    pending_.erase(it);
    return done;
  }

  mutable AnnotatedMutex mu_;
  uint64_t last_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, Done> pending_ ABSL_GUARDED_BY(mu_);
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_PENDING_EXCHANGES_H_
