// The frames one side of a federation stream (federation protocol 3) has to send, gathered while
// the stream's previous message is being written. gRPC allows one outstanding write per stream;
// rather than queue a message per frame behind it, the frames that arrive meanwhile go out
// together in the next message, which costs both gateways far less than a message each
// (docs/PERFORMANCE.md, "Frames on one stream between gateways").
//
// Frames are their encodings (gateway/net/federation_frames.h), which batch by concatenation.
// A message never exceeds the stream's message limit: frames beyond it wait for the next write.
//
// Usage, by whoever owns the stream's one write:
//   if (auto message = batcher.Add(EncodeFrame(frame))) StartWrite(*message);  // from any thread
//   OnWriteDone: if (auto message = batcher.WriteDone()) StartWrite(*message);
// A sender that knows more frames follow at once (the answers of one audit batch) holds them
// instead, and takes them together when it has them all:
//   batcher.Hold(EncodeFrame(frame)); ... if (auto message = batcher.TakeIfIdle()) StartWrite(...);
//
// Thread-safe.
#ifndef PASARELA_GATEWAY_NET_FRAME_BATCHER_H_
#define PASARELA_GATEWAY_NET_FRAME_BATCHER_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela {

class FrameBatcher {
 public:
  // REQUIRES: max_message_bytes > 0.
  explicit FrameBatcher(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  FrameBatcher(const FrameBatcher&) = delete;
  FrameBatcher& operator=(const FrameBatcher&) = delete;

  // Takes one encoded frame. When no write is outstanding, returns the message to write now (this
  // frame alone), and the caller's write is then the outstanding one; otherwise the frame waits
  // and the result is empty. RESOURCE_EXHAUSTED, keeping nothing, when the frame alone is larger
  // than a message may be.
  absl::StatusOr<std::optional<std::string>> Add(std::string frame);

  // Takes one encoded frame to wait for the next message, without starting a write: the caller
  // calls TakeIfIdle() once it has held the frames that go together. RESOURCE_EXHAUSTED, keeping
  // nothing, when the frame alone is larger than a message may be.
  absl::Status Hold(std::string frame);

  // When no write is outstanding and frames wait, returns the next message (as WriteDone does),
  // and the caller's write is then the outstanding one. Empty otherwise: the outstanding write's
  // end takes the frames that wait.
  std::optional<std::string> TakeIfIdle();

  // The outstanding write has ended. Returns the next message: the frames that waited, in the
  // order they came, as many as fit in one message; that write is then the outstanding one.
  // Empty when none waited: no write is outstanding any more.
  // REQUIRES: a write is outstanding.
  std::optional<std::string> WriteDone();

  // The outstanding write has ended and the stream will carry nothing more: the frames waiting
  // are dropped, and no write is outstanding any more.
  void Abandon();

  // A write is outstanding.
  bool writing() const;

  // The frames waiting and their bytes, for metrics and tests.
  size_t waiting_frames() const;
  size_t waiting_bytes() const;

 private:
  absl::Status TooLarge(size_t frame_bytes) const;
  // The next message of the frames that wait, unless none wait, or (!write_ended) a write is
  // outstanding; the message's write is then the outstanding one.
  std::optional<std::string> TakeWaiting(bool write_ended);

  const size_t max_message_bytes_;
  mutable AnnotatedMutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::string> waiting_ ABSL_GUARDED_BY(mu_);
  size_t waiting_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_FRAME_BATCHER_H_
