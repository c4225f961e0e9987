#include "gateway/net/pending_exchanges.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using Table = PendingExchanges<std::string>;
using ::testing::ElementsAre;

// Records how each exchange ended.
class Ends {
 public:
  Table::Done For(std::string name) {
    return [this, name = std::move(name)](absl::StatusOr<std::string> end) {
      AnnotatedMutexLock lock(&mu_);
      ends_.push_back(name + "=" + (end.ok() ? *end : end.status().ToString()));
    };
  }
  std::vector<std::string> ends() {
    AnnotatedMutexLock lock(&mu_);
    return ends_;
  }

 private:
  AnnotatedMutex mu_;
  std::vector<std::string> ends_ ABSL_GUARDED_BY(mu_);
};

TEST(PendingExchangesTest, IdsAreNeverZeroNorReusedAndAnAnswerEndsItsExchangeOnce) {
  Table table;
  Ends ends;
  const uint64_t first = *table.Add(ends.For("first"));
  const uint64_t second = *table.Add(ends.For("second"));
  EXPECT_NE(first, 0u);
  EXPECT_NE(first, second);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Deliver(second, "answer 2"), Table::Delivery::kDelivered);
  EXPECT_EQ(table.Deliver(second, "again"), Table::Delivery::kNotPending);
  EXPECT_EQ(table.size(), 1u);
  const uint64_t third = *table.Add(ends.For("third"));
  EXPECT_NE(third, second);
  EXPECT_NE(third, first);
  EXPECT_THAT(ends.ends(), ElementsAre("second=answer 2"));
}

TEST(PendingExchangesTest, AnAnswerToAnIdNeverSentIsTheMarkOfAPeerOffProtocol) {
  Table table;
  Ends ends;
  const uint64_t id = *table.Add(ends.For("only"));
  EXPECT_EQ(table.Deliver(id + 1, "made up"), Table::Delivery::kNeverSent);
  EXPECT_EQ(table.Deliver(0, "zero"), Table::Delivery::kNeverSent);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(ends.ends().empty());
}

TEST(PendingExchangesTest, GivingUpEndsTheExchangeAndItsLateAnswerIsDropped) {
  Table table;
  Ends ends;
  const uint64_t id = *table.Add(ends.For("slow"));
  EXPECT_TRUE(table.GiveUp(id, absl::DeadlineExceededError("deadline")));
  EXPECT_FALSE(table.GiveUp(id, absl::CancelledError("again")));
  EXPECT_EQ(table.Deliver(id, "late"), Table::Delivery::kNotPending);
  EXPECT_THAT(ends.ends(), ElementsAre("slow=DEADLINE_EXCEEDED: deadline"));
}

TEST(PendingExchangesTest, ABreakEndsEveryPendingExchangeAndRefusesLaterOnes) {
  Table table;
  Ends ends;
  const uint64_t a = *table.Add(ends.For("a"));
  *table.Add(ends.For("b"));
  ASSERT_EQ(table.Deliver(a, "fine"), Table::Delivery::kDelivered);
  table.Break(absl::UnavailableError("stream to CL ended"));
  table.Break(absl::UnavailableError("a second reason"));
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.broken().message(), "stream to CL ended");
  const absl::StatusOr<uint64_t> later = table.Add(ends.For("later"));
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(ends.ends(), ElementsAre("a=fine", "b=UNAVAILABLE: stream to CL ended"));
}

TEST(PendingExchangesTest, DoneMayUseTheTableSinceItRunsOutsideItsLock) {
  Table table;
  Ends ends;
  uint64_t added_from_done = 0;
  const uint64_t id = *table.Add([&](absl::StatusOr<std::string>) {
    added_from_done = *table.Add(ends.For("added"));
    table.GiveUp(added_from_done, absl::CancelledError("given up from a done"));
  });
  ASSERT_EQ(table.Deliver(id, "x"), Table::Delivery::kDelivered);
  EXPECT_NE(added_from_done, 0u);
  EXPECT_THAT(ends.ends(), ElementsAre("added=CANCELLED: given up from a done"));
}

// Answers, give-ups and a break race: every exchange ends exactly once.
TEST(PendingExchangesTest, EveryExchangeEndsExactlyOnceUnderRaces) {
  constexpr int kExchanges = 4000;
  Table table;
  std::vector<std::atomic<int>> ended(kExchanges + 1);
  std::vector<uint64_t> ids;
  for (int i = 0; i < kExchanges; ++i) {
    ids.push_back(*table.Add([&ended, i](absl::StatusOr<std::string>) { ++ended[i]; }));
  }
  std::thread answering([&] {
    for (int i = 0; i < kExchanges; i += 2) table.Deliver(ids[i], "answer");
  });
  std::thread giving_up([&] {
    for (int i = 0; i < kExchanges; i += 3) table.GiveUp(ids[i], absl::CancelledError("gone"));
  });
  std::thread breaking([&] { table.Break(absl::UnavailableError("broken")); });
  answering.join();
  giving_up.join();
  breaking.join();
  for (int i = 0; i < kExchanges; ++i) EXPECT_EQ(ended[i].load(), 1) << "exchange " << i;
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace pasarela
