#include "gateway/net/frame_batcher.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Written(absl::StatusOr<std::optional<std::string>> added) {
  EXPECT_TRUE(added.ok()) << added.status();
  if (!added.ok() || !added->has_value()) return "(waits)";
  return **added;
}

TEST(FrameBatcherTest, TheFirstFrameGoesAtOnceAndTheNextWaitForItsWrite) {
  FrameBatcher batcher(1024);
  EXPECT_FALSE(batcher.writing());
  EXPECT_EQ(Written(batcher.Add("a")), "a");
  EXPECT_TRUE(batcher.writing());
  EXPECT_EQ(Written(batcher.Add("b")), "(waits)");
  EXPECT_EQ(Written(batcher.Add("cc")), "(waits)");
  EXPECT_EQ(batcher.waiting_frames(), 2u);
  EXPECT_EQ(batcher.waiting_bytes(), 3u);
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("bcc"));
  EXPECT_EQ(batcher.waiting_frames(), 0u);
  // That message is the outstanding write now.
  EXPECT_EQ(Written(batcher.Add("d")), "(waits)");
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("d"));
  EXPECT_EQ(batcher.WriteDone(), std::nullopt);
  EXPECT_FALSE(batcher.writing());
  // Nothing outstanding: the next frame goes at once again.
  EXPECT_EQ(Written(batcher.Add("e")), "e");
}

TEST(FrameBatcherTest, AMessageNeverExceedsTheLimitAndFramesKeepTheirOrder) {
  FrameBatcher batcher(10);
  EXPECT_EQ(Written(batcher.Add("0")), "0");
  for (const char* frame : {"1111", "222222", "333", "44444444", "5", "6666666666"}) {
    EXPECT_EQ(Written(batcher.Add(frame)), "(waits)");
  }
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("1111222222"));
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("333"));
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("444444445"));
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("6666666666"));
  EXPECT_EQ(batcher.WriteDone(), std::nullopt);
  EXPECT_EQ(batcher.waiting_bytes(), 0u);
}

TEST(FrameBatcherTest, AbandoningDropsWhatWaitsAndLeavesNoWriteOutstanding) {
  FrameBatcher batcher(1024);
  EXPECT_EQ(Written(batcher.Add("a")), "a");
  EXPECT_EQ(Written(batcher.Add("b")), "(waits)");
  EXPECT_EQ(Written(batcher.Add("c")), "(waits)");
  batcher.Abandon();
  EXPECT_FALSE(batcher.writing());
  EXPECT_EQ(batcher.waiting_frames(), 0u);
  EXPECT_EQ(batcher.waiting_bytes(), 0u);
  EXPECT_EQ(Written(batcher.Add("d")), "d");
}

TEST(FrameBatcherTest, AFrameLargerThanAMessageIsRefusedAndNothingIsKept) {
  FrameBatcher batcher(8);
  const auto refused = batcher.Add(std::string(9, 'x'));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("a frame of 9 bytes exceeds"));
  EXPECT_EQ(batcher.waiting_frames(), 0u);
  // No write was started: the next frame still goes at once.
  EXPECT_EQ(Written(batcher.Add("ok")), "ok");
}

TEST(FrameBatcherTest, HeldFramesWaitUntilTakenAndThenLeaveInOneMessage) {
  FrameBatcher batcher(1024);
  ASSERT_TRUE(batcher.Hold("a").ok());
  ASSERT_TRUE(batcher.Hold("bb").ok());
  // Held: no write started, though none was outstanding.
  EXPECT_FALSE(batcher.writing());
  EXPECT_EQ(batcher.waiting_frames(), 2u);
  EXPECT_EQ(batcher.TakeIfIdle(), std::optional<std::string>("abb"));
  EXPECT_TRUE(batcher.writing());
  // Nothing waits: the write's end leaves no write outstanding, and nothing more is taken.
  EXPECT_EQ(batcher.WriteDone(), std::nullopt);
  EXPECT_FALSE(batcher.writing());
  EXPECT_EQ(batcher.TakeIfIdle(), std::nullopt);
  EXPECT_FALSE(batcher.writing());
}

TEST(FrameBatcherTest, WhatIsHeldDuringAWriteLeavesWithThatWritesEndNotBeforeIt) {
  FrameBatcher batcher(1024);
  EXPECT_EQ(Written(batcher.Add("a")), "a");
  ASSERT_TRUE(batcher.Hold("b").ok());
  ASSERT_TRUE(batcher.Hold("c").ok());
  // The write of "a" is outstanding: gRPC allows one.
  EXPECT_EQ(batcher.TakeIfIdle(), std::nullopt);
  EXPECT_EQ(batcher.waiting_frames(), 2u);
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("bc"));
  EXPECT_TRUE(batcher.writing());
}

TEST(FrameBatcherTest, HeldFramesKeepTheLimitAndTheirOrderWithAddedOnes) {
  FrameBatcher batcher(4);
  ASSERT_TRUE(batcher.Hold("ab").ok());
  ASSERT_TRUE(batcher.Hold("cd").ok());
  ASSERT_TRUE(batcher.Hold("e").ok());
  EXPECT_EQ(batcher.TakeIfIdle(), std::optional<std::string>("abcd"));
  EXPECT_EQ(Written(batcher.Add("f")), "(waits)");
  EXPECT_EQ(batcher.WriteDone(), std::optional<std::string>("ef"));
}

TEST(FrameBatcherTest, AHeldFrameLargerThanAMessageIsRefusedAndNothingIsKept) {
  FrameBatcher batcher(8);
  const absl::Status refused = batcher.Hold(std::string(9, 'x'));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("a frame of 9 bytes exceeds"));
  EXPECT_EQ(batcher.waiting_frames(), 0u);
  EXPECT_EQ(batcher.TakeIfIdle(), std::nullopt);
  EXPECT_FALSE(batcher.writing());
}

// The stream's writer, as a test plays it: messages handed to it are written one at a time.
// (std::condition_variable rather than absl::Mutex::Await: the system's Abseil is not built for
// ThreadSanitizer, which then cannot see that Await's condition runs under the lock.)
class Writer {
 public:
  // A message to write; counts the messages handed out and not yet written.
  void Start(std::string message) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++unwritten_;
      most_unwritten_ = std::max(most_unwritten_, unwritten_);
      inbox_.push_back(std::move(message));
    }
    arrived_.notify_one();
  }

  // Writes messages until `frames` frames are written (or none came for 10 s), telling `batcher`
  // of each write's end as gRPC would.
  void WriteUntil(FrameBatcher& batcher, int frames) {
    while (written_frames_ < frames) {
      std::string message;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (!arrived_.wait_for(lock, std::chrono::seconds(10),
                               [this] { return !inbox_.empty(); })) {
          ADD_FAILURE() << "frames lost: " << written_frames_ << " of " << frames << " written";
          return;
        }
        message = std::move(inbox_.front());
        inbox_.pop_front();
        --unwritten_;
      }
      written_frames_ += static_cast<int>(std::count(message.begin(), message.end(), ';'));
      written_.push_back(std::move(message));
      std::optional<std::string> next = batcher.WriteDone();
      if (next.has_value()) Start(std::move(*next));
    }
  }

  const std::vector<std::string>& written() const { return written_; }
  int most_unwritten() {
    std::lock_guard<std::mutex> lock(mu_);
    return most_unwritten_;
  }

 private:
  std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<std::string> inbox_;
  int unwritten_ = 0;
  int most_unwritten_ = 0;
  // The writer thread's own.
  std::vector<std::string> written_;
  int written_frames_ = 0;
};

// Several threads add frames while one plays the stream's writer: every frame is written exactly
// once, each thread's in the order it added them, and never two writes at a time.
TEST(FrameBatcherTest, FramesFromManyThreadsAreEachWrittenOnceInTheirOrder) {
  constexpr int kThreads = 4;
  constexpr int kFramesEach = 2000;
  FrameBatcher batcher(64);
  Writer writer;
  std::thread writing([&] { writer.WriteUntil(batcher, kThreads * kFramesEach); });
  std::vector<std::thread> adders;
  for (int t = 0; t < kThreads; ++t) {
    adders.emplace_back([&, t] {
      for (int i = 0; i < kFramesEach; ++i) {
        auto added = batcher.Add(absl::StrCat(t, ":", i, ";"));
        ASSERT_TRUE(added.ok());
        if (added->has_value()) writer.Start(std::move(**added));
      }
    });
  }
  for (std::thread& adder : adders) adder.join();
  writing.join();

  EXPECT_EQ(writer.most_unwritten(), 1);
  EXPECT_EQ(batcher.waiting_frames(), 0u);
  std::vector<int> next_of(kThreads, 0);
  int frames = 0;
  for (const std::string& message : writer.written()) {
    EXPECT_LE(message.size(), 64u);
    for (absl::string_view frame : absl::StrSplit(message, ';', absl::SkipEmpty())) {
      const std::vector<std::string> parts = absl::StrSplit(frame, ':');
      ASSERT_EQ(parts.size(), 2u);
      const int thread = std::stoi(parts[0]);
      EXPECT_EQ(std::stoi(parts[1]), next_of[thread]) << "thread " << thread;
      next_of[thread] = std::stoi(parts[1]) + 1;
      ++frames;
    }
  }
  EXPECT_EQ(frames, kThreads * kFramesEach);
  EXPECT_THAT(next_of, ElementsAre(kFramesEach, kFramesEach, kFramesEach, kFramesEach));
}

}  // namespace
}  // namespace pasarela
