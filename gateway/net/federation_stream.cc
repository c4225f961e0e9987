#include "gateway/net/federation_stream.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/common/annotated_mutex.h"
#include "gateway/common/flush_group.h"
#include "gateway/common/log.h"
#include "gateway/net/federation_frames.h"
#include "gateway/net/frame_batcher.h"
#include "gateway/net/message_bytes.h"

namespace pasarela {
namespace {

using federation::v1::AnswerFrame;
using federation::v1::CallFrame;
using federation::v1::Frames;

// What a call frame's exchange needs of its stream.
class FrameStream {
 public:
  virtual ~FrameStream() = default;
  virtual std::string peer() const = 0;
  virtual const grpc::AuthContext& auth_context() const = 0;
  // Sends one encoded answer frame, unless the stream has broken.
  virtual void SendAnswer(std::string frame, uint64_t id) = 0;
  // The exchange `id` has finished and may be destroyed.
  virtual void ExchangeEnded(uint64_t id) = 0;
};

// One call frame as the calling side of an exchange. Shared by the stream's table of exchanges in
// flight and whoever is cancelling it at the moment, so that a cancel never races its end.
class FrameCall : public InboundCall {
 public:
  FrameCall(FrameStream& stream, CallFrame frame, absl::Time arrived)
      : stream_(stream),
        id_(frame.id()),
        deadline_(frame.timeout_micros() > 0 ? arrived + absl::Microseconds(frame.timeout_micros())
                                             : absl::InfiniteFuture()),
        frame_(std::move(frame)) {}

  // Runs the exchange up to its upstream call (or its refusal).
  // REQUIRES: called once, after the call is in the stream's table.
  void Start(GatewayRuntimePtr runtime, const ExchangeServices& services) {
    exchange_ = NewExchange(*this, std::move(runtime), services, ListenerRole::kFederation);
    exchange_->Start();
    Release();
  }

  // The consumer gateway gave the exchange up, or the stream broke: the exchange ends as
  // cancelled, and its answer is not sent.
  void Cancel() {
    grpc::ClientContext* upstream = nullptr;
    {
      AnnotatedMutexLock lock(&mu_);
      if (cancelled_.exchange(true)) return;
      upstream = upstream_context_;
    }
    // Until Start has returned the exchange may not exist yet; it reads IsCancelled then.
    if (started_.load(std::memory_order_acquire)) exchange_->CallerGone();
    // The exchange, and the context it owns, live while the caller holds this call.
    if (upstream != nullptr) upstream->TryCancel();
  }

  // InboundCall.
  absl::string_view method() const override { return frame_.method(); }
  std::string peer() const override { return stream_.peer(); }
  const grpc::AuthContext& auth_context() const override { return stream_.auth_context(); }
  absl::Time deadline() const override { return deadline_; }
  bool IsCancelled() const override {
    return cancelled_.load(std::memory_order_relaxed) || absl::Now() >= deadline_;
  }
  int federation_protocol() const override { return 3; }
  absl::StatusOr<ExchangeHeaders> AgencyHeaders() const override {
    return absl::InternalError("a federation stream carries no agency's call");
  }
  absl::StatusOr<CallFactsFromPeer> PeerFacts() const override {
    federation::v1::CallFacts facts = frame_.facts();
    return TakeCallFacts(facts);
  }
  // The consumer gateway drew the exchange id itself.
  void SendExchangeId(absl::string_view) override {}
  void ReadRequest(grpc::ByteBuffer* request) override {
    started_.store(true, std::memory_order_release);
    const std::string& bytes = frame_.request();
    grpc::Slice slice(bytes.data(), bytes.size());
    *request = grpc::ByteBuffer(&slice, 1);
    // The frame's bytes are in the buffer now; the frame keeps only what the records need.
    frame_.clear_request();
    exchange_->RequestRead(true);
  }
  std::unique_ptr<grpc::ClientContext> NewUpstreamContext() override {
    auto context = std::make_unique<grpc::ClientContext>();
    if (deadline_ != absl::InfiniteFuture()) context->set_deadline(absl::ToChronoTime(deadline_));
    bool cancelled;
    {
      AnnotatedMutexLock lock(&mu_);
      upstream_context_ = context.get();
      cancelled = cancelled_.load(std::memory_order_relaxed);
    }
    // A call cancelled before it starts ends as soon as it does.
    if (cancelled) context->TryCancel();
    return context;
  }
  void Finish(const grpc::Status& status, grpc::ByteBuffer* response,
              const AnswerFactsToSend& facts) override {
    {
      AnnotatedMutexLock lock(&mu_);
      upstream_context_ = nullptr;
    }
    if (!cancelled_.load(std::memory_order_relaxed)) {
      AnswerFrame answer;
      answer.set_id(id_);
      answer.set_code(static_cast<uint32_t>(status.error_code()));
      answer.set_message(status.error_message());
      if (!facts.answered_by.empty()) {
        federation::v1::AnswerFacts* out = answer.mutable_facts();
        out->set_answered_by(std::string(facts.answered_by));
        out->set_receipt(std::string(facts.receipt));
        out->set_receipt_signer(std::string(facts.receipt_signer));
        out->set_deny_rule(std::string(facts.deny_rule));
        out->set_withheld(std::string(facts.withheld));
      }
      if (response != nullptr) {
        const grpc::Slice bytes = FlatBytes(*response);
        const absl::string_view view = BytesOf(bytes);
        answer.set_response(view.data(), view.size());
      }
      stream_.SendAnswer(EncodeFrame(answer), id_);
    }
    Release();
  }

 private:
  // Start and Finish each hold the call once: it ends when both have let go, as a gRPC reactor's
  // OnDone waits for the reactions in progress.
  void Release() {
    if (holds_.fetch_sub(1, std::memory_order_acq_rel) == 1) stream_.ExchangeEnded(id_);
  }

  FrameStream& stream_;
  const uint64_t id_;
  const absl::Time deadline_;
  CallFrame frame_;
  std::atomic<int> holds_{2};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> started_{false};
  AnnotatedMutex mu_;
  grpc::ClientContext* upstream_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Last: destroyed before the frame it reads.
  std::unique_ptr<Exchange> exchange_;
};

class FederationStreamReactor : public grpc::ServerGenericBidiReactor, public FrameStream {
 public:
  FederationStreamReactor(grpc::GenericCallbackServerContext* context,
                          const CurrentRuntime& runtime, const ExchangeServices& services)
      : context_(context),
        runtime_(runtime),
        services_(services),
        auth_context_(context->auth_context()),
        batcher_(StreamMessageLimit(
            FederationMessageBytes(runtime.Get()->snapshot().gateway().max_message_bytes),
            HeaderValue(context->client_metadata(), kStreamMaxMessageBytesKey))) {
    // A peer that is not a gateway this one trusts gets no frame read; each frame's exchange
    // checks the certificate again, so a revocation reaches the streams already open.
    absl::StatusOr<VerifiedPeer> caller = runtime_.Get()
                                              ->authenticator(ListenerRole::kFederation)
                                              .Authenticate(*auth_context_, absl::Now());
    if (!caller.ok()) {
      LogWarning(absl::StrCat("refused a federation stream from ", context_->peer(), ": ",
                              caller.status().message()));
      Finish(ToGrpcStatus(caller.status()));
      return;
    }
    peer_ = absl::StrCat(context_->peer(), " (", caller->Describe(), ", stream)");
    StartRead(&incoming_);
  }

  // ServerGenericBidiReactor.
  void OnReadDone(bool ok) override {
    if (!ok) {
      // The peer half-closed, or the stream broke (OnCancel says which): no more calls.
      EndReads(absl::OkStatus());
      return;
    }
    Frames frames;
    const grpc::Slice bytes = FlatBytes(incoming_);
    absl::Status read = ReadFrames(BytesOf(bytes), FrameReader::kProvider, &frames);
    incoming_.Clear();
    const absl::Time arrived = absl::Now();
    std::vector<std::shared_ptr<FrameCall>> started;
    if (read.ok()) {
      AnnotatedMutexLock lock(&mu_);
      // Every id is checked before any call is taken: a message is taken whole or not at all.
      for (const CallFrame& frame : frames.calls()) {
        if (in_flight_.contains(frame.id())) {
          read = absl::InvalidArgumentError(
              absl::StrCat("call frame id ", frame.id(), " is the id of an exchange in flight"));
          break;
        }
      }
      if (read.ok()) {
        for (CallFrame& frame : *frames.mutable_calls()) {
          const uint64_t id = frame.id();
          auto call = std::make_shared<FrameCall>(*this, std::move(frame), arrived);
          in_flight_.emplace(id, call);
          started.push_back(std::move(call));
        }
      }
    }
    if (!read.ok()) {
      LogWarning(absl::StrCat("federation stream from ", peer_, " ends: ", read.message()));
      EndReads(absl::InvalidArgumentError(
          absl::StrCat("the stream carried what is not federation protocol 3: ", read.message())));
      return;
    }
    for (const std::shared_ptr<FrameCall>& call : started) call->Start(runtime_.Get(), services_);
    for (uint64_t id : frames.cancels()) {
      std::shared_ptr<FrameCall> call = Find(id);
      if (call != nullptr) call->Cancel();
    }
    StartRead(&incoming_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) Break("the stream broke while answers were written");
    if (IsBroken()) {
      // Answers that waited for a stream that broke are dropped.
      batcher_.Abandon();
    } else if (std::optional<std::string> next = batcher_.WriteDone(); next.has_value()) {
      Write(*std::move(next));
      return;
    }
    MaybeFinish();
  }

  void OnCancel() override { Break("the stream was cancelled"); }

  void OnDone() override { std::unique_ptr<FederationStreamReactor> self(this); }

  // FrameStream.
  std::string peer() const override { return peer_; }
  const grpc::AuthContext& auth_context() const override { return *auth_context_; }

  void SendAnswer(std::string frame, uint64_t id) override {
    {
      AnnotatedMutexLock lock(&mu_);
      if (broken_) return;
    }
    // The audit writer answering a batch holds a flush group open: the batch's answers to this
    // stream then leave together, in one message, when it closes.
    const bool deferred = FlushGroup::Open();
    if (deferred && FlushGroup::Defer(this, &FederationStreamReactor::FlushHeldAnswers)) {
      AnnotatedMutexLock lock(&mu_);
      ++flushes_pending_;
    }
    // A held frame leaves with the group's flush, never now.
    auto enqueue = [this, deferred](std::string f) -> absl::StatusOr<std::optional<std::string>> {
      if (!deferred) return batcher_.Add(std::move(f));
      absl::Status held = batcher_.Hold(std::move(f));
      if (!held.ok()) return held;
      return std::optional<std::string>();
    };
    absl::StatusOr<std::optional<std::string>> message = enqueue(std::move(frame));
    if (!message.ok()) {
      // Larger than a message may be with the frame's own fields: the answer cannot cross, and
      // the consumer gateway learns why.
      LogWarning(absl::StrCat("federation stream from ", peer_, ": the answer to frame ", id,
                              " cannot be sent: ", message.status().message()));
      AnswerFrame refused;
      refused.set_id(id);
      refused.set_code(static_cast<uint32_t>(grpc::StatusCode::RESOURCE_EXHAUSTED));
      refused.set_message(std::string(message.status().message()));
      message = enqueue(EncodeFrame(refused));
      if (!message.ok()) return;
    }
    if (message->has_value()) Write(**std::move(message));
  }

  void ExchangeEnded(uint64_t id) override {
    {
      AnnotatedMutexLock lock(&mu_);
      in_flight_.erase(id);
    }
    MaybeFinish();
  }

 private:
  void Write(std::string message) {
    grpc::Slice slice(std::move(message));
    outgoing_ = grpc::ByteBuffer(&slice, 1);
    StartWrite(&outgoing_);
  }

  // Sends the answers held for a flush group, unless a write is outstanding (its end sends them,
  // or drops them if the stream broke). The stream does not finish while a flush is pending.
  static void FlushHeldAnswers(void* stream) {
    auto* self = static_cast<FederationStreamReactor*>(stream);
    if (std::optional<std::string> message = self->batcher_.TakeIfIdle(); message.has_value()) {
      if (self->IsBroken()) {
        // This write will not be made; what was held cannot be sent.
        self->batcher_.Abandon();
      } else {
        self->Write(*std::move(message));
      }
    }
    {
      AnnotatedMutexLock lock(&self->mu_);
      --self->flushes_pending_;
    }
    // Last: the stream may finish, and be destroyed, from here on.
    self->MaybeFinish();
  }

  bool IsBroken() {
    AnnotatedMutexLock lock(&mu_);
    return broken_;
  }

  std::shared_ptr<FrameCall> Find(uint64_t id) {
    AnnotatedMutexLock lock(&mu_);
    auto it = in_flight_.find(id);
    return it == in_flight_.end() ? nullptr : it->second;
  }

  // No more frames will be read; `status` is how the stream ends once its exchanges have.
  void EndReads(const absl::Status& status) {
    {
      AnnotatedMutexLock lock(&mu_);
      reads_ended_ = true;
      if (end_status_.ok()) end_status_ = status;
    }
    if (!status.ok()) Break(std::string(status.message()));
    MaybeFinish();
  }

  // The stream can carry no answer: every exchange in flight is cancelled.
  void Break(const std::string& why) {
    std::vector<std::shared_ptr<FrameCall>> cancelled;
    {
      AnnotatedMutexLock lock(&mu_);
      if (broken_) return;
      broken_ = true;
      for (const auto& [id, call] : in_flight_) cancelled.push_back(call);
    }
    if (!cancelled.empty()) {
      LogWarning(absl::StrCat("federation stream from ", peer_, ": ", why, "; ", cancelled.size(),
                              " exchanges in flight cancelled"));
    }
    // Outside the lock: a cancelled exchange may end, and come back to the stream, at once.
    for (const std::shared_ptr<FrameCall>& call : cancelled) call->Cancel();
  }

  // Ends the stream once no frame will be read, no exchange is in flight and nothing is being
  // written.
  void MaybeFinish() {
    grpc::Status status;
    {
      AnnotatedMutexLock lock(&mu_);
      // No answer can start a write once no exchange is in flight and no flush is pending.
      if (finished_ || !reads_ended_ || !in_flight_.empty() || flushes_pending_ > 0 ||
          batcher_.writing()) {
        return;
      }
      finished_ = true;
      status = ToGrpcStatus(end_status_);
    }
    Finish(status);
  }

  grpc::GenericCallbackServerContext* context_;
  const CurrentRuntime& runtime_;
  const ExchangeServices& services_;
  const std::shared_ptr<const grpc::AuthContext> auth_context_;
  std::string peer_;
  FrameBatcher batcher_;
  // Read and written by one operation at a time (gRPC allows one read and one write in flight).
  grpc::ByteBuffer incoming_;
  grpc::ByteBuffer outgoing_;
  AnnotatedMutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<FrameCall>> in_flight_ ABSL_GUARDED_BY(mu_);
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // Flush groups this stream holds answers for (FlushHeldAnswers).
  int flushes_pending_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status end_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<grpc::ServerGenericBidiReactor> NewFederationStreamReactor(
    grpc::GenericCallbackServerContext* context, const CurrentRuntime& runtime,
    const ExchangeServices& services) {
  return std::make_unique<FederationStreamReactor>(context, runtime, services);
}

}  // namespace pasarela
