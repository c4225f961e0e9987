// Per-consumer request quotas of agreements: one token bucket per (agreement id, consumer).
//
// The gateway keeps one QuotaLimiter for its whole life, across policy reloads, so that a reload
// neither resets nor forgets how much of its quota a consumer has used. Buckets are keyed by
// agreement id and consumer and read the rate and burst from the Agreement passed to each Acquire:
// when a reload changes them, the change takes effect on the next Acquire under the new snapshot.
// The tokens a consumer has saved up are kept (cut down to the new burst if that is lower) and from
// then on refill at the new rate. A new agreement or consumer starts with a full bucket.
//
// With N replicas behind a load balancer, each replica is given share = 1/N, so that each enforces
// its part of the quota: rate * share per second, bursts of burst * share (at least 1). A reload
// may change the share; like a changed rate or burst, it takes effect on the next Acquire.
//
// Time is passed in by the caller, so tests control it. Thread-safe: any number of threads may call
// Acquire at once; the buckets are split across independently locked shards.
#ifndef PASARELA_GATEWAY_AGREEMENT_QUOTA_LIMITER_H_
#define PASARELA_GATEWAY_AGREEMENT_QUOTA_LIMITER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/agreement/agreement.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela {

class QuotaLimiter {
 public:
  // A limiter that enforces the whole quota (one replica).
  QuotaLimiter() = default;
  // A limiter that enforces `share` of every quota, for share in (0, 1]; INVALID_ARGUMENT
  // otherwise.
  static absl::StatusOr<std::unique_ptr<QuotaLimiter>> Create(double share);

  QuotaLimiter(const QuotaLimiter&) = delete;
  QuotaLimiter& operator=(const QuotaLimiter&) = delete;

  // Takes one token from the bucket of (agreement.id, consumer), refilled up to `now`. OK when
  // there was one; RESOURCE_EXHAUSTED naming the agreement, the consumer and the limit when not.
  // A `now` earlier than a bucket's last use counts as no time passed.
  absl::Status Acquire(const Agreement& agreement, absl::string_view consumer, absl::Time now);

  // Forgets the buckets of agreements not in `agreement_ids` (after a reload removed them).
  void RetainOnly(const absl::flat_hash_set<std::string>& agreement_ids);

  double share() const { return share_.load(std::memory_order_relaxed); }
  // REQUIRES: share in (0, 1], as Create checks.
  void SetShare(double share) { share_.store(share, std::memory_order_relaxed); }
  // How many buckets exist (for tests and metrics).
  size_t bucket_count() const;

 private:
  explicit QuotaLimiter(double share) : share_(share) {}

  struct Bucket {
    double tokens = 0;
    absl::Time last;
  };
  using Key = std::pair<std::string, std::string>;  // agreement id, consumer
  struct Shard {
    mutable AnnotatedMutex mu;
    absl::flat_hash_map<Key, Bucket> buckets ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 16;

  Shard& ShardFor(absl::string_view agreement_id, absl::string_view consumer);

  std::atomic<double> share_{1.0};
  std::array<Shard, kShards> shards_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_AGREEMENT_QUOTA_LIMITER_H_
