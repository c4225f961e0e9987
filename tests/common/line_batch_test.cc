// LineBatch: lines gathered on the thread that opened the batch, written per destination in one
// call when the outermost batch closes, in their order, and then the actions that wait for them;
// other threads are not affected.
#include "gateway/common/line_batch.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;

// A destination that records each write it receives.
struct Recorder {
  struct Write {
    std::string lines;
    size_t count;
    bool operator==(const Write& other) const {
      return lines == other.lines && count == other.count;
    }
  };
  std::vector<Write> writes;

  static void Record(void* destination, absl::string_view lines, size_t count) {
    static_cast<Recorder*>(destination)->writes.push_back({std::string(lines), count});
  }
  // What a destination does with a line: gathered, or written at once.
  void Line(absl::string_view line) {
    if (!LineBatch::Gather(this, &Recorder::Record, line)) Record(this, line, 1);
  }
};

TEST(LineBatchTest, WithoutABatchEveryLineIsWrittenAtOnce) {
  Recorder log;
  log.Line("a\n");
  log.Line("b\n");
  EXPECT_THAT(log.writes, ElementsAre(Recorder::Write{"a\n", 1}, Recorder::Write{"b\n", 1}));
}

TEST(LineBatchTest, ABatchWritesEachDestinationsLinesOnceWhenItCloses) {
  Recorder log;
  Recorder access;
  {
    LineBatch batch;
    log.Line("one\n");
    access.Line("{\"n\":1}\n");
    log.Line("two\n");
    access.Line("{\"n\":2}\n");
    log.Line("three\n");
    EXPECT_TRUE(log.writes.empty());
    EXPECT_TRUE(access.writes.empty());
  }
  EXPECT_THAT(log.writes, ElementsAre(Recorder::Write{"one\ntwo\nthree\n", 3}));
  EXPECT_THAT(access.writes, ElementsAre(Recorder::Write{"{\"n\":1}\n{\"n\":2}\n", 2}));
  // Closed: the next line goes out by itself.
  log.Line("four\n");
  EXPECT_EQ(log.writes.back(), (Recorder::Write{"four\n", 1}));
}

TEST(LineBatchTest, NestedBatchesWriteWhenTheOutermostCloses) {
  Recorder log;
  {
    LineBatch outer;
    log.Line("a\n");
    {
      LineBatch inner;
      log.Line("b\n");
    }
    EXPECT_TRUE(log.writes.empty());
    log.Line("c\n");
  }
  EXPECT_THAT(log.writes, ElementsAre(Recorder::Write{"a\nb\nc\n", 3}));
}

TEST(LineBatchTest, ABatchGathersOnlyItsOwnThreadsLines) {
  Recorder mine;
  Recorder theirs;
  {
    LineBatch batch;
    std::thread other([&theirs] { theirs.Line("elsewhere\n"); });
    other.join();
    EXPECT_THAT(theirs.writes, ElementsAre(Recorder::Write{"elsewhere\n", 1}));
    mine.Line("here\n");
    EXPECT_TRUE(mine.writes.empty());
  }
  EXPECT_THAT(mine.writes, ElementsAre(Recorder::Write{"here\n", 1}));
}

TEST(LineBatchTest, ActionsRunAfterTheLinesAreWrittenInTheirOrder) {
  Recorder log;
  std::vector<std::string> seen;
  {
    LineBatch batch;
    log.Line("first\n");
    LineBatch::AfterLines([&] { seen.push_back("answer 1 after " + log.writes.back().lines); });
    log.Line("second\n");
    LineBatch::AfterLines([&] {
      seen.push_back("answer 2");
      log.Line("from an action\n");  // the batch is closed: written at once
    });
    EXPECT_TRUE(seen.empty());
  }
  EXPECT_THAT(seen, ElementsAre("answer 1 after first\nsecond\n", "answer 2"));
  EXPECT_THAT(log.writes, ElementsAre(Recorder::Write{"first\nsecond\n", 2},
                                      Recorder::Write{"from an action\n", 1}));
}

TEST(LineBatchTest, WithoutABatchAnActionRunsAtOnce) {
  bool ran = false;
  LineBatch::AfterLines([&ran] { ran = true; });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace pasarela
