// The wire form of federation protocol 3 (proto/pasarela/federation/v1/frames.proto): one frame
// encoded so that frames batch by concatenation, and a message read off the stream with the
// checks a gateway makes before it acts on any frame of it.
//
// Plain functions over values; thread-safe.
#ifndef PASARELA_GATEWAY_NET_FEDERATION_FRAMES_H_
#define PASARELA_GATEWAY_NET_FEDERATION_FRAMES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pasarela/federation/v1/frames.pb.h"

namespace pasarela {

// The stream's method, served on the federation listener.
inline constexpr char kFederationStreamMethod[] =
    "/pasarela.federation.v1.FederationStream/Exchange";

// What a frame may add to the payload it carries (its id, method, deadline, facts, a receipt and
// the receipt's signer): a message between gateways may be this much larger than
// limits.max_message_bytes, which bounds the payload alone, in every protocol alike.
inline constexpr int64_t kFrameAllowanceBytes = 16 * 1024;

// The largest message between gateways under limits.max_message_bytes `max_payload_bytes`: what
// the federation listener, the channels to peer gateways and a stream's batches are held to.
inline int64_t FederationMessageBytes(int64_t max_payload_bytes) {
  return max_payload_bytes + kFrameAllowanceBytes;
}

// Metadata of the stream's call: the largest message the consumer gateway takes on it, so that
// the provider gateway's batches stay within it (the two gateways' limits may differ). Absent:
// the provider's own limit.
inline constexpr char kStreamMaxMessageBytesKey[] = "x-pasarela-max-message-bytes";

// The largest message a provider gateway writes on a stream: its own limit, or the consumer's
// announced in `announced` (kStreamMaxMessageBytesKey) when smaller. An announcement that is not
// a positive number is ignored.
size_t StreamMessageLimit(int64_t own_limit, absl::string_view announced);

// `frame` as a serialized Frames message that holds only it. Such encodings, concatenated, are
// one message holding their frames in order.
std::string EncodeFrame(const federation::v1::CallFrame& frame);
std::string EncodeFrame(const federation::v1::AnswerFrame& frame);
std::string EncodeCancel(uint64_t id);

// Which gateway reads a message: a provider gateway reads calls and cancels, a consumer gateway
// answers.
enum class FrameReader { kProvider, kConsumer };

// One message off the stream, parsed into `frames` and checked: only the frames `reader` may
// receive; ids not 0 and, among the calls (or answers) of the message, each once; a method of the
// form /package.Service/Method; a timeout not negative; a status code of gRPC's, and a response
// only on OK. INVALID_ARGUMENT naming the first frame that is wrong. The stream's peer wrote the
// message, so a gateway that gets an error ends the stream rather than guess which frames to
// trust.
absl::Status ReadFrames(absl::string_view message, FrameReader reader,
                        federation::v1::Frames* frames);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_FEDERATION_FRAMES_H_
