#include "gateway/agreement/quota_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace pasarela {

absl::StatusOr<std::unique_ptr<QuotaLimiter>> QuotaLimiter::Create(double share) {
  if (!(share > 0.0 && share <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quota share must be more than 0 and at most 1 (1/N for N replicas), found ", share));
  }
  return std::unique_ptr<QuotaLimiter>(new QuotaLimiter(share));
}

QuotaLimiter::Shard& QuotaLimiter::ShardFor(absl::string_view agreement_id,
                                            absl::string_view consumer) {
  size_t hash = absl::HashOf(agreement_id, consumer);
  return shards_[hash % kShards];
}

absl::Status QuotaLimiter::Acquire(const Agreement& agreement, absl::string_view consumer,
                                   absl::Time now) {
  const double share = share_.load(std::memory_order_relaxed);
  const double rate = agreement.quota.requests_per_second * share;
  const double capacity = std::max(1.0, static_cast<double>(agreement.quota.burst) * share);
  double tokens_left = 0;
  {
    Shard& shard = ShardFor(agreement.id, consumer);
    AnnotatedMutexLock lock(&shard.mu);
    auto [it, inserted] =
        shard.buckets.try_emplace(Key(agreement.id, std::string(consumer)), Bucket{capacity, now});
    Bucket& bucket = it->second;
    if (!inserted && now > bucket.last) {
      double elapsed = absl::ToDoubleSeconds(now - bucket.last);
      bucket.tokens += elapsed * rate;
      bucket.last = now;
    }
    // Also applies a burst lowered by a reload to tokens saved up under the old one.
    bucket.tokens = std::min(bucket.tokens, capacity);
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      return absl::OkStatus();
    }
    tokens_left = bucket.tokens;
  }
  std::string limit = absl::StrCat(agreement.quota.requests_per_second,
                                   " requests per second with bursts of ", agreement.quota.burst);
  if (share < 1.0) {
    absl::StrAppend(&limit, "; this gateway replica enforces ", share, " of it: ", rate,
                    " per second with bursts of ", capacity);
  }
  absl::Duration retry = rate > 0 ? absl::Seconds((1.0 - tokens_left) / rate) : absl::Seconds(1);
  retry = absl::Ceil(retry, absl::Milliseconds(1));
  return absl::ResourceExhaustedError(
      absl::StrCat("quota of agreement ", agreement.id, " exceeded for ", consumer, ": ", limit,
                   " (per consumer); try again in ", absl::FormatDuration(retry)));
}

void QuotaLimiter::RetainOnly(const absl::flat_hash_set<std::string>& agreement_ids) {
  for (Shard& shard : shards_) {
    AnnotatedMutexLock lock(&shard.mu);
    absl::erase_if(shard.buckets,
                   [&](const auto& entry) { return !agreement_ids.contains(entry.first.first); });
  }
}

size_t QuotaLimiter::bucket_count() const {
  size_t count = 0;
  for (const Shard& shard : shards_) {
    AnnotatedMutexLock lock(&shard.mu);
    count += shard.buckets.size();
  }
  return count;
}

}  // namespace pasarela
