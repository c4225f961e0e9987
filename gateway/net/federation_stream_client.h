// Federation protocol 3 on the consumer gateway's side: one long-lived bidirectional stream to a
// peer gateway's federation listener (kFederationStreamMethod) on one pooled channel's
// connection. Exchanges send their calls as frames on it and get their answers back as frames
// (federation_frames.h); frames that arrive while the stream's previous message is being written
// leave together in the next one (frame_batcher.h).
//
// Each exchange ends exactly once (pending_exchanges.h): with its answer frame; with the status
// its owner gives up with (its caller cancelled, its deadline passed), which also tells the peer;
// or UNAVAILABLE when the stream breaks, naming why. An exchange is never sent again: a broken
// stream is not retried, and the next exchange opens a new one (PooledChannel::FrameStream).
//
// Owned jointly by its channel and the exchanges in flight on it, and by itself until gRPC is
// done with the stream. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_FEDERATION_STREAM_CLIENT_H_
#define PASARELA_GATEWAY_NET_FEDERATION_STREAM_CLIENT_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_callback.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/annotated_mutex.h"
#include "gateway/net/frame_batcher.h"
#include "gateway/net/pending_exchanges.h"
#include "pasarela/federation/v1/frames.pb.h"

namespace pasarela {

class FederationStreamClient : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  using AnswerDone = PendingExchanges<federation::v1::AnswerFrame>::Done;

  // Opens a stream through `stub`. `description` names the peer in statuses and logs ("peer
  // gateway CL at 127.0.0.1:7444"); no message on the stream exceeds `max_message_bytes`.
  static std::shared_ptr<FederationStreamClient> Open(grpc::GenericStub& stub,
                                                      std::string description,
                                                      size_t max_message_bytes);

  // Only Open makes one.
  class OpenKey {
    friend class FederationStreamClient;
    OpenKey() = default;
  };
  FederationStreamClient(OpenKey, std::string description, size_t max_message_bytes);
  ~FederationStreamClient() override;

  // Sends `frame` under an id of the stream's choosing, which it returns; `done` runs once with
  // the exchange's end, perhaps before Send returns and on another thread (RESOURCE_EXHAUSTED at
  // once when the frame is larger than a message may be). The stream's breaking status, without
  // running `done`, when it has broken.
  absl::StatusOr<uint64_t> Send(federation::v1::CallFrame frame, AnswerDone done);

  // Ends exchange `id` with `why` if it is still pending, and tells the peer to stop it.
  // REQUIRES: !why.ok().
  void GiveUp(uint64_t id, const absl::Status& why);

  // The PEM certificate the peer presented on the stream's connection; null until the peer's
  // first message arrived, and set before the first answer is delivered.
  std::shared_ptr<const std::string> peer_certificate() const;

  // True once the stream can carry no more exchanges (it broke, or is ending).
  bool broken() const;

  // Ends the stream: exchanges still pending end UNAVAILABLE.
  void Close();

  // Waits until gRPC is done with every stream of the process (OnDone has run), for at most
  // `timeout`; false when some are still open. A gateway that stops closes its streams and waits
  // here before it lets gRPC go.
  static bool AwaitAllEnded(absl::Duration timeout);

  // grpc::ClientBidiReactor.
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  // Queues an encoded frame, writing it at once when no write is outstanding; drops it once the
  // stream has stopped.
  void Enqueue(std::string frame);
  // Starts the write of `message`, the one the batcher handed out.
  void Write(std::string message);
  // The stream can carry nothing more: every pending exchange ends with `why`, and gRPC ends the
  // stream.
  void Break(const absl::Status& why);
  // The stream can carry nothing more, and gRPC has ended it or will: pending exchanges end with
  // the status OnDone brings.
  void StopSending();
  // Lets gRPC end the stream once it is broken and nothing is being written.
  void MaybeRelease();
  // Keeps the certificate the peer presented, once, when its first message arrives.
  void LearnPeerCertificate();

  const std::string description_;
  const size_t max_message_bytes_;
  grpc::ClientContext context_;
  PendingExchanges<federation::v1::AnswerFrame> pending_;
  FrameBatcher batcher_;
  grpc::ByteBuffer incoming_;
  mutable AnnotatedMutex mu_;
  // Written by whoever the batcher handed the current message to.
  grpc::ByteBuffer outgoing_;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<const std::string> peer_certificate_ ABSL_GUARDED_BY(mu_);
  // Read and written by OnReadDone alone, which gRPC never runs twice at once.
  bool peer_certificate_learned_ = false;
  // The stream's own reference, from Open to OnDone.
  std::shared_ptr<FederationStreamClient> self_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_FEDERATION_STREAM_CLIENT_H_
