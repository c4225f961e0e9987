// LatencyHistogram: counts of durations in nanoseconds in log-linear buckets, in the manner of
// HdrHistogram, so that percentiles of millions of samples cost a few kilobytes and one pass.
//
// Representation: values below 2^kSubBits (256 ns) have a bucket each. Above, every power of two
// [2^e, 2^(e+1)) is cut into 2^(kSubBits-1) = 128 equal buckets of width 2^(e-7), so a bucket is
// never wider than 1/128 of the values it holds: a percentile read back as its bucket's midpoint
// is within 0.4% of a true sample. Values up to 2^kMaxExponent ns (about 18 minutes) are kept;
// larger ones are counted in the last bucket (max() still reports them exactly).
//
// Thread safety: none; a histogram belongs to one thread, or to a caller that holds a lock.
#ifndef PASARELA_BENCH_LOAD_LATENCY_HISTOGRAM_H_
#define PASARELA_BENCH_LOAD_LATENCY_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pasarela::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr int kMaxExponent = 40;

  LatencyHistogram();

  // Counts one sample of `nanos` nanoseconds.
  void Record(uint64_t nanos);
  // Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  uint64_t sum() const { return sum_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }

  // The value below which `percentile` percent of the samples lie (0 < percentile <= 100): the
  // midpoint of the bucket holding that sample, clamped to [min(), max()]. 0 when empty.
  uint64_t ValueAtPercentile(double percentile) const;

  // The buckets that hold samples, lowest first: enough, with min(), max() and sum(), for another
  // program to merge histograms of several runs and read their percentiles as ValueAtPercentile
  // does (bench/compare merges the rounds of a path).
  struct Bucket {
    uint64_t low;
    uint64_t high;
    uint64_t count;
  };
  std::vector<Bucket> NonEmptyBuckets() const;

  // The bucket of a value, and the range [low, high] of values a bucket holds (for tests).
  static size_t BucketOf(uint64_t nanos);
  static uint64_t BucketLow(size_t bucket);
  static uint64_t BucketHigh(size_t bucket);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  // Sum of the samples, for the mean (2^64 ns is 584 years: it does not overflow in a benchmark).
  uint64_t sum_ = 0;
};

}  // namespace pasarela::bench

#endif  // PASARELA_BENCH_LOAD_LATENCY_HISTOGRAM_H_
