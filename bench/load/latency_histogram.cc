#include "bench/load/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace pasarela::bench {
namespace {

constexpr uint64_t kDirect = uint64_t{1} << LatencyHistogram::kSubBits;  // 256: one bucket each
constexpr uint64_t kHalf = kDirect / 2;                                  // 128 buckets per octave
constexpr size_t kBuckets =
    kDirect + (LatencyHistogram::kMaxExponent - LatencyHistogram::kSubBits) * kHalf;

int HighestBit(uint64_t value) { return 63 - __builtin_clzll(value); }

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

size_t LatencyHistogram::BucketOf(uint64_t nanos) {
  if (nanos < kDirect) return static_cast<size_t>(nanos);
  int exponent = HighestBit(nanos);
  if (exponent >= kMaxExponent) return kBuckets - 1;
  int shift = exponent - (kSubBits - 1);
  // (nanos >> shift) is in [128, 256): the position inside the octave, plus 128.
  return kDirect + static_cast<size_t>(exponent - kSubBits) * kHalf + ((nanos >> shift) - kHalf);
}

uint64_t LatencyHistogram::BucketLow(size_t bucket) {
  if (bucket < kDirect) return bucket;
  size_t octave = (bucket - kDirect) / kHalf;
  uint64_t position = (bucket - kDirect) % kHalf + kHalf;
  return position << (octave + 1);
}

uint64_t LatencyHistogram::BucketHigh(size_t bucket) {
  if (bucket < kDirect) return bucket;
  size_t octave = (bucket - kDirect) / kHalf;
  return BucketLow(bucket) + (uint64_t{1} << (octave + 1)) - 1;
}

void LatencyHistogram::Record(uint64_t nanos) {
  ++counts_[BucketOf(nanos)];
  ++count_;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += nanos;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::NonEmptyBuckets() const {
  std::vector<Bucket> buckets;
  for (size_t i = 0; i < kBuckets; ++i) {
    if (counts_[i] > 0) buckets.push_back({BucketLow(i), BucketHigh(i), counts_[i]});
  }
  return buckets;
}

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // The rank of the sample asked for, 1-based: the 50th percentile of 4 samples is the 2nd.
  uint64_t rank =
      static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t middle = BucketLow(i) + (BucketHigh(i) - BucketLow(i)) / 2;
      return std::clamp(middle, min(), max_);
    }
  }
  return max_;
}

}  // namespace pasarela::bench
