// FlushGroup: destinations deferred on the thread that opened the group are flushed once each,
// in the order first deferred, when the outermost group closes, and not before; without a group
// nothing is deferred; other threads are not affected.
#include "gateway/common/flush_group.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A destination that sends what it is given at once, or keeps it until its flush while a group
// is open, as a federation stream keeps its answer frames.
struct Destination {
  Destination(std::string name, std::vector<std::string>* sent)
      : name(std::move(name)), sent(sent) {}

  std::string name;
  std::vector<std::string>* sent;
  std::vector<std::string> held;
  int registrations = 0;
  bool group_open_at_flush = false;

  void Send(const std::string& item) {
    if (!FlushGroup::Open()) {
      sent->push_back(name + ":" + item);
      return;
    }
    if (FlushGroup::Defer(this, &Destination::Flush)) ++registrations;
    held.push_back(item);
  }
  static void Flush(void* destination) {
    auto* self = static_cast<Destination*>(destination);
    self->group_open_at_flush = FlushGroup::Open();
    std::string all;
    for (const std::string& item : self->held) all += item;
    self->held.clear();
    self->sent->push_back(self->name + ":" + all);
  }
};

TEST(FlushGroupTest, WithoutAGroupNothingIsDeferred) {
  std::vector<std::string> sent;
  Destination stream{"s", &sent};
  EXPECT_FALSE(FlushGroup::Open());
  stream.Send("a");
  stream.Send("b");
  EXPECT_THAT(sent, ElementsAre("s:a", "s:b"));
}

TEST(FlushGroupTest, EachDestinationIsFlushedOnceWhenTheGroupClosesInTheOrderFirstDeferred) {
  std::vector<std::string> sent;
  Destination first{"first", &sent};
  Destination second{"second", &sent};
  {
    FlushGroup group;
    EXPECT_TRUE(FlushGroup::Open());
    second.Send("1");
    first.Send("2");
    second.Send("3");
    first.Send("4");
    EXPECT_THAT(sent, IsEmpty());
  }
  EXPECT_THAT(sent, ElementsAre("second:13", "first:24"));
  EXPECT_EQ(first.registrations, 1);
  EXPECT_EQ(second.registrations, 1);
  // The flushes ran with the group closed, so that what they send is not deferred again.
  EXPECT_FALSE(first.group_open_at_flush);
  EXPECT_FALSE(FlushGroup::Open());
  first.Send("5");
  EXPECT_THAT(sent, ElementsAre("second:13", "first:24", "first:5"));
}

TEST(FlushGroupTest, NestedGroupsFlushWhenTheOutermostCloses) {
  std::vector<std::string> sent;
  Destination stream{"s", &sent};
  {
    FlushGroup outer;
    {
      FlushGroup inner;
      stream.Send("a");
    }
    EXPECT_THAT(sent, IsEmpty());
    stream.Send("b");
  }
  EXPECT_THAT(sent, ElementsAre("s:ab"));
  EXPECT_EQ(stream.registrations, 1);
}

TEST(FlushGroupTest, AGroupDefersOnlyItsOwnThreadsSends) {
  std::vector<std::string> sent;
  std::vector<std::string> sent_elsewhere;
  Destination stream{"s", &sent};
  FlushGroup group;
  std::thread other([&sent_elsewhere] {
    Destination elsewhere{"e", &sent_elsewhere};
    EXPECT_FALSE(FlushGroup::Open());
    elsewhere.Send("x");
  });
  other.join();
  EXPECT_THAT(sent_elsewhere, ElementsAre("e:x"));
  stream.Send("a");
  EXPECT_THAT(sent, IsEmpty());
}

TEST(FlushGroupTest, EveryGroupRegistersItsDestinationsAnew) {
  std::vector<std::string> sent;
  Destination stream{"s", &sent};
  for (int i = 0; i < 3; ++i) {
    FlushGroup group;
    stream.Send("a");
    stream.Send("b");
  }
  EXPECT_THAT(sent, ElementsAre("s:ab", "s:ab", "s:ab"));
  EXPECT_EQ(stream.registrations, 3);
}

}  // namespace
}  // namespace pasarela
