// Fuzz target: a message read off a federation stream (federation protocol 3,
// gateway/net/federation_frames.h), by either side.
//
// The peer gateway writes every byte of it, so the reader must refuse what is wrong with an error
// and never crash. The first byte says which side reads (even: the provider gateway, odd: the
// consumer gateway); the rest is the message. A message read without error is written again
// frame by frame as the gateway batches them (each frame's encoding, concatenated) and must read
// back to the same frames in the same order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/net/federation_frames.h"

namespace {

using pasarela::FrameReader;
using pasarela::federation::v1::Frames;

std::string Rebatched(const Frames& frames) {
  std::string message;
  for (const auto& call : frames.calls()) message += pasarela::EncodeFrame(call);
  for (const auto& answer : frames.answers()) message += pasarela::EncodeFrame(answer);
  for (uint64_t id : frames.cancels()) message += pasarela::EncodeCancel(id);
  return message;
}

bool SameFrames(const Frames& a, const Frames& b) {
  if (a.calls_size() != b.calls_size() || a.answers_size() != b.answers_size() ||
      a.cancels_size() != b.cancels_size()) {
    return false;
  }
  for (int i = 0; i < a.calls_size(); ++i) {
    if (a.calls(i).SerializeAsString() != b.calls(i).SerializeAsString()) return false;
  }
  for (int i = 0; i < a.answers_size(); ++i) {
    if (a.answers(i).SerializeAsString() != b.answers(i).SerializeAsString()) return false;
  }
  for (int i = 0; i < a.cancels_size(); ++i) {
    if (a.cancels(i) != b.cancels(i)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const FrameReader reader = data[0] % 2 == 0 ? FrameReader::kProvider : FrameReader::kConsumer;
  const absl::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  Frames frames;
  if (!pasarela::ReadFrames(message, reader, &frames).ok()) return 0;
  Frames again;
  if (!pasarela::ReadFrames(Rebatched(frames), reader, &again).ok()) std::abort();
  if (!SameFrames(frames, again)) std::abort();
  return 0;
}
