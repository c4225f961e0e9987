#include "gateway/net/exchange_service.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gateway/net/federation_facts.h"
#include "gateway/net/federation_frames.h"
#include "gateway/net/federation_stream.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/routing/metadata_keys.h"

namespace pasarela {
namespace {

// One gRPC call on a listener as the calling side of an exchange. Owns itself: gRPC hands it back
// in OnDone, after the exchange has finished the call.
class ExchangeReactor : public grpc::ServerGenericBidiReactor, public InboundCall {
 public:
  ExchangeReactor(grpc::GenericCallbackServerContext* context, GatewayRuntimePtr runtime,
                  const ExchangeServices& services, ListenerRole role)
      : context_(context),
        role_(role),
        protocol_(role == ListenerRole::kAgency                         ? 0
                  : context->client_metadata().count(kCallFactsKey) > 0 ? 2
                                                                        : 1),
        exchange_(NewExchange(*this, std::move(runtime), services, role)) {
    exchange_->Start();
  }

  // ServerGenericBidiReactor.
  void OnReadDone(bool ok) override { exchange_->RequestRead(ok); }
  void OnWriteDone(bool) override {}
  // gRPC cancels the upstream call made from this one's context with it.
  void OnCancel() override { exchange_->CallerGone(); }
  void OnDone() override {
    // Reclaims the ownership handed to gRPC in CreateReactor.
    std::unique_ptr<ExchangeReactor> self(this);
  }

  // InboundCall.
  absl::string_view method() const override { return absl::string_view(context_->method()); }
  std::string peer() const override { return context_->peer(); }
  // The context keeps the auth context it made, so the reference outlives the shared pointer.
  const grpc::AuthContext& auth_context() const override { return *context_->auth_context(); }
  absl::Time deadline() const override {
    return context_->deadline() == std::chrono::system_clock::time_point::max()
               ? absl::InfiniteFuture()
               : absl::FromChrono(context_->deadline());
  }
  bool IsCancelled() const override { return context_->IsCancelled(); }
  int federation_protocol() const override { return protocol_; }
  absl::StatusOr<ExchangeHeaders> AgencyHeaders() const override {
    return ReadAgencyHeaders(context_->client_metadata());
  }
  absl::StatusOr<CallFactsFromPeer> PeerFacts() const override {
    return ReadCallFacts(context_->client_metadata());
  }
  void SendExchangeId(absl::string_view exchange_id) override {
    // A consumer gateway calling in protocol 2 drew the exchange id itself and reads nothing else
    // from the initial metadata.
    if (protocol_ == 2) return;
    context_->AddInitialMetadata(kExchangeIdKey, std::string(exchange_id));
  }
  void ReadRequest(grpc::ByteBuffer* request) override { StartRead(request); }
  std::unique_ptr<grpc::ClientContext> NewUpstreamContext() override {
    return grpc::ClientContext::FromCallbackServerContext(*context_);
  }
  void Finish(const grpc::Status& status, grpc::ByteBuffer* response,
              const AnswerFactsToSend& facts) override {
    // No facts: the gateway could not record the exchange, and says nothing of an answer.
    if (!facts.answered_by.empty()) {
      if (protocol_ == 2) {
        context_->AddTrailingMetadata(kAnswerFactsKey, AnswerFactsTrailer(facts));
      } else {
        AddTrailer(kReceiptKey, facts.receipt);
        AddTrailer(kReceiptSignerKey, facts.receipt_signer);
        AddTrailer(kAnsweredByKey, facts.answered_by);
        AddTrailer(kDenyRuleKey, facts.deny_rule);
        AddTrailer(kWithheldKey, facts.withheld);
      }
    }
    if (response != nullptr) {
      StartWriteAndFinish(response, grpc::WriteOptions(), status);
    } else {
      grpc::ServerGenericBidiReactor::Finish(status);
    }
  }

 private:
  void AddTrailer(const char* key, absl::string_view value) {
    if (!value.empty()) context_->AddTrailingMetadata(key, std::string(value));
  }

  grpc::GenericCallbackServerContext* context_;
  ListenerRole role_;
  const int protocol_;
  // Last: constructed once the call's own members are, destroyed before them.
  std::unique_ptr<Exchange> exchange_;
};

}  // namespace

grpc::ServerGenericBidiReactor* ExchangeService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  // gRPC takes ownership and returns it through OnDone.
  if (role_ == ListenerRole::kFederation && context->method() == kFederationStreamMethod) {
    return NewFederationStreamReactor(context, runtime_, services_).release();
  }
  return std::make_unique<ExchangeReactor>(context, runtime_.Get(), services_, role_).release();
}

}  // namespace pasarela
