#include "gateway/net/federation_stream_client.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/log.h"
#include "gateway/net/federation_frames.h"
#include "gateway/net/message_bytes.h"

namespace pasarela {
namespace {

// The streams of the process that gRPC is not yet done with.
struct OpenStreams {
  absl::Mutex mu;
  int count ABSL_GUARDED_BY(mu) = 0;
};

OpenStreams& StreamsOfTheProcess() {
  static OpenStreams open;
  return open;
}

}  // namespace

using federation::v1::AnswerFrame;
using federation::v1::CallFrame;
using federation::v1::Frames;

std::shared_ptr<FederationStreamClient> FederationStreamClient::Open(grpc::GenericStub& stub,
                                                                     std::string description,
                                                                     size_t max_message_bytes) {
  auto stream = std::make_shared<FederationStreamClient>(OpenKey(), std::move(description),
                                                         max_message_bytes);
  stream->self_ = stream;
  // The peer's batches of answers must fit what this side takes.
  stream->context_.AddMetadata(kStreamMaxMessageBytesKey, std::to_string(max_message_bytes));
  {
    absl::MutexLock lock(&StreamsOfTheProcess().mu);
    ++StreamsOfTheProcess().count;
  }
  stub.PrepareBidiStreamingCall(&stream->context_, kFederationStreamMethod, grpc::StubOptions(),
                                stream.get());
  // Held until the stream breaks: writes start from any thread, outside gRPC's reactions.
  stream->AddHold();
  stream->StartRead(&stream->incoming_);
  stream->StartCall();
  return stream;
}

FederationStreamClient::FederationStreamClient(OpenKey, std::string description,
                                               size_t max_message_bytes)
    : description_(std::move(description)),
      max_message_bytes_(max_message_bytes),
      batcher_(max_message_bytes) {}

FederationStreamClient::~FederationStreamClient() = default;

absl::StatusOr<uint64_t> FederationStreamClient::Send(CallFrame frame, AnswerDone done) {
  absl::StatusOr<uint64_t> id = pending_.Add(std::move(done));
  if (!id.ok()) return id.status();
  frame.set_id(*id);
  std::string encoded = EncodeFrame(frame);
  if (encoded.size() > max_message_bytes_) {
    // Never sent: the peer need not hear of it.
    pending_.GiveUp(
        *id, absl::ResourceExhaustedError(absl::StrCat(
                 "the call is ", encoded.size(), " bytes as a frame, larger than a message to ",
                 description_, " may be (", max_message_bytes_, " bytes)")));
    return *id;
  }
  Enqueue(std::move(encoded));
  return *id;
}

void FederationStreamClient::GiveUp(uint64_t id, const absl::Status& why) {
  if (!pending_.GiveUp(id, why)) return;
  Enqueue(EncodeCancel(id));
}

std::shared_ptr<const std::string> FederationStreamClient::peer_certificate() const {
  AnnotatedMutexLock lock(&mu_);
  return peer_certificate_;
}

bool FederationStreamClient::broken() const {
  AnnotatedMutexLock lock(&mu_);
  return broken_;
}

void FederationStreamClient::Close() {
  Break(absl::UnavailableError(
      absl::StrCat("the federation stream to ", description_, " was closed")));
}

bool FederationStreamClient::AwaitAllEnded(absl::Duration timeout) {
  OpenStreams& open = StreamsOfTheProcess();
  absl::MutexLock lock(&open.mu);
  return open.mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* count) { return *count == 0; }, &open.count),
                                  timeout);
}

void FederationStreamClient::Enqueue(std::string frame) {
  absl::StatusOr<std::optional<std::string>> message;
  {
    AnnotatedMutexLock lock(&mu_);
    // A stream that stopped has ended, or will end, the exchange the frame is about.
    if (broken_) return;
    message = batcher_.Add(std::move(frame));
  }
  // Send checked the frame's size against the limit.
  if (!message.ok() || !message->has_value()) return;
  Write(**std::move(message));
}

void FederationStreamClient::Write(std::string message) {
  // The batcher hands out one message at a time, so this write alone uses the buffer until
  // OnWriteDone. Outside any lock: gRPC may run OnWriteDone before StartWrite returns.
  grpc::Slice slice(std::move(message));
  outgoing_ = grpc::ByteBuffer(&slice, 1);
  StartWrite(&outgoing_);
}

void FederationStreamClient::LearnPeerCertificate() {
  if (peer_certificate_learned_) return;
  peer_certificate_learned_ = true;
  // The connection's certificate, which receipts are checked against. Read here, before the first
  // answer is delivered: gRPC may run OnReadInitialMetadataDone after, or beside, the OnReadDone
  // of the message that came with the metadata; and the context builds its auth context lazily
  // and not thread-safely, so only this reaction, which never runs twice at once, touches it.
  std::shared_ptr<const grpc::AuthContext> auth = context_.auth_context();
  if (auth == nullptr) return;
  std::vector<grpc::string_ref> certs = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (certs.empty()) return;
  auto pem = std::make_shared<const std::string>(certs.front().data(), certs.front().size());
  AnnotatedMutexLock lock(&mu_);
  peer_certificate_ = std::move(pem);
}

void FederationStreamClient::OnReadDone(bool ok) {
  if (!ok) {
    // Why it ended comes with OnDone, once gRPC may end the stream; pending exchanges end then.
    StopSending();
    return;
  }
  LearnPeerCertificate();
  Frames frames;
  const grpc::Slice bytes = FlatBytes(incoming_);
  absl::Status read = ReadFrames(BytesOf(bytes), FrameReader::kConsumer, &frames);
  incoming_.Clear();
  if (read.ok()) {
    for (AnswerFrame& answer : *frames.mutable_answers()) {
      const uint64_t id = answer.id();
      if (pending_.Deliver(id, std::move(answer)) ==
          PendingExchanges<AnswerFrame>::Delivery::kNeverSent) {
        read = absl::InvalidArgumentError(absl::StrCat("an answer to id ", id, ", never sent"));
        break;
      }
    }
  }
  if (!read.ok()) {
    LogWarning(
        absl::StrCat("ending the federation stream to ", description_, ": ", read.message()));
    Break(absl::UnavailableError(
        absl::StrCat("the federation stream ended: it carried what is not federation protocol 3: ",
                     read.message())));
    return;
  }
  StartRead(&incoming_);
}

void FederationStreamClient::OnWriteDone(bool ok) {
  if (!ok) StopSending();
  std::optional<std::string> next;
  {
    AnnotatedMutexLock lock(&mu_);
    if (broken_) {
      // Frames for a stream that broke are dropped.
      batcher_.Abandon();
    } else {
      next = batcher_.WriteDone();
    }
  }
  if (next.has_value()) {
    Write(*std::move(next));
    return;
  }
  MaybeRelease();
}

void FederationStreamClient::OnDone(const grpc::Status& status) {
  // Exchanges the stream did not end yet end with its status.
  pending_.Break(absl::UnavailableError(
      status.ok() ? std::string("the federation stream ended")
                  : absl::StrCat("the federation stream ended: ", status.error_message())));
  {
    // The stream may be destroyed here: nothing below touches it.
    std::shared_ptr<FederationStreamClient> self = std::move(self_);
  }
  OpenStreams& open = StreamsOfTheProcess();
  absl::MutexLock lock(&open.mu);
  --open.count;
}

void FederationStreamClient::Break(const absl::Status& why) {
  {
    AnnotatedMutexLock lock(&mu_);
    if (broken_) return;
    broken_ = true;
  }
  pending_.Break(why);
  context_.TryCancel();
  MaybeRelease();
}

void FederationStreamClient::StopSending() {
  {
    AnnotatedMutexLock lock(&mu_);
    broken_ = true;
  }
  MaybeRelease();
}

void FederationStreamClient::MaybeRelease() {
  {
    AnnotatedMutexLock lock(&mu_);
    if (!broken_ || released_ || batcher_.writing()) return;
    released_ = true;
  }
  // Outside the lock: gRPC may end the stream, and run OnDone, at once.
  RemoveHold();
}

}  // namespace pasarela
