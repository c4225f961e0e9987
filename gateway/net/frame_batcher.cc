#include "gateway/net/frame_batcher.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace pasarela {

absl::Status FrameBatcher::TooLarge(size_t frame_bytes) const {
  return absl::ResourceExhaustedError(absl::StrCat("a frame of ", frame_bytes,
                                                   " bytes exceeds the stream's message limit of ",
                                                   max_message_bytes_, " bytes"));
}

absl::StatusOr<std::optional<std::string>> FrameBatcher::Add(std::string frame) {
  if (frame.size() > max_message_bytes_) return TooLarge(frame.size());
  AnnotatedMutexLock lock(&mu_);
  if (writing_) {
    waiting_bytes_ += frame.size();
    waiting_.push_back(std::move(frame));
    return std::optional<std::string>();
  }
  writing_ = true;
  return std::optional<std::string>(std::move(frame));
}

absl::Status FrameBatcher::Hold(std::string frame) {
  if (frame.size() > max_message_bytes_) return TooLarge(frame.size());
  AnnotatedMutexLock lock(&mu_);
  waiting_bytes_ += frame.size();
  waiting_.push_back(std::move(frame));
  return absl::OkStatus();
}

std::optional<std::string> FrameBatcher::WriteDone() { return TakeWaiting(/*write_ended=*/true); }

std::optional<std::string> FrameBatcher::TakeIfIdle() { return TakeWaiting(/*write_ended=*/false); }

std::optional<std::string> FrameBatcher::TakeWaiting(bool write_ended) {
  std::vector<std::string> batch;
  size_t bytes = 0;
  {
    AnnotatedMutexLock lock(&mu_);
    if (!write_ended && writing_) return std::nullopt;
    if (waiting_.empty()) {
      writing_ = false;
      return std::nullopt;
    }
    writing_ = true;
    // Add and Hold keep every frame within the limit, so the first always fits.
    while (!waiting_.empty() &&
           (batch.empty() || bytes + waiting_.front().size() <= max_message_bytes_)) {
      bytes += waiting_.front().size();
      batch.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
    waiting_bytes_ -= bytes;
  }
  // Joined outside the lock: a message may be megabytes, and Add must not wait for the copy.
  if (batch.size() == 1) return std::move(batch.front());
  std::string message;
  message.reserve(bytes);
  for (const std::string& frame : batch) message += frame;
  return message;
}

void FrameBatcher::Abandon() {
  AnnotatedMutexLock lock(&mu_);
  waiting_.clear();
  waiting_bytes_ = 0;
  writing_ = false;
}

bool FrameBatcher::writing() const {
  AnnotatedMutexLock lock(&mu_);
  return writing_;
}

size_t FrameBatcher::waiting_frames() const {
  AnnotatedMutexLock lock(&mu_);
  return waiting_.size();
}

size_t FrameBatcher::waiting_bytes() const {
  AnnotatedMutexLock lock(&mu_);
  return waiting_bytes_;
}

}  // namespace pasarela
