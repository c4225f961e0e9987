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

}  // namespace
}  // namespace pasarela
