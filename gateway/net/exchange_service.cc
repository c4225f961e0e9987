#include "gateway/net/exchange_service.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gateway/agreement/decision.h"
#include "gateway/common/log.h"
#include "gateway/routing/exchange_router.h"
#include "gateway/routing/metadata_keys.h"

namespace pasarela {
namespace {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

std::string HeaderValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                        const char* key) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

const char* StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int index = static_cast<int>(code);
  return index >= 0 && index <= 16 ? kNames[index] : "UNKNOWN";
}

// One call through the gateway. Owns itself: gRPC hands it back in OnDone.
class ExchangeReactor : public grpc::ServerGenericBidiReactor {
 public:
  ExchangeReactor(grpc::GenericCallbackServerContext* context, GatewayRuntimePtr runtime,
                  ListenerRole role)
      : context_(context), runtime_(std::move(runtime)), role_(role), started_(absl::Now()) {
    method_ = std::string(CanonicalMethodName(context_->method()));
    Begin();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Refuse(absl::InvalidArgumentError("the call carried no request message"));
      return;
    }
    Forward();
  }

  void OnWriteDone(bool) override {}

  void OnDone() override {
    // Reclaims the ownership handed to gRPC in CreateReactor.
    std::unique_ptr<ExchangeReactor> self(this);
  }

 private:
  void Begin() {
    absl::StatusOr<VerifiedPeer> caller =
        runtime_->authenticator(role_).Authenticate(*context_->auth_context(), started_);
    if (!caller.ok()) {
      Refuse(caller.status());
      return;
    }
    caller_ = *std::move(caller);

    const google::protobuf::MethodDescriptor* descriptor =
        runtime_->snapshot().catalog().FindMethod(method_);
    if (descriptor != nullptr &&
        (descriptor->client_streaming() || descriptor->server_streaming())) {
      Refuse(absl::UnimplementedError(
          absl::StrCat(method_, " is a streaming method; the gateway carries unary calls only")));
      return;
    }

    const auto& metadata = context_->client_metadata();
    ExchangeHeaders headers{HeaderValue(metadata, kTargetKey), HeaderValue(metadata, kPurposeKey),
                            HeaderValue(metadata, kAgreementKey), "", ""};
    ExchangeRouter router(runtime_->snapshot());
    absl::StatusOr<RouteDecision> route;
    if (role_ == ListenerRole::kAgency) {
      // Whatever consumer or exchange id the agency set is ignored: the gateway sets its own.
      route = router.RouteAgencyCall(caller_, headers, method_, NewExchangeId());
    } else {
      headers.consumer = HeaderValue(metadata, kConsumerKey);
      headers.exchange_id = HeaderValue(metadata, kExchangeIdKey);
      route = router.RouteFederationCall(caller_, headers, method_);
    }
    if (!route.ok()) {
      Refuse(route.status());
      return;
    }
    route_ = *std::move(route);
    upstream_ = route_.hop == RouteDecision::Hop::kPeerGateway
                    ? runtime_->upstreams().PeerGateway(route_.upstream)
                    : runtime_->upstreams().Provider(route_.upstream);
    if (upstream_ == nullptr) {
      Refuse(absl::NotFoundError(absl::StrCat("no channel to ", route_.upstream)));
      return;
    }
    agreement_id_ = headers.agreement;
    if (!Authorize(headers, HeaderValue(metadata, kAgreementDigestKey))) return;
    context_->AddInitialMetadata(kExchangeIdKey, route_.exchange_id);
    StartRead(&request_);
  }

  // The agreement stage, on both gateways: the call must be allowed by the agreement it names,
  // and the provider gateway's copy must be the consumer gateway's. False when refused.
  bool Authorize(const ExchangeHeaders& headers, const std::string& peer_digest) {
    bool provider_side = role_ == ListenerRole::kFederation;
    AgreementDecision decision = pasarela::Authorize(
        runtime_->snapshot().agreements(),
        CallFacts{route_.consumer, route_.provider, method_, headers.purpose, headers.agreement,
                  provider_side ? peer_digest : std::string(), started_},
        runtime_->quota());
    if (decision.allowed && provider_side && peer_digest.empty()) {
      decision.allowed = false;
      decision.rule = kRuleAgreementMismatch;
      decision.status = absl::PermissionDeniedError(
          absl::StrCat("gateway ", caller_.gateway_country, " sent no ", kAgreementDigestKey,
                       ": the two copies of agreement ", headers.agreement, " cannot be compared"));
    }
    if (!decision.allowed) {
      deny_rule_ = decision.rule;
      Refuse(decision.status);
      return false;
    }
    agreement_ = decision.agreement;
    if (route_.hop == RouteDecision::Hop::kPeerGateway) {
      route_.metadata.emplace_back(kAgreementDigestKey, agreement_->digest);
    }
    return true;
  }

  // Data minimisation at the gateway in front of the provider: only the response fields the
  // agreement lists leave. A response that does not parse as the method's type does not leave.
  absl::Status TrimResponse() {
    const google::protobuf::MethodDescriptor* descriptor =
        runtime_->snapshot().catalog().FindMethod(method_);
    const ResponseTrimmer* trimmer =
        runtime_->snapshot().agreements().FindTrimmer(agreement_->id, method_);
    if (descriptor == nullptr || trimmer == nullptr) {
      return absl::InternalError(
          absl::StrCat("agreement ", agreement_->id, " has no response allow-list for ", method_));
    }
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (!response_.Dump(&slices).ok()) return absl::InternalError("unreadable response");
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    std::unique_ptr<google::protobuf::Message> message =
        runtime_->NewMessage(descriptor->output_type());
    if (!message->ParseFromString(bytes)) {
      return absl::InternalError(absl::StrCat(upstream_->description(),
                                              " answered bytes that are not a ",
                                              descriptor->output_type()->full_name()));
    }
    TrimReport report = trimmer->Trim(message.get());
    if (report.trimmed()) {
      withheld_ = absl::StrJoin(report.withheld, ",");
      std::string trimmed = message->SerializeAsString();
      grpc::Slice slice(trimmed);
      response_ = grpc::ByteBuffer(&slice, 1);
    }
    return absl::OkStatus();
  }

  void Forward() {
    upstream_context_ = grpc::ClientContext::FromCallbackServerContext(*context_);
    if (context_->deadline() == std::chrono::system_clock::time_point::max()) {
      upstream_context_->set_deadline(
          absl::ToChronoTime(started_ + runtime_->snapshot().gateway().default_deadline));
    }
    for (const auto& [key, value] : route_.metadata) upstream_context_->AddMetadata(key, value);
    upstream_->Pick().UnaryCall(upstream_context_.get(), absl::StrCat("/", method_),
                                grpc::StubOptions(), &request_, &response_,
                                [this](grpc::Status status) { OnUpstreamDone(std::move(status)); });
  }

  void OnUpstreamDone(grpc::Status status) {
    const auto& trailers = upstream_context_->GetServerTrailingMetadata();
    bool answered_by_gateway = trailers.count(kAnsweredByKey) > 0;
    if (route_.hop == RouteDecision::Hop::kPeerGateway && answered_by_gateway) {
      // What the provider gateway withheld or refused, for the agency and its programs.
      for (const char* key : {kDenyRuleKey, kWithheldKey}) {
        auto it = trailers.find(key);
        if (it != trailers.end()) {
          std::string value(it->second.data(), it->second.size());
          if (key == kWithheldKey) withheld_ = value;
          if (key == kDenyRuleKey) deny_rule_ = value;
        }
      }
    }
    if (status.ok()) {
      if (route_.hop == RouteDecision::Hop::kLocalProvider) {
        absl::Status trimmed = TrimResponse();
        if (!trimmed.ok()) {
          Answer(ToGrpcStatus(trimmed), false);
          return;
        }
      }
      Answer(grpc::Status::OK, /*with_response=*/true);
      return;
    }
    if (route_.hop == RouteDecision::Hop::kPeerGateway && answered_by_gateway) {
      // The peer gateway decided this status and said why: relay it unchanged.
      relayed_ = true;
      Answer(status, false);
      return;
    }
    std::string message = status.error_message();
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      message = absl::StrCat(upstream_->description(), " unreachable: ", status.error_message());
    } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      message = absl::StrCat("deadline exceeded waiting for ", upstream_->description());
    }
    Answer(grpc::Status(status.error_code(), message), false);
  }

  void Refuse(const absl::Status& status) {
    LogWarning(absl::StrCat(
        "refused call ", method_, " on ", ListenerRoleName(role_), " listener from ",
        context_->peer(), caller_.uri.empty() ? "" : absl::StrCat(" (", caller_.Describe(), ")"),
        ": ", StatusCodeName(static_cast<grpc::StatusCode>(status.code())), ": ", status.message(),
        deny_rule_.empty() ? "" : absl::StrCat(" [rule ", deny_rule_, "]")));
    Answer(ToGrpcStatus(status), false);
  }

  void Answer(const grpc::Status& status, bool with_response) {
    if (!relayed_) {
      context_->AddTrailingMetadata(kAnsweredByKey, runtime_->snapshot().gateway().country);
    }
    if (!deny_rule_.empty()) context_->AddTrailingMetadata(kDenyRuleKey, deny_rule_);
    if (!withheld_.empty()) context_->AddTrailingMetadata(kWithheldKey, withheld_);
    if (!route_.exchange_id.empty()) {
      LogInfo(absl::StrFormat("exchange %s %s %s -> %s via %s under %s: %s%s%s%s (%.2f ms)",
                              route_.exchange_id, method_, route_.consumer, route_.provider,
                              ListenerRoleName(role_),
                              agreement_id_.empty() ? "no agreement" : agreement_id_,
                              StatusCodeName(status.error_code()),
                              status.ok() ? "" : absl::StrCat(" ", status.error_message()),
                              deny_rule_.empty() ? "" : absl::StrCat(" [rule ", deny_rule_, "]"),
                              withheld_.empty() ? "" : absl::StrCat(" [withheld ", withheld_, "]"),
                              absl::ToDoubleMilliseconds(absl::Now() - started_)));
    }
    if (with_response) {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
    } else {
      Finish(status);
    }
  }

  grpc::GenericCallbackServerContext* context_;
  // Held for the whole call: a reload never changes the rules under it.
  GatewayRuntimePtr runtime_;
  ListenerRole role_;
  absl::Time started_;
  std::string method_;
  VerifiedPeer caller_;
  RouteDecision route_;
  ChannelPool* upstream_ = nullptr;
  std::unique_ptr<grpc::ClientContext> upstream_context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  bool relayed_ = false;
  const Agreement* agreement_ = nullptr;
  std::string agreement_id_;
  std::string deny_rule_;
  std::string withheld_;
};

}  // namespace

grpc::ServerGenericBidiReactor* ExchangeService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  // gRPC takes ownership and returns it through OnDone.
  return std::make_unique<ExchangeReactor>(context, runtime_.Get(), role_).release();
}

}  // namespace pasarela
