#include "gateway/net/in_flight_limiter.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;

TEST(InFlightLimiterTest, BoundsEachConsumerAndGivesSlotsBack) {
  InFlightLimiter limiter(/*max_total=*/10, /*max_per_consumer=*/2);
  InFlightSlot a1, a2, a3, b1;
  ASSERT_TRUE(limiter.Acquire("AR/GOV/a", &a1).ok());
  ASSERT_TRUE(limiter.Acquire("AR/GOV/a", &a2).ok());
  absl::Status third = limiter.Acquire("AR/GOV/a", &a3);
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(third.message()), HasSubstr("AR/GOV/a has 2 exchanges in flight"));
  EXPECT_FALSE(a3.held());
  EXPECT_TRUE(limiter.Acquire("AR/GOV/b", &b1).ok());
  EXPECT_EQ(limiter.in_flight(), 3);
  a1 = InFlightSlot();  // gives a slot back
  EXPECT_TRUE(limiter.Acquire("AR/GOV/a", &a3).ok());
  EXPECT_EQ(limiter.in_flight(), 3);
}

TEST(InFlightLimiterTest, BoundsTheWholeGateway) {
  InFlightLimiter limiter(/*max_total=*/2, /*max_per_consumer=*/0);
  InFlightSlot s1, s2, s3;
  ASSERT_TRUE(limiter.Acquire("x", &s1).ok());
  ASSERT_TRUE(limiter.Acquire("y", &s2).ok());
  EXPECT_THAT(std::string(limiter.Acquire("z", &s3).message()), HasSubstr("limits.max_in_flight"));
}

TEST(InFlightLimiterTest, ConcurrentAcquirersNeverExceedTheBound) {
  InFlightLimiter limiter(/*max_total=*/0, /*max_per_consumer=*/5);
  std::atomic<int> held{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        InFlightSlot slot;
        if (!limiter.Acquire("AR/GOV/a", &slot).ok()) continue;
        int now = held.fetch_add(1) + 1;
        int previous = peak.load();
        while (now > previous && !peak.compare_exchange_weak(previous, now)) {
        }
        held.fetch_sub(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(peak.load(), 5);
  EXPECT_EQ(limiter.in_flight(), 0);
}

TEST(InFlightLimiterTest, NewBoundsApplyToTheNextExchangeAndSlotsHeldAcrossThemAreGivenBack) {
  InFlightLimiter limiter(/*max_total=*/0, /*max_per_consumer=*/0);
  InFlightSlot before1, before2;
  ASSERT_TRUE(limiter.Acquire("AR/GOV/a", &before1).ok());
  ASSERT_TRUE(limiter.Acquire("AR/GOV/a", &before2).ok());

  // A per-consumer bound set while exchanges run: those taken before it do not count against it.
  limiter.SetLimits(/*max_total=*/0, /*max_per_consumer=*/1);
  InFlightSlot under1, under2;
  ASSERT_TRUE(limiter.Acquire("AR/GOV/a", &under1).ok());
  absl::Status refused = limiter.Acquire("AR/GOV/a", &under2);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("AR/GOV/a has 1 exchanges in flight"));
  before1 = InFlightSlot();
  before2 = InFlightSlot();
  EXPECT_FALSE(limiter.Acquire("AR/GOV/a", &under2).ok());

  // Lifted, then set again: the slot counted under the first bound is given back exactly once.
  limiter.SetLimits(/*max_total=*/0, /*max_per_consumer=*/0);
  InFlightSlot unbounded;
  ASSERT_TRUE(limiter.Acquire("AR/GOV/a", &unbounded).ok());
  under1 = InFlightSlot();
  unbounded = InFlightSlot();
  limiter.SetLimits(/*max_total=*/0, /*max_per_consumer=*/1);
  InFlightSlot again, refused_again;
  EXPECT_TRUE(limiter.Acquire("AR/GOV/a", &again).ok());
  EXPECT_FALSE(limiter.Acquire("AR/GOV/a", &refused_again).ok());
  EXPECT_EQ(limiter.in_flight(), 1);

  limiter.SetLimits(/*max_total=*/1, /*max_per_consumer=*/0);
  InFlightSlot other;
  EXPECT_THAT(std::string(limiter.Acquire("AR/GOV/b", &other).message()),
              HasSubstr("carrying 1 exchanges already (limits.max_in_flight)"));
}

}  // namespace
}  // namespace pasarela
