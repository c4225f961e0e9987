#include "bench/load/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace pasarela::bench {
namespace {

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.mean(), 0.0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (uint64_t v = 1; v <= 100; ++v) histogram.Record(v);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 50u);
  EXPECT_EQ(histogram.ValueAtPercentile(90), 90u);
  EXPECT_EQ(histogram.ValueAtPercentile(99), 99u);
  EXPECT_EQ(histogram.ValueAtPercentile(100), 100u);
  EXPECT_EQ(histogram.min(), 1u);
  EXPECT_EQ(histogram.max(), 100u);
  EXPECT_DOUBLE_EQ(histogram.mean(), 50.5);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsAndStayNarrow) {
  for (size_t bucket = 0; bucket + 1 < 4000; ++bucket) {
    ASSERT_EQ(LatencyHistogram::BucketHigh(bucket) + 1, LatencyHistogram::BucketLow(bucket + 1))
        << bucket;
    uint64_t low = LatencyHistogram::BucketLow(bucket);
    uint64_t width = LatencyHistogram::BucketHigh(bucket) - low + 1;
    if (low < 256) {
      EXPECT_EQ(width, 1u) << bucket;  // exact below 256 ns
    } else {
      EXPECT_LE(static_cast<double>(width) / low, 1.0 / 128 + 1e-12) << bucket;
    }
  }
}

TEST(LatencyHistogramTest, EveryValueFallsInTheBucketThatHoldsIt) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 100000; ++i) {
    uint64_t value = random() >> (random() % 40 + 24);  // spread over many octaves
    size_t bucket = LatencyHistogram::BucketOf(value);
    ASSERT_LE(LatencyHistogram::BucketLow(bucket), value);
    ASSERT_GE(LatencyHistogram::BucketHigh(bucket), value);
  }
}

// Percentiles of a log-normal sample (like latencies) agree with the exact order statistics
// within 1%.
TEST(LatencyHistogramTest, PercentilesAreWithinOnePercentOfTheExactOnes) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(std::log(300000.0), 0.8);  // around 0.3 ms
  std::vector<uint64_t> samples;
  LatencyHistogram histogram;
  for (int i = 0; i < 200000; ++i) {
    uint64_t value = static_cast<uint64_t>(latency(random));
    samples.push_back(value);
    histogram.Record(value);
  }
  std::sort(samples.begin(), samples.end());
  for (double percentile : {50.0, 90.0, 99.0, 99.9}) {
    size_t rank = static_cast<size_t>(std::ceil(percentile / 100 * samples.size()));
    double exact = static_cast<double>(samples[rank - 1]);
    double reported = static_cast<double>(histogram.ValueAtPercentile(percentile));
    EXPECT_NEAR(reported, exact, exact * 0.01) << "p" << percentile;
  }
  EXPECT_EQ(histogram.max(), samples.back());
  EXPECT_EQ(histogram.ValueAtPercentile(100), samples.back());
}

TEST(LatencyHistogramTest, MergeAddsTheSamplesOfBoth) {
  LatencyHistogram fast;
  LatencyHistogram slow;
  for (int i = 0; i < 900; ++i) fast.Record(1000000);   // 1 ms
  for (int i = 0; i < 100; ++i) slow.Record(50000000);  // 50 ms
  fast.Merge(slow);
  EXPECT_EQ(fast.count(), 1000u);
  EXPECT_NEAR(static_cast<double>(fast.ValueAtPercentile(50)), 1e6, 1e4);
  EXPECT_NEAR(static_cast<double>(fast.ValueAtPercentile(95)), 5e7, 5e5);
  EXPECT_EQ(fast.min(), 1000000u);
  EXPECT_EQ(fast.max(), 50000000u);
}

// What another program reads to merge runs: the occupied buckets alone, in order, each holding its
// samples, and together every sample; a percentile read off them as ValueAtPercentile reads the
// histogram (the rank's bucket's midpoint, clamped to min and max) is the same value.
TEST(LatencyHistogramTest, NonEmptyBucketsListEverySampleOnceInOrder) {
  LatencyHistogram histogram;
  const std::vector<uint64_t> samples = {7, 7, 300, 1000000, 1000001, 2500000, 99000000};
  for (uint64_t sample : samples) histogram.Record(sample);
  const std::vector<LatencyHistogram::Bucket> buckets = histogram.NonEmptyBuckets();
  ASSERT_EQ(buckets.size(), 5u);  // 1000000 and 1000001 share a bucket, as do the two 7s
  uint64_t total = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (i > 0) {
      EXPECT_GT(buckets[i].low, buckets[i - 1].high);
    }
    EXPECT_EQ(buckets[i].low,
              LatencyHistogram::BucketLow(LatencyHistogram::BucketOf(buckets[i].low)));
    EXPECT_EQ(buckets[i].high,
              LatencyHistogram::BucketHigh(LatencyHistogram::BucketOf(buckets[i].low)));
    total += buckets[i].count;
  }
  EXPECT_EQ(total, samples.size());
  for (uint64_t sample : samples) {
    int holding = 0;
    for (const LatencyHistogram::Bucket& bucket : buckets) {
      holding += bucket.low <= sample && sample <= bucket.high;
    }
    EXPECT_EQ(holding, 1) << sample;
  }
  uint64_t sum = 0;
  for (uint64_t sample : samples) sum += sample;
  EXPECT_EQ(histogram.sum(), sum);
  for (double percentile : {10.0, 50.0, 70.0, 99.0, 100.0}) {
    const uint64_t rank = static_cast<uint64_t>(
        std::ceil(percentile / 100.0 * static_cast<double>(histogram.count())));
    uint64_t seen = 0;
    uint64_t read = 0;
    for (const LatencyHistogram::Bucket& bucket : buckets) {
      seen += bucket.count;
      if (seen >= rank) {
        read = std::clamp(bucket.low + (bucket.high - bucket.low) / 2, histogram.min(),
                          histogram.max());
        break;
      }
    }
    EXPECT_EQ(read, histogram.ValueAtPercentile(percentile)) << "p" << percentile;
  }
  EXPECT_TRUE(LatencyHistogram().NonEmptyBuckets().empty());
}

TEST(LatencyHistogramTest, HugeValuesAreCountedAndKeptAsMaximum) {
  LatencyHistogram histogram;
  uint64_t huge = uint64_t{1} << 50;
  histogram.Record(huge);
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.max(), huge);
  EXPECT_EQ(histogram.ValueAtPercentile(50), huge);  // clamped to what was seen
}

}  // namespace
}  // namespace pasarela::bench
