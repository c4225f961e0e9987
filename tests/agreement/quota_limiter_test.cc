// The per-consumer token buckets of agreements. Runs under ThreadSanitizer too: the library it
// tests links no gRPC.
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gateway/agreement/quota_limiter.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

constexpr char kConsumer[] = "AR/GOV/migraciones";

Agreement MakeAgreement(const char* id, double rate, int64_t burst) {
  Agreement agreement;
  agreement.id = id;
  agreement.quota.requests_per_second = rate;
  agreement.quota.burst = burst;
  return agreement;
}

// How many of `attempts` calls at `now` get through.
int Admitted(QuotaLimiter& limiter, const Agreement& agreement, absl::string_view consumer,
             absl::Time now, int attempts) {
  int admitted = 0;
  for (int i = 0; i < attempts; ++i) admitted += limiter.Acquire(agreement, consumer, now).ok();
  return admitted;
}

const absl::Time kStart = absl::FromUnixSeconds(1780000000);

TEST(QuotaLimiterTest, BurstThenRefusal) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-test", 10, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Acquire(agreement, kConsumer, kStart).ok()) << i;
  absl::Status refused = limiter.Acquire(agreement, kConsumer, kStart);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message(),
            "quota of agreement q-test exceeded for AR/GOV/migraciones: 10 requests per second "
            "with bursts of 5 (per consumer); try again in 100ms");
}

TEST(QuotaLimiterTest, RefillsOverInjectedTimeUpToTheBurst) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-test", 10, 5);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart, 10), 5);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(99), 10), 0);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(100), 10), 1);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(350), 10), 2);
  // A long pause refills to the burst, not beyond.
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Hours(1), 100), 5);
}

TEST(QuotaLimiterTest, FractionalRates) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-slow", 0.5, 1);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart, 3), 1);
  absl::Status refused = limiter.Acquire(agreement, kConsumer, kStart + absl::Seconds(1));
  EXPECT_EQ(refused.message(),
            "quota of agreement q-slow exceeded for AR/GOV/migraciones: 0.5 requests per second "
            "with bursts of 1 (per consumer); try again in 1s");
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Seconds(2), 3), 1);
}

TEST(QuotaLimiterTest, OneBucketPerAgreementAndConsumer) {
  QuotaLimiter limiter;
  Agreement first = MakeAgreement("q-first", 1, 2);
  Agreement second = MakeAgreement("q-second", 1, 3);
  EXPECT_EQ(Admitted(limiter, first, kConsumer, kStart, 10), 2);
  EXPECT_EQ(Admitted(limiter, first, "AR/GOV/afip", kStart, 10), 2);
  EXPECT_EQ(Admitted(limiter, second, kConsumer, kStart, 10), 3);
  EXPECT_EQ(limiter.bucket_count(), 3u);
}

TEST(QuotaLimiterTest, ShareEnforcesAPartOfTheQuota) {
  absl::StatusOr<std::unique_ptr<QuotaLimiter>> half = QuotaLimiter::Create(0.5);
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_EQ((*half)->share(), 0.5);
  Agreement agreement = MakeAgreement("q-test", 10, 6);
  EXPECT_EQ(Admitted(**half, agreement, kConsumer, kStart, 10), 3);
  absl::Status refused = (*half)->Acquire(agreement, kConsumer, kStart);
  EXPECT_EQ(refused.message(),
            "quota of agreement q-test exceeded for AR/GOV/migraciones: 10 requests per second "
            "with bursts of 6; this gateway replica enforces 0.5 of it: 5 per second with bursts "
            "of 3 (per consumer); try again in 200ms");
  EXPECT_EQ(Admitted(**half, agreement, kConsumer, kStart + absl::Milliseconds(199), 10), 0);
  EXPECT_EQ(Admitted(**half, agreement, kConsumer, kStart + absl::Milliseconds(200), 10), 1);

  // A share too small for a whole burst still lets one call through.
  absl::StatusOr<std::unique_ptr<QuotaLimiter>> tenth = QuotaLimiter::Create(0.1);
  ASSERT_TRUE(tenth.ok());
  EXPECT_EQ(Admitted(**tenth, MakeAgreement("q-one", 1, 2), kConsumer, kStart, 10), 1);
}

TEST(QuotaLimiterTest, ShareMustBeInZeroToOne) {
  for (double share : {0.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    absl::StatusOr<std::unique_ptr<QuotaLimiter>> limiter = QuotaLimiter::Create(share);
    EXPECT_EQ(limiter.status().code(), absl::StatusCode::kInvalidArgument) << share;
  }
  EXPECT_TRUE(QuotaLimiter::Create(1.0).ok());
  EXPECT_EQ(QuotaLimiter().share(), 1.0);
}

TEST(QuotaLimiterTest, AReloadKeepsUsageAndAppliesTheNewRate) {
  QuotaLimiter limiter;
  Agreement before = MakeAgreement("q-test", 10, 5);
  EXPECT_EQ(Admitted(limiter, before, kConsumer, kStart, 5), 5);
  // The reloaded agreement is a new object with the same id: the used quota is not forgotten.
  Agreement faster = MakeAgreement("q-test", 100, 5);
  EXPECT_EQ(Admitted(limiter, faster, kConsumer, kStart, 5), 0);
  // ... and refills at the new rate from then on.
  EXPECT_EQ(Admitted(limiter, faster, kConsumer, kStart + absl::Milliseconds(30), 10), 3);
  // A lower burst caps what was saved up under the old one: 4 tokens left, 2 usable.
  EXPECT_EQ(Admitted(limiter, faster, kConsumer, kStart + absl::Hours(1), 1), 1);
  Agreement smaller = MakeAgreement("q-test", 100, 2);
  EXPECT_EQ(Admitted(limiter, smaller, kConsumer, kStart + absl::Hours(1), 10), 2);
}

TEST(QuotaLimiterTest, AReloadedShareAppliesToTheNextAcquireAndKeepsUsage) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-test", 10, 6);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart, 5), 5);
  // Half of the quota from now on: a burst of 3; the one token left is kept.
  limiter.SetShare(0.5);
  EXPECT_EQ(limiter.share(), 0.5);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart, 10), 1);
  const std::string refused(limiter.Acquire(agreement, kConsumer, kStart).message());
  EXPECT_NE(refused.find("this gateway replica enforces 0.5 of it"), std::string::npos) << refused;
  // Refills at 5 per second.
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(199), 10), 0);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(200), 10), 1);
  // The whole quota again: refills to the whole burst.
  limiter.SetShare(1.0);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Hours(1), 10), 6);
}

TEST(QuotaLimiterTest, AnEarlierTimeCountsAsNoTimePassed) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-test", 10, 2);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Seconds(10), 2), 2);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart, 5), 0);
  // Time is measured from the latest call, not from the earlier one.
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(10050), 5), 0);
  EXPECT_EQ(Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(10100), 5), 1);
}

TEST(QuotaLimiterTest, RetainOnlyForgetsRemovedAgreements) {
  QuotaLimiter limiter;
  Agreement kept = MakeAgreement("q-kept", 1, 1);
  Agreement removed = MakeAgreement("q-removed", 1, 1);
  EXPECT_EQ(Admitted(limiter, kept, kConsumer, kStart, 2), 1);
  EXPECT_EQ(Admitted(limiter, removed, kConsumer, kStart, 2), 1);
  limiter.RetainOnly({"q-kept"});
  EXPECT_EQ(limiter.bucket_count(), 1u);
  EXPECT_EQ(Admitted(limiter, kept, kConsumer, kStart, 2), 0);     // still used up
  EXPECT_EQ(Admitted(limiter, removed, kConsumer, kStart, 2), 1);  // starts afresh
}

TEST(QuotaLimiterTest, OneThreadOverASecondGetsExactlyBurstPlusRefill) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-test", 100, 50);
  int admitted = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    admitted += Admitted(limiter, agreement, kConsumer, kStart + absl::Milliseconds(ms), 16);
  }
  EXPECT_EQ(admitted, 50 + 99);  // 50 at once, then 0.1 per ms for 999 ms
}

TEST(QuotaLimiterTest, ConcurrentAcquirersNeverExceedBurstPlusRateTimesElapsed) {
  QuotaLimiter limiter;
  Agreement agreement = MakeAgreement("q-test", 100, 50);
  Agreement other = MakeAgreement("q-other", 100, 50);
  constexpr int kThreads = 16;
  constexpr int kSteps = 1000;  // one per millisecond
  std::atomic<int> admitted{0};
  std::atomic<int> other_admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int ms = 0; ms < kSteps; ++ms) {
        absl::Time now = kStart + absl::Milliseconds(ms);
        if (limiter.Acquire(agreement, kConsumer, now).ok()) admitted.fetch_add(1);
        // Another bucket, possibly in the same shard, touched at the same time.
        if (t % 2 == 0 && limiter.Acquire(other, kConsumer, now).ok()) other_admitted.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Milliseconds(kSteps - 1));
  const int bound = static_cast<int>(std::floor(50 + 100 * elapsed));
  EXPECT_EQ(bound, 149);
  EXPECT_LE(admitted.load(), bound);
  EXPECT_GE(admitted.load(), 50);
  EXPECT_LE(other_admitted.load(), bound);
  EXPECT_GE(other_admitted.load(), 50);
}

}  // namespace
}  // namespace pasarela
