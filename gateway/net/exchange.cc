#include "gateway/net/exchange.h"

#include <google/protobuf/descriptor.h>
#include <grpc/grpc_security_constants.h>
#include <grpcpp/alarm.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/agreement/decision.h"
#include "gateway/audit/audit_tools.h"
#include "gateway/audit/timestamp.h"
#include "gateway/classify/minimiser.h"
#include "gateway/classify/payload_classifier.h"
#include "gateway/common/digest.h"
#include "gateway/common/line_batch.h"
#include "gateway/common/log.h"
#include "gateway/mapping/mapping.h"
#include "gateway/mapping/verify_claims.h"
#include "gateway/net/data_subject.h"
#include "gateway/net/federation_facts.h"
#include "gateway/net/federation_stream_client.h"
#include "gateway/net/message_bytes.h"
#include "gateway/routing/exchange_router.h"
#include "gateway/routing/metadata_keys.h"

namespace pasarela {
namespace {

constexpr char kGetPersonMethod[] = "pasarela.identity.v1.IdentityService/GetPerson";
constexpr char kVerifyIdentityMethod[] = "pasarela.identity.v1.IdentityService/VerifyIdentity";

std::string HexToBytes(absl::string_view hex) {
  if (absl::StartsWith(hex, "sha256:")) hex.remove_prefix(7);
  return absl::HexStringToBytes(hex);
}

// True for gRPC's own "Received message larger than max (N vs. M)", which names sizes only.
bool IsSizeLimitMessage(absl::string_view message) {
  return absl::ConsumePrefix(&message, "Received message larger than max (") &&
         absl::ConsumeSuffix(&message, ")") &&
         message.find_first_not_of("0123456789 vs.") == absl::string_view::npos;
}

// The canonical name of a gRPC code ("PERMISSION_DENIED"), as the metrics and access log write it.
absl::string_view StatusCodeName(grpc::StatusCode code) {
  return admin::StatusCodeName(static_cast<absl::StatusCode>(code));
}

// The first block of each exchange's message arena, inside the exchange: an identity lookup's
// messages (both schemas, request and answer) take 1.5 to 1.8 KiB of it.
constexpr size_t kArenaBlockBytes = 4096;

google::protobuf::ArenaOptions ArenaOptionsFor(char* block, size_t size) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = size;
  return options;
}

// Measures a stage from `started` to the end of the scope.
class StageTimer {
 public:
  StageTimer(absl::optional<absl::Duration>* out, absl::Time started)
      : out_(out), started_(started) {}
  ~StageTimer() { *out_ = absl::Now() - started_; }

 private:
  absl::optional<absl::Duration>* out_;
  absl::Time started_;
};

// How early before its deadline a caller's cancellation may arrive and still be its deadline.
constexpr absl::Duration kDeadlineJitter = absl::Milliseconds(50);

// How long after a failed read of the request gRPC may take to say that it cancelled the call.
constexpr absl::Duration kCancellationGrace = absl::Milliseconds(100);

// One exchange through the gateway, owned by its InboundCall's implementation.
class ExchangePipeline : public Exchange {
 public:
  ExchangePipeline(InboundCall& call, GatewayRuntimePtr runtime, const ExchangeServices& services,
                   ListenerRole role)
      : call_(call),
        runtime_(std::move(runtime)),
        services_(services),
        role_(role),
        started_(absl::Now()) {
    if (services_.exchanges_in_progress != nullptr) services_.exchanges_in_progress->fetch_add(1);
    called_method_ = std::string(CanonicalMethodName(call_.method()));
    method_ = called_method_;
  }
  ~ExchangePipeline() override {
    if (services_.exchanges_in_progress != nullptr) services_.exchanges_in_progress->fetch_sub(1);
  }

  void RequestRead(bool ok) override {
    if (!ok) {
      // gRPC cancels a call whose request is larger than the listener accepts, and may tell this
      // reactor after the failed read: the refusal waits a moment for it, so that the records say
      // what the caller received.
      if (call_.IsCancelled()) {
        Refuse(NoRequestStatus());
      } else {
        no_request_alarm_ = std::make_unique<grpc::Alarm>();
        no_request_alarm_->Set(absl::ToChronoTime(absl::Now() + kCancellationGrace),
                               [this](bool) { Refuse(NoRequestStatus()); });
      }
      return;
    }
    if (!ReadRequest()) return;
    if (!Authorize()) return;
    if (!services_.audit->healthy()) {
      // Fail closed before anything crosses: what this gateway cannot record must not reach the
      // peer gateway or the provider. The append refuses it too and answers with the reason.
      Answer(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the audit trail cannot be written"),
             false);
      return;
    }
    Forward();
  }

  // The call ended before its answer went out: the caller cancelled it, its deadline passed, or
  // the connection went. The upstream call made from the call's context ends with it.
  // A framed call is given up on its stream, which tells the peer gateway.
  void CallerGone() override {
    caller_gone_.store(true);
    std::shared_ptr<FederationStreamClient> stream;
    uint64_t id = 0;
    {
      absl::MutexLock lock(&frame_mu_);
      stream = frame_stream_;
      id = frame_id_;
    }
    if (stream != nullptr && id != 0) GiveUpFrame(*stream, id);
  }

  void Start() override {
    // The exchange id names the audit records of both sides: the consumer gateway draws it, the
    // provider gateway takes the one its peer sent (checked by the router).
    absl::StatusOr<CallFactsFromPeer> peer_facts;
    if (role_ == ListenerRole::kAgency) {
      exchange_id_ = NewExchangeId();
      // Every answer names its exchange, refusals before routing too: the agency quotes it when
      // it asks what happened.
      call_.SendExchangeId(exchange_id_);
    } else {
      federation_protocol_ = call_.federation_protocol();
      peer_facts = call_.PeerFacts();
      if (peer_facts.ok()) exchange_id_ = peer_facts->headers.exchange_id;
    }
    if (role_ == ListenerRole::kAgency) {
      // An agency calling in its own national schema: the exchange runs on the canonical method.
      consumer_binding_ = runtime_->snapshot().services().FindConsumerBinding(called_method_);
      if (consumer_binding_ != nullptr) method_ = consumer_binding_->canonical;
    }
    absl::StatusOr<VerifiedPeer> caller =
        runtime_->authenticator(role_).Authenticate(call_.auth_context(), started_);
    if (!caller.ok()) {
      Refuse(caller.status());
      return;
    }
    caller_ = *std::move(caller);

    const google::protobuf::MethodDescriptor* descriptor =
        runtime_->snapshot().catalog().FindMethod(method_);
    if (descriptor != nullptr &&
        (descriptor->client_streaming() || descriptor->server_streaming())) {
      // The refusal is UNIMPLEMENTED whatever else is wrong with the call, but its records name
      // the target, agreement and purpose the call gave, as those of every other refusal do.
      if (role_ == ListenerRole::kAgency) {
        absl::StatusOr<ExchangeHeaders> headers = call_.AgencyHeaders();
        if (headers.ok()) claimed_ = *std::move(headers);
      } else if (peer_facts.ok()) {
        claimed_ = peer_facts->headers;
      }
      agreement_id_ = claimed_.agreement;
      purpose_ = claimed_.purpose;
      Refuse(absl::UnimplementedError(
          absl::StrCat(method_, " is a streaming method; the gateway carries unary calls only")));
      return;
    }

    ExchangeRouter router(runtime_->snapshot());
    absl::StatusOr<RouteDecision> route;
    if (role_ == ListenerRole::kAgency) {
      // Whatever consumer or exchange id the agency set is ignored, and so is any other header
      // only gateways set: the gateway sets its own.
      absl::StatusOr<ExchangeHeaders> headers = call_.AgencyHeaders();
      if (!headers.ok()) {
        Refuse(headers.status());
        return;
      }
      claimed_ = *std::move(headers);
      route = router.RouteAgencyCall(caller_, claimed_, method_, exchange_id_);
    } else {
      if (!peer_facts.ok()) {
        Refuse(peer_facts.status());
        return;
      }
      claimed_ = std::move(peer_facts->headers);
      peer_agreement_digest_ = std::move(peer_facts->agreement_digest);
      route = router.RouteFederationCall(caller_, claimed_, method_);
    }
    // Named in the records of a refusal too, as the caller gave them.
    agreement_id_ = claimed_.agreement;
    purpose_ = claimed_.purpose;
    if (!route.ok()) {
      Refuse(route.status());
      return;
    }
    route_ = *std::move(route);
    absl::Status admitted = services_.in_flight->Acquire(route_.consumer, &slot_);
    if (!admitted.ok()) {
      deny_rule_ = "overload";
      Refuse(admitted);
      return;
    }
    upstream_ = route_.hop == RouteDecision::Hop::kPeerGateway
                    ? runtime_->upstreams().PeerGateway(route_.upstream)
                    : runtime_->upstreams().Provider(route_.upstream);
    if (upstream_ == nullptr) {
      Refuse(absl::NotFoundError(absl::StrCat("no channel to ", route_.upstream)));
      return;
    }
    if (role_ == ListenerRole::kFederation) call_.SendExchangeId(route_.exchange_id);
    call_.ReadRequest(&request_);
  }

 private:
  // Why no request was read, as the caller learnt it. A call that ends without its message is
  // cancelled by gRPC when the message is larger than the listener accepts (the caller receives
  // gRPC's own RESOURCE_EXHAUSTED), or by the caller's deadline; only a call that half-closed
  // without a message is the caller's malformed call.
  absl::Status NoRequestStatus() const {
    if (!call_.IsCancelled()) {
      return absl::InvalidArgumentError("the call carried no request message");
    }
    if (call_.deadline() <= absl::Now() + kDeadlineJitter) {
      return absl::DeadlineExceededError("the deadline passed before the request arrived");
    }
    return absl::ResourceExhaustedError(
        absl::StrCat("the request did not arrive: larger than limits.max_message_bytes (",
                     runtime_->snapshot().gateway().max_message_bytes,
                     " bytes), or the caller cancelled the call while sending it"));
  }

  // Digests the request and finds whom it is about, so that the audit record names the subject
  // (by pseudonym) of refused exchanges too. False when refused.
  //
  // The request is parsed once: the canonical message is kept for the stages that read it (data
  // subject, classification, the provider's mapping, a verification lookup).
  bool ReadRequest() {
    grpc::Slice request_bytes = FlatBytes(request_);
    if (consumer_binding_ != nullptr) {
      absl::StatusOr<google::protobuf::Message*> national =
          Parse(*consumer_binding_->request_plan->source_type(), BytesOf(request_bytes));
      absl::StatusOr<google::protobuf::Message*> canonical =
          national.ok() ? Map(**national, *consumer_binding_->request_plan)
                        : std::move(national).status();
      if (!canonical.ok()) {
        Refuse(absl::InvalidArgumentError(canonical.status().message()));
        return false;
      }
      canonical_request_ = *std::move(canonical);
      request_ = SerializeToByteBuffer(*canonical_request_);
      request_bytes = FlatBytes(request_);
    }
    bytes_in_ = request_bytes.size();
    request_digest_ = Sha256Digest(BytesOf(request_bytes));
    // The federation listener takes messages a frame's fields larger than the limit; the payload
    // is held to it here, as the agency listener's gRPC holds an agency's.
    const GatewayConfig& gateway = runtime_->snapshot().gateway();
    if (role_ == ListenerRole::kFederation &&
        bytes_in_ > static_cast<uint64_t>(gateway.max_message_bytes)) {
      Refuse(absl::ResourceExhaustedError(absl::StrCat(
          "the request is ", bytes_in_, " bytes, larger than limits.max_message_bytes of gateway ",
          gateway.country, " (", gateway.max_message_bytes, " bytes)")));
      return false;
    }
    const google::protobuf::MethodDescriptor* descriptor =
        runtime_->snapshot().catalog().FindMethod(method_);
    if (descriptor == nullptr) return true;
    if (canonical_request_ == nullptr) {
      absl::StatusOr<google::protobuf::Message*> parsed =
          Parse(*descriptor->input_type(), BytesOf(request_bytes));
      if (!parsed.ok()) {
        Refuse(absl::InvalidArgumentError(
            absl::StrCat("the request is not a valid ", descriptor->input_type()->full_name())));
        return false;
      }
      canonical_request_ = *std::move(parsed);
    }
    std::string subject = DataSubjectOf(*canonical_request_);
    if (!subject.empty()) {
      subject_pseudonym_ = audit::SubjectPseudonym(services_.pseudonym_key, subject);
    }
    RecordClassification(*canonical_request_, /*in_request=*/true, nullptr);
    return true;
  }

  // `bytes` parsed as `type` from the runtime's pool, on the exchange's arena, or INVALID_ARGUMENT
  // naming the type.
  absl::StatusOr<google::protobuf::Message*> Parse(const google::protobuf::Descriptor& type,
                                                   absl::string_view bytes) {
    google::protobuf::Message* message = runtime_->NewMessage(&type, &arena_);
    // A proto3 message has no required fields, so the check of them that ParseFromString makes
    // (through reflection, allocating, for the runtime pool's messages) can only pass.
    const bool check_required =
        type.file()->syntax() != google::protobuf::FileDescriptor::SYNTAX_PROTO3;
    if (!message->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        (check_required && !message->IsInitialized())) {
      return absl::InvalidArgumentError(
          absl::StrCat("the message is not a valid ", type.full_name()));
    }
    return message;
  }

  // `source` mapped by `plan` into a new message of the plan's target type, on the arena.
  absl::StatusOr<google::protobuf::Message*> Map(const google::protobuf::Message& source,
                                                 const MappingPlan& plan) {
    // Mapping may run twice in a call (request and response): the stage is their sum.
    absl::Time started = absl::Now();
    google::protobuf::Message* target = runtime_->NewMessage(plan.target_type(), &arena_);
    absl::Status mapped = plan.Apply(source, target);
    map_duration_ = map_duration_.value_or(absl::ZeroDuration()) + (absl::Now() - started);
    // Apply's errors name the mapping and the field themselves (mapping.h).
    if (!mapped.ok()) return mapped;
    return target;
  }

  // Adds what `message` carries, by field path and category, to the audit record's summary;
  // `treated`, on the provider side, says what the agreement did to each item.
  void RecordClassification(const google::protobuf::Message& message, bool in_request,
                            const classify::MinimisationReport* treated) {
    AddDisclosed(
        classify::PayloadClassifier(runtime_->snapshot().classification()).Classify(message),
        in_request, treated);
  }

  // Takes the paths of `summary` (moved, not copied) into what the exchange disclosed.
  void AddDisclosed(classify::ClassificationSummary summary, bool in_request,
                    const classify::MinimisationReport* treated) {
    auto treatment_of = [treated](const std::string& path, DataCategory category,
                                  bool detected) -> absl::optional<DataTreatment> {
      if (treated == nullptr) return absl::nullopt;
      for (const classify::TreatedData& data : treated->treated) {
        if (data.category == category && data.detected == detected && data.path == path) {
          return data.treatment;
        }
      }
      return DataTreatment::kAllow;
    };
    disclosed_.reserve(disclosed_.size() + summary.declared.size() + summary.undeclared.size());
    for (classify::DeclaredField& field : summary.declared) {
      // The treatment is looked up before the path is moved away.
      absl::optional<DataTreatment> treatment = treatment_of(field.path, field.category, false);
      disclosed_.push_back(
          {std::move(field.path), field.category, "", false, in_request, treatment});
    }
    for (classify::UndeclaredData& found : summary.undeclared) {
      absl::optional<DataTreatment> treatment = treatment_of(found.path, found.category, true);
      disclosed_.push_back({std::move(found.path), found.category, std::string(found.detector),
                            true, in_request, treatment});
    }
  }

  // The agreement stage, on both gateways: the call must be allowed by the agreement it names,
  // and the provider gateway's copy must be the consumer gateway's. False when refused.
  bool Authorize() {
    absl::Time authorise_started = absl::Now();
    StageTimer timer(&authorise_duration_, authorise_started);
    bool provider_side = role_ == ListenerRole::kFederation;
    const std::string& peer_digest = peer_agreement_digest_;
    AgreementDecision decision = pasarela::Authorize(
        runtime_->snapshot().agreements(),
        CallFacts{route_.consumer, route_.provider, method_, purpose_, agreement_id_,
                  provider_side ? peer_digest : std::string(), started_},
        runtime_->quota());
    if (decision.allowed && provider_side && peer_digest.empty()) {
      decision.allowed = false;
      decision.rule = kRuleAgreementMismatch;
      decision.status = absl::PermissionDeniedError(
          absl::StrCat("gateway ", caller_.gateway_country, " sent no ", kAgreementDigestKey,
                       ": the two copies of agreement ", agreement_id_, " cannot be compared"));
    }
    if (!decision.allowed) {
      deny_rule_ = decision.rule;
      Refuse(decision.status);
      return false;
    }
    agreement_ = decision.agreement;
    if (route_.hop == RouteDecision::Hop::kPeerGateway && !route_.compact) {
      route_.metadata.emplace_back(kAgreementDigestKey, agreement_->digest);
    }
    return true;
  }

  // Data minimisation at the gateway in front of the provider: only the response fields the
  // agreement lists leave, and personal data beyond the agreement's limit is treated (dropped,
  // redacted, masked, pseudonymised) or refuses the exchange. A response that does not parse as
  // the method's type does not leave.
  absl::Status MinimiseResponse() {
    const google::protobuf::MethodDescriptor* descriptor =
        runtime_->snapshot().catalog().FindMethod(method_);
    const ResponseTrimmer* trimmer =
        runtime_->snapshot().agreements().FindTrimmer(agreement_->id, method_);
    const classify::PersonalDataMinimiser* minimiser = runtime_->Minimiser(agreement_->id);
    if (descriptor == nullptr || trimmer == nullptr || minimiser == nullptr) {
      return absl::InternalError(
          absl::StrCat("agreement ", agreement_->id, " has no response allow-list for ", method_));
    }
    if (canonical_response_ == nullptr) {
      absl::StatusOr<google::protobuf::Message*> parsed =
          Parse(*descriptor->output_type(), BytesOf(FlatBytes(response_)));
      if (!parsed.ok()) {
        return absl::InternalError(absl::StrCat(upstream_->description(),
                                                " answered bytes that are not a ",
                                                descriptor->output_type()->full_name()));
      }
      canonical_response_ = *std::move(parsed);
    } else if (canonical_response_->GetDescriptor() != descriptor->output_type()) {
      return absl::InternalError(absl::StrCat("the mapped answer is a ",
                                              canonical_response_->GetDescriptor()->full_name(),
                                              ", not a ", descriptor->output_type()->full_name()));
    }
    google::protobuf::Message* message = canonical_response_;
    StageTimer timer(&classify_duration_, absl::Now());
    // Trimming first: fields that will not cross are never scanned and cannot refuse the call.
    TrimReport trimmed = trimmer->Trim(message);
    classify::ClassificationSummary summary;
    absl::StatusOr<classify::MinimisationReport> treated = minimiser->Minimise(message, &summary);
    if (!treated.ok()) {
      deny_rule_ = "personal-data-not-allowed";
      return treated.status();
    }
    AddDisclosed(std::move(summary), /*in_request=*/false, &*treated);
    std::vector<std::string> withheld = trimmed.withheld;
    if (treated->changed()) withheld.push_back(treated->TrailerValue());
    withheld_ = absl::StrJoin(withheld, ",");
    // Serialized once, after mapping, trimming and treatment.
    response_ = SerializeToByteBuffer(*message);
    return absl::OkStatus();
  }

  void Forward() {
    forward_started_ = absl::Now();
    if (route_.hop == RouteDecision::Hop::kPeerGateway) {
      federation_protocol_ = route_.framed ? 3 : route_.compact ? 2 : 1;
    }
    // A frame carries its facts and deadline itself.
    if (!route_.framed) {
      upstream_context_ = call_.NewUpstreamContext();
      // The call's context carries the caller's own.
      if (call_.deadline() == absl::InfiniteFuture()) {
        upstream_context_->set_deadline(absl::ToChronoTime(UpstreamDeadline()));
      }
      if (route_.compact) {
        upstream_context_->AddMetadata(
            kCallFactsKey,
            CallFactsHeader({route_.provider, route_.consumer, route_.exchange_id, purpose_,
                             agreement_id_,
                             agreement_ != nullptr ? absl::string_view(agreement_->digest) : ""}));
      }
      for (const auto& [key, value] : route_.metadata) upstream_context_->AddMetadata(key, value);
    }
    std::string upstream_method = method_;
    upstream_request_ = request_;
    if (route_.hop == RouteDecision::Hop::kLocalProvider) {
      absl::StatusOr<const ProviderService*> provider =
          runtime_->snapshot().services().Find(route_.provider, method_);
      provider_binding_ = provider.ok() ? (*provider)->FindBinding(method_) : nullptr;
      if (provider.ok() && (*provider)->verify_by_lookup && method_ == kVerifyIdentityMethod) {
        verify_provider_ = *provider;
        provider_binding_ = (*provider)->FindBinding(kGetPersonMethod);
      }
    }
    if (verify_provider_ != nullptr) {
      absl::Status lookup = PrepareVerificationLookup();
      if (!lookup.ok()) {
        Answer(ToGrpcStatus(lookup), false);
        return;
      }
      upstream_method = provider_binding_->national;
    } else if (provider_binding_ != nullptr) {
      // The provider answers in its national schema.
      if (canonical_request_ == nullptr) {
        Answer(grpc::Status(grpc::StatusCode::INTERNAL,
                            absl::StrCat(method_,
                                         " is bound to a national method but is not in "
                                         "the descriptor catalog")),
               false);
        return;
      }
      absl::StatusOr<google::protobuf::Message*> national =
          Map(*canonical_request_, *provider_binding_->request_plan);
      if (!national.ok()) {
        Answer(ToGrpcStatus(national.status()), false);
        return;
      }
      upstream_request_ = SerializeToByteBuffer(**national);
      upstream_method = provider_binding_->national;
    }
    upstream_channel_ = upstream_->Pick();
    if (upstream_->server_trust() != nullptr) TakeNoRevokedConnection(*upstream_->server_trust());
    if (route_.framed) {
      SendFrame(upstream_method);
      return;
    }
    upstream_channel_.channel->stub().UnaryCall(
        upstream_context_.get(), absl::StrCat("/", upstream_method), grpc::StubOptions(),
        &upstream_request_, &response_,
        [this](grpc::Status status) { OnUpstreamDone(std::move(status)); });
  }

  // The upstream call's deadline: the caller's, or the gateway's default when it set none.
  absl::Time UpstreamDeadline() const {
    return call_.deadline() == absl::InfiniteFuture()
               ? started_ + runtime_->snapshot().gateway().default_deadline
               : call_.deadline();
  }

  // The framed call's caller gave up: its stream ends it and tells the peer gateway.
  static void GiveUpFrame(FederationStreamClient& stream, uint64_t id) {
    stream.GiveUp(id, absl::CancelledError("the caller cancelled the call"));
  }

  // Federation protocol 3: the call goes as a frame on the stream of the connection picked, with
  // what is left of its deadline; the frame's answer continues the exchange as a call's would.
  void SendFrame(const std::string& upstream_method) {
    const absl::Time deadline = UpstreamDeadline();
    federation::v1::CallFrame frame;
    frame.set_method(absl::StrCat("/", upstream_method));
    // A deadline already past still goes, and ends at once at the peer, which records it.
    frame.set_timeout_micros(
        std::max<int64_t>(1, absl::ToInt64Microseconds(deadline - absl::Now())));
    federation::v1::CallFacts* facts = frame.mutable_facts();
    facts->set_target(route_.provider);
    facts->set_consumer(route_.consumer);
    facts->set_exchange_id(route_.exchange_id);
    facts->set_purpose(purpose_);
    facts->set_agreement(agreement_id_);
    if (agreement_ != nullptr) facts->set_agreement_digest(agreement_->digest);
    const grpc::Slice request = FlatBytes(upstream_request_);
    const absl::string_view request_bytes = BytesOf(request);
    frame.set_request(request_bytes.data(), request_bytes.size());
    std::shared_ptr<FederationStreamClient> stream = upstream_channel_.channel->FrameStream();
    {
      absl::MutexLock lock(&frame_mu_);
      frame_stream_ = stream;
    }
    absl::StatusOr<uint64_t> id =
        stream->Send(std::move(frame), [this](absl::StatusOr<federation::v1::AnswerFrame> answer) {
          OnFrameAnswer(std::move(answer));
        });
    if (!id.ok()) {
      OnFrameAnswer(id.status());
      return;
    }
    {
      absl::MutexLock lock(&frame_mu_);
      frame_id_ = *id;
    }
    // CallerGone may have come before the id was known.
    if (caller_gone_.load()) GiveUpFrame(*stream, *id);
    // A caller with a deadline cancels the call when it passes (CallerGone); the gateway's
    // default deadline needs a timer. It holds the stream and the id, never the exchange.
    if (call_.deadline() == absl::InfiniteFuture()) {
      frame_deadline_alarm_ = std::make_unique<grpc::Alarm>();
      frame_deadline_alarm_->Set(absl::ToChronoTime(deadline), [stream, id = *id](bool fired) {
        if (fired) stream->GiveUp(id, absl::DeadlineExceededError("the deadline passed"));
      });
    }
  }

  // The end of a framed call: the peer gateway's answer, or why none came.
  void OnFrameAnswer(absl::StatusOr<federation::v1::AnswerFrame> answer) {
    forward_duration_ = absl::Now() - forward_started_;
    if (!answer.ok()) {
      OnUpstreamAnswer(ToGrpcStatus(answer.status()), /*peer_said=*/false, AnswerFactsFromPeer());
      return;
    }
    if (answer->code() == 0) {
      grpc::Slice slice(answer->response());
      response_ = grpc::ByteBuffer(&slice, 1);
    }
    AnswerFactsFromPeer facts;
    if (answer->has_facts()) facts = TakeAnswerFacts(*answer->mutable_facts());
    OnUpstreamAnswer(grpc::Status(static_cast<grpc::StatusCode>(answer->code()), answer->message()),
                     /*peer_said=*/true, std::move(facts));
  }

  // The handshake checked the upstream's certificate against the CRL then in force, and the
  // connection outlives it. A channel whose connection last presented a certificate that `trust`
  // no longer accepts (revoked or expired since) is replaced before the request is sent, so that
  // the request goes only through a new handshake, which refuses the upstream or takes the
  // certificate it presents now. A cached verdict: one hash lookup per call.
  void TakeNoRevokedConnection(const TrustStore& trust) {
    std::shared_ptr<const std::string> presented = upstream_channel_.channel->last_certificate();
    if (presented == nullptr) return;
    absl::Status trusted = trust.Check(*presented, absl::Now());
    if (trusted.ok()) return;
    LogWarning(absl::StrCat("exchange ", route_.exchange_id, ": ", upstream_->description(),
                            " presented on its open connection a certificate refused since: ",
                            trusted.message(), "; the call takes a new connection"));
    upstream_channel_ = ReplaceUpstreamConnection();
  }

  // Replaces the channel this call took, so that no later call takes its connection, and returns
  // the one now in its place; counted once per replacement, whichever call made it.
  ChannelPool::Picked ReplaceUpstreamConnection() {
    bool replaced = false;
    ChannelPool::Picked now = upstream_->Reconnect(upstream_channel_, &replaced);
    if (replaced && services_.metrics != nullptr) {
      services_.metrics->RecordConnectionReplaced(
          route_.hop == RouteDecision::Hop::kPeerGateway
              ? admin::GatewayMetrics::ReplacedUpstream::kPeerGateway
              : admin::GatewayMetrics::ReplacedUpstream::kProvider);
    }
    return now;
  }

  // The end of an upstream gRPC call.
  void OnUpstreamDone(grpc::Status status) {
    forward_duration_ = absl::Now() - forward_started_;
    absl::StatusOr<AnswerFactsFromPeer> facts = AnswerFactsFromPeer();
    if (route_.hop == RouteDecision::Hop::kPeerGateway) {
      facts = ReadAnswerFacts(upstream_context_->GetServerTrailingMetadata());
    }
    // gRPC marks a status that came from the other end ("Error received from peer"); one it made
    // itself (no connection, deadline, cancellation) names only addresses.
    const bool peer_said =
        !status.ok() &&
        absl::StrContains(upstream_context_->debug_error_string(), "Error received from peer");
    OnUpstreamAnswer(std::move(status), peer_said, std::move(facts));
  }

  // What came back from upstream, by a call or a frame: `status`, whether the upstream itself
  // said it (rather than this side's gRPC or stream), and the peer gateway's facts.
  void OnUpstreamAnswer(grpc::Status status, bool peer_said,
                        absl::StatusOr<AnswerFactsFromPeer> facts) {
    if (upstream_->server_trust() != nullptr) {
      absl::Status trusted = CheckUpstreamStillTrusted(*upstream_->server_trust());
      if (!trusted.ok()) {
        LogWarning(trusted.message());
        // No later call takes that connection.
        ReplaceUpstreamConnection();
        Answer(ToGrpcStatus(trusted), false);
        return;
      }
    }
    if (verify_provider_ != nullptr && status.error_code() == grpc::StatusCode::NOT_FOUND) {
      // Nobody with that identifier: a verification answers "not found", not an error.
      AnswerVerification(nullptr);
      return;
    }
    if (!facts.ok()) {
      Answer(grpc::Status(
                 grpc::StatusCode::INTERNAL,
                 absl::StrCat("gateway ", route_.upstream,
                              " answered with malformed metadata: ", facts.status().message())),
             false);
      return;
    }
    AnswerFactsFromPeer peer_answer = *std::move(facts);
    const bool answered_by_gateway = peer_answer.answered_by_gateway;
    if (answered_by_gateway) {
      // What the provider gateway withheld or refused, for the agency and its programs.
      if (!peer_answer.withheld.empty()) withheld_ = std::move(peer_answer.withheld);
      if (!peer_answer.deny_rule.empty()) deny_rule_ = std::move(peer_answer.deny_rule);
    }
    if (status.ok()) {
      if (provider_binding_ != nullptr) {
        absl::StatusOr<google::protobuf::Message*> national =
            Parse(*provider_binding_->response_plan->source_type(), BytesOf(FlatBytes(response_)));
        absl::StatusOr<google::protobuf::Message*> canonical =
            national.ok() ? Map(**national, *provider_binding_->response_plan)
                          : std::move(national).status();
        if (!canonical.ok()) {
          Answer(grpc::Status(grpc::StatusCode::INTERNAL,
                              absl::StrCat(upstream_->description(),
                                           " answered what cannot be "
                                           "mapped to the canonical model: ",
                                           canonical.status().message())),
                 false);
          return;
        }
        canonical_response_ = *std::move(canonical);
        if (verify_provider_ != nullptr) {
          AnswerVerification(canonical_response_);
          return;
        }
      }
      if (route_.hop == RouteDecision::Hop::kLocalProvider) {
        absl::Status minimised = MinimiseResponse();
        if (!minimised.ok()) {
          Answer(ToGrpcStatus(minimised), false);
          return;
        }
      }
      const grpc::Slice response_bytes = FlatBytes(response_);
      bytes_out_ = response_bytes.size();
      response_digest_ = Sha256Digest(BytesOf(response_bytes));
      if (route_.hop == RouteDecision::Hop::kPeerGateway) {
        absl::Status receipt = CheckReceipt(&peer_answer);
        if (!receipt.ok()) {
          deny_rule_ = "receipt-invalid";
          Answer(ToGrpcStatus(receipt), false);
          return;
        }
        absl::Status classified = ClassifyArrivedResponse(BytesOf(response_bytes));
        if (!classified.ok()) {
          Answer(ToGrpcStatus(classified), false);
          return;
        }
      }
      if (consumer_binding_ != nullptr) {
        // Both hops leave the canonical answer parsed: the peer's classified on arrival, a local
        // provider's minimised.
        absl::StatusOr<google::protobuf::Message*> national =
            canonical_response_ != nullptr
                ? Map(*canonical_response_, *consumer_binding_->response_plan)
                : absl::InternalError("no canonical answer to map");
        if (!national.ok()) {
          Answer(grpc::Status(grpc::StatusCode::INTERNAL,
                              absl::StrCat("the answer cannot be mapped to ", called_method_, ": ",
                                           national.status().message())),
                 false);
          return;
        }
        response_ = SerializeToByteBuffer(**national);
      }
      Answer(grpc::Status::OK, /*with_response=*/true);
      return;
    }
    if (route_.hop == RouteDecision::Hop::kPeerGateway && answered_by_gateway) {
      // The peer gateway decided this status and said why: relay it unchanged.
      relayed_ = true;
      relayed_from_ = std::move(peer_answer.answered_by);
      Answer(status, false);
      return;
    }
    std::string message = status.error_message();
    // A size limit's message names only numbers.
    const bool deadline_exceeded = status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (deadline_exceeded || (!peer_said && (caller_gone_.load(std::memory_order_relaxed) ||
                                             status.error_code() == grpc::StatusCode::CANCELLED))) {
      // Nobody upstream answered in time. Either a deadline passed (whichever end noticed first,
      // the provider's gRPC server, this side's copy or the caller's) or this call's caller gave
      // up and gRPC cancelled the upstream call with it (a CANCELLED that gRPC made can come
      // from nothing else). Its deadline, or
      // the gateway's default when it set none, tells which way it ended: a caller whose
      // deadline passes cancels the call, and its cancellation arrives about when this side's
      // copy of the deadline (the caller's remaining time on arrival) passes, give or take the
      // jitter of one crossing.
      const bool deadline_passed =
          deadline_exceeded || call_.deadline() <= absl::Now() + kDeadlineJitter;
      if (!deadline_passed && services_.stopping != nullptr && services_.stopping->load()) {
        // The gateway is stopping and its drain ended before the answer: the caller received
        // UNAVAILABLE, and that is what the records say.
        Answer(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            absl::StrCat("gateway ", runtime_->snapshot().gateway().country,
                                         " stopped (its drain ended) while waiting for ",
                                         upstream_->description())),
               false);
        return;
      }
      Answer(deadline_passed
                 ? grpc::Status(
                       grpc::StatusCode::DEADLINE_EXCEEDED,
                       absl::StrCat("deadline exceeded waiting for ", upstream_->description()))
                 : grpc::Status(grpc::StatusCode::CANCELLED,
                                absl::StrCat("the caller cancelled the call while waiting for ",
                                             upstream_->description())),
             false);
      return;
    }
    // A provider's own message is free text that no agreement screened: it may name the person
    // asked about, so it neither crosses the border nor reaches a log or the audit trail.
    const bool provider_said = route_.hop == RouteDecision::Hop::kLocalProvider && peer_said;
    const bool provider_code = route_.hop == RouteDecision::Hop::kLocalProvider &&
                               status.error_code() != grpc::StatusCode::UNAVAILABLE;
    if ((provider_said || provider_code) && !IsSizeLimitMessage(message)) {
      message =
          absl::StrCat(upstream_->description(), " answered ", StatusCodeName(status.error_code()));
    } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      message = absl::StrCat(upstream_->description(), " unreachable: ", status.error_message());
    }
    Answer(grpc::Status(status.error_code(), message), false);
  }

  // The consumer gateway's own account of what the answer carried, for its audit record: it
  // classifies the canonical response as it arrived rather than trusting the peer's summary.
  absl::Status ClassifyArrivedResponse(absl::string_view response_bytes) {
    const google::protobuf::MethodDescriptor* descriptor =
        runtime_->snapshot().catalog().FindMethod(method_);
    if (descriptor == nullptr) return absl::OkStatus();
    StageTimer timer(&classify_duration_, absl::Now());
    absl::StatusOr<google::protobuf::Message*> message =
        Parse(*descriptor->output_type(), response_bytes);
    if (!message.ok()) {
      return absl::InternalError(absl::StrCat(upstream_->description(),
                                              " answered bytes that are not a ",
                                              descriptor->output_type()->full_name()));
    }
    canonical_response_ = *std::move(message);
    RecordClassification(*canonical_response_, /*in_request=*/false, nullptr);
    return absl::OkStatus();
  }

  void Refuse(const absl::Status& status) {
    LogWarning(absl::StrCat(
        "refused call ", method_, " on ", ListenerRoleName(role_), " listener from ", call_.peer(),
        caller_.uri.empty() ? "" : absl::StrCat(" (", caller_.Describe(), ")"), ": ",
        StatusCodeName(static_cast<grpc::StatusCode>(status.code())), ": ", status.message(),
        deny_rule_.empty() ? "" : absl::StrCat(" [rule ", deny_rule_, "]")));
    Answer(ToGrpcStatus(status), false);
  }

  // One line in the access log and the exchange in the metrics: parties, decision, status,
  // stage latencies, sizes, what was withheld and which categories left. Never values.
  void Report(const grpc::Status& status) {
    if (services_.metrics == nullptr && services_.access_log == nullptr) return;
    std::vector<std::string> withheld;
    if (!withheld_.empty()) withheld = absl::StrSplit(withheld_, ',');
    // A handful at most: one per category.
    absl::InlinedVector<DataCategory, 8> categories;
    for (const Disclosed& item : disclosed_) {
      // What left: response data that crossed whole, or in a form that still links (masked,
      // pseudonymised). Dropped and redacted values did not leave.
      if (item.in_request || item.treatment == DataTreatment::kDrop ||
          item.treatment == DataTreatment::kRedact) {
        continue;
      }
      if (std::find(categories.begin(), categories.end(), item.category) == categories.end()) {
        categories.push_back(item.category);
      }
    }
    bool allowed = agreement_ != nullptr && deny_rule_.empty();
    std::string rule = !deny_rule_.empty() ? deny_rule_ : allowed ? "allowed" : "";
    admin::ExchangeFacts facts;
    facts.exchange_id = exchange_id_;
    facts.gateway = services_.country;
    facts.direction = role_ == ListenerRole::kAgency ? admin::ExchangeDirection::kConsumerSide
                                                     : admin::ExchangeDirection::kProviderSide;
    std::string consumer;
    facts.consumer = Consumer(&consumer);
    facts.provider = Provider();
    // A method outside the catalog is one word in the metrics, so a caller cannot mint labels.
    facts.method = runtime_->snapshot().catalog().FindMethod(method_) != nullptr
                       ? absl::string_view(method_)
                       : absl::string_view("unknown");
    facts.agreement = agreement_id_;
    facts.purpose = purpose_;
    // The agreement that allowed the exchange; one that refused it, or a call refused before the
    // decision, is looked up (refusals are off the hot path).
    const Agreement* known = agreement_;
    if (known == nullptr && !agreement_id_.empty()) {
      known = runtime_->snapshot().agreements().Find(agreement_id_);
    }
    facts.agreement_known = known != nullptr;
    facts.provider_known = known != nullptr && known->provider == facts.provider;
    facts.allowed = allowed;
    facts.rule = rule;
    facts.code = static_cast<absl::StatusCode>(status.error_code());
    facts.time_in = started_;
    facts.time_out = absl::Now();
    if (authorise_duration_.has_value()) {
      facts.SetStage(admin::ExchangeStage::kAuthorise, *authorise_duration_);
    }
    if (forward_duration_.has_value()) {
      facts.SetStage(admin::ExchangeStage::kForward, *forward_duration_);
    }
    if (audit_duration_.has_value()) facts.SetStage(admin::ExchangeStage::kAudit, *audit_duration_);
    if (map_duration_.has_value()) facts.SetStage(admin::ExchangeStage::kMap, *map_duration_);
    if (classify_duration_.has_value()) {
      facts.SetStage(admin::ExchangeStage::kClassify, *classify_duration_);
    }
    facts.bytes_in = bytes_in_;
    facts.bytes_out = bytes_out_;
    facts.withheld_fields = withheld;
    facts.categories_disclosed = categories;
    facts.federation_protocol = federation_protocol_;
    if (services_.metrics != nullptr) services_.metrics->RecordExchange(facts);
    if (services_.access_log != nullptr) services_.access_log->Write(facts);
  }

  // VerifyIdentity over a provider that only offers a lookup: the request's identifier becomes a
  // canonical GetPerson request, mapped to the provider's schema; its claims wait here.
  absl::Status PrepareVerificationLookup() {
    const DescriptorCatalog& catalog = runtime_->snapshot().catalog();
    const google::protobuf::MethodDescriptor* verify = catalog.FindMethod(kVerifyIdentityMethod);
    const google::protobuf::MethodDescriptor* lookup = catalog.FindMethod(kGetPersonMethod);
    if (canonical_request_ == nullptr ||
        canonical_request_->GetDescriptor() != verify->input_type()) {
      return absl::InvalidArgumentError("the request is not a valid VerifyIdentityRequest");
    }
    const google::protobuf::Message* request = canonical_request_;
    const google::protobuf::Reflection* reflection = request->GetReflection();
    const google::protobuf::FieldDescriptor* identifier =
        verify->input_type()->FindFieldByName("identifier");
    const google::protobuf::FieldDescriptor* claims =
        verify->input_type()->FindFieldByName("claims");
    verify_identifier_ = runtime_->NewMessage(identifier->message_type(), &arena_);
    verify_identifier_->CopyFrom(reflection->GetMessage(*request, identifier));
    verify_claims_ = runtime_->NewMessage(claims->message_type(), &arena_);
    verify_claims_->CopyFrom(reflection->GetMessage(*request, claims));
    google::protobuf::Message* get = runtime_->NewMessage(lookup->input_type(), &arena_);
    get->GetReflection()
        ->MutableMessage(get, lookup->input_type()->FindFieldByName("identifier"))
        ->CopyFrom(*verify_identifier_);
    absl::StatusOr<google::protobuf::Message*> national =
        Map(*get, *provider_binding_->request_plan);
    if (!national.ok()) return absl::InvalidArgumentError(national.status().message());
    upstream_request_ = SerializeToByteBuffer(**national);
    return absl::OkStatus();
  }

  // Compares the claims with the person the lookup found (null: nobody) and answers with a
  // verdict per attribute; the stored values stay here.
  void AnswerVerification(const google::protobuf::Message* person_response) {
    const DescriptorCatalog& catalog = runtime_->snapshot().catalog();
    const google::protobuf::MethodDescriptor* verify = catalog.FindMethod(kVerifyIdentityMethod);
    const google::protobuf::MethodDescriptor* lookup = catalog.FindMethod(kGetPersonMethod);
    google::protobuf::Message* answer = runtime_->NewMessage(verify->output_type(), &arena_);
    std::vector<AttributeVerdict> verdicts;
    bool found = false;
    if (person_response != nullptr && person_response->GetDescriptor() == lookup->output_type()) {
      const google::protobuf::Message* got = person_response;
      const google::protobuf::FieldDescriptor* person_field =
          lookup->output_type()->FindFieldByName("person");
      const google::protobuf::Message& person =
          got->GetReflection()->GetMessage(*got, person_field);
      found = got->GetReflection()->HasField(*got, person_field) &&
              IdentifierMatches(person, *verify_identifier_);
      if (found) {
        absl::StatusOr<std::vector<AttributeVerdict>> compared =
            VerifyClaims(person, *verify_claims_);
        if (!compared.ok()) {
          Answer(ToGrpcStatus(compared.status()), false);
          return;
        }
        verdicts = *std::move(compared);
      }
    }
    absl::Status written = WriteVerifyIdentityResponse(found, verdicts, answer);
    if (!written.ok()) {
      Answer(ToGrpcStatus(written), false);
      return;
    }
    canonical_response_ = answer;
    absl::Status minimised = MinimiseResponse();
    if (!minimised.ok()) {
      Answer(ToGrpcStatus(minimised), false);
      return;
    }
    const grpc::Slice bytes = FlatBytes(response_);
    response_digest_ = Sha256Digest(BytesOf(bytes));
    bytes_out_ = bytes.size();
    Answer(grpc::Status::OK, /*with_response=*/true);
  }

  // The PEM certificate the upstream presented on the connection this call took, or empty when the
  // call reached none. It lives in the call's ClientContext, which keeps its auth context.
  absl::string_view UpstreamCertificatePem() {
    if (route_.framed) {
      std::shared_ptr<FederationStreamClient> stream;
      {
        absl::MutexLock lock(&frame_mu_);
        stream = frame_stream_;
      }
      if (stream == nullptr) return {};
      frame_peer_certificate_ = stream->peer_certificate();
      return frame_peer_certificate_ == nullptr ? absl::string_view() : *frame_peer_certificate_;
    }
    std::shared_ptr<const grpc::AuthContext> auth = upstream_context_->auth_context();
    if (auth == nullptr) return {};
    std::vector<grpc::string_ref> certs =
        auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    if (certs.empty()) return {};
    return absl::string_view(certs.front().data(), certs.front().size());
  }

  // The handshake checked the upstream's certificate (a peer gateway's, or a provider's that has a
  // CRL) against `trust`'s CRL then in force, and the connection outlives it: so the certificate
  // the connection presented is checked again when the answer arrives (a cached verdict, a hash
  // lookup), and an answer from an upstream revoked since is discarded (the request went out
  // before the revocation was known: TakeNoRevokedConnection keeps later ones off the connection).
  // UNAVAILABLE, as a call to an upstream refused in the handshake. OK when the call never reached
  // a connection; a certificate still trusted is remembered for the channel's next call.
  absl::Status CheckUpstreamStillTrusted(const TrustStore& trust) {
    const absl::string_view pem = UpstreamCertificatePem();
    if (pem.empty()) return absl::OkStatus();
    absl::Status trusted = trust.Check(pem, absl::Now());
    if (trusted.ok()) {
      upstream_channel_.channel->RememberCertificate(pem);
      return absl::OkStatus();
    }
    return absl::UnavailableError(absl::StrCat(
        "refused ", upstream_->description(), " on a connection opened before: ", trusted.message(),
        "; its answer is discarded"));
  }

  // The provider gateway's receipt must verify against the provider gateway's certificate and
  // cover the request this gateway sent and the response it received. The certificate is the one
  // named beside the receipt, which must be the provider gateway's by this gateway's trust store
  // (chain, validity, revocation, urn:pasarela:gateway:CC), else the one it presented in the TLS
  // handshake (a gateway that does not name its signer).
  absl::Status CheckReceipt(AnswerFactsFromPeer* answer) {
    std::string receipt = std::move(answer->receipt);
    std::string peer_name = absl::StrCat("gateway ", route_.upstream);
    if (receipt.empty()) {
      return absl::InternalError(absl::StrCat(peer_name, " answered without a signed receipt"));
    }
    const std::string& named_signer = answer->receipt_signer;
    absl::string_view pem = named_signer;
    if (!named_signer.empty()) {
      absl::StatusOr<VerifiedPeer> signer =
          runtime_->authenticator(ListenerRole::kFederation).AuthenticatePem(pem, absl::Now());
      if (!signer.ok()) {
        return absl::InternalError(
            absl::StrCat("the receipt of ", peer_name,
                         " names a signer that does not verify: ", signer.status().message()));
      }
      if (signer->gateway_country != route_.upstream) {
        return absl::InternalError(absl::StrCat("the receipt of ", peer_name, " names ",
                                                signer->Describe(), " as its signer"));
      }
    } else {
      pem = UpstreamCertificatePem();
      if (pem.empty()) return absl::InternalError("no peer certificate to verify the receipt");
    }
    absl::StatusOr<std::shared_ptr<const audit::SignerKey>> key =
        services_.receipt_keys != nullptr ? services_.receipt_keys->Get(pem)
                                          : audit::SignerKey::FromPem(pem);
    absl::Status verified = key.ok() ? audit::CheckReceipt(receipt, **key, exchange_id_,
                                                           request_digest_, response_digest_)
                                     : absl::UnauthenticatedError(absl::StrCat(
                                           "receipt signature: ", key.status().message()));
    if (!verified.ok()) {
      return absl::InternalError(
          absl::StrCat("the receipt of ", peer_name, " does not verify: ", verified.message()));
    }
    receipt_ = std::move(receipt);
    return absl::OkStatus();
  }

  // The parties the records name: the route's, or, for a call refused before it was routed, the
  // consumer the certificate proved (an agency) or the peer gateway stated, and the target the
  // caller named, so that both gateways' records of a refusal name the same exchange.
  // `storage` holds the consumer when it has to be spelled out.
  absl::string_view Consumer(std::string* storage) const {
    if (!route_.consumer.empty()) return route_.consumer;
    if (role_ == ListenerRole::kAgency && caller_.participant.has_value()) {
      return *storage = caller_.participant->ToString();
    }
    return claimed_.consumer;
  }
  absl::string_view Provider() const {
    return route_.provider.empty() ? absl::string_view(claimed_.target) : route_.provider;
  }

  // Moves the disclosed fields' paths into the record: nothing reads them after it (Report reads
  // only their categories and treatments).
  audit::OwnedAuditRecord BuildRecord(const grpc::Status& status) {
    const PolicySnapshot& snapshot = runtime_->snapshot();
    audit::OwnedAuditRecord owned = audit::OwnedAuditRecord::New();
    audit::v1::AuditRecord& record = *owned;
    record.set_gateway(snapshot.gateway().country);
    record.set_direction(role_ == ListenerRole::kAgency ? audit::v1::CONSUMER_SIDE
                                                        : audit::v1::PROVIDER_SIDE);
    record.set_exchange_id(exchange_id_);
    std::string consumer;
    record.set_consumer(std::string(Consumer(&consumer)));
    record.set_provider(std::string(Provider()));
    record.set_method(absl::StrCat("/", method_));
    record.set_agreement_id(agreement_id_);
    if (agreement_ != nullptr) record.set_agreement_digest(HexToBytes(agreement_->digest));
    record.set_purpose(purpose_);
    bool allowed = agreement_ != nullptr && deny_rule_.empty();
    record.set_decision(allowed ? audit::v1::ALLOW : audit::v1::DENY);
    record.set_deciding_rule(!deny_rule_.empty() ? deny_rule_
                             : allowed           ? "allowed"
                                                 : "refused before the agreement stage");
    record.set_grpc_status_code(static_cast<int>(status.error_code()));
    record.set_grpc_status_message(status.error_message());
    record.set_latency_us(static_cast<uint64_t>(absl::ToInt64Microseconds(absl::Now() - started_)));
    record.set_request_digest(request_digest_);
    record.set_response_digest(response_digest_);
    record.set_policy_digest(HexToBytes(snapshot.digest()));
    record.set_subject_pseudonym(subject_pseudonym_);
    record.set_receipt(receipt_);
    for (Disclosed& item : disclosed_) {
      audit::v1::ClassifiedField* field = record.add_classification();
      field->set_field_path(std::move(item.path));
      field->set_category(std::string(DataCategoryName(item.category)));
      field->set_detector(item.detector);
      field->set_source(item.detected ? audit::v1::DETECTED : audit::v1::DECLARED);
      if (item.treatment.has_value()) {
        field->set_treatment(std::string(DataTreatmentName(*item.treatment)));
      }
      field->set_in_request(item.in_request);
    }
    record.set_bytes_in(bytes_in_);
    record.set_bytes_out(bytes_out_);
    return owned;
  }

  // The provider gateway's statement of this answer, for the consumer gateway to keep. The audit
  // sink signs it with the receipts of the other records of its batch (one signature per batch);
  // it is attached only when the answer goes out as decided.
  std::shared_ptr<audit::v1::Receipt> NewReceipt(const grpc::Status& status) const {
    auto receipt = std::make_shared<audit::v1::Receipt>();
    receipt->set_exchange_id(exchange_id_);
    receipt->set_gateway(runtime_->snapshot().gateway().country);
    receipt->set_request_digest(request_digest_);
    receipt->set_response_digest(response_digest_);
    if (agreement_ != nullptr) receipt->set_agreement_digest(HexToBytes(agreement_->digest));
    receipt->set_grpc_status_code(static_cast<int>(status.error_code()));
    audit::SetTimestamp(absl::Now(), receipt->mutable_time());
    return receipt;
  }

  // gRPC refuses to send a message larger than the listener's limits.max_message_bytes: it would
  // end the call with an error of its own after the records had said OK. An answer that this
  // gateway's mapping (or treatment) made larger than that is refused instead, so that the
  // caller, the access log, the metrics and the audit trail say the same. Returns the refusal,
  // and leaves in the records what then left this gateway.
  grpc::Status AnswerTooLarge() {
    const std::string mapped =
        consumer_binding_ != nullptr
            ? absl::StrCat(" once mapped to ", called_method_)
            : (provider_binding_ != nullptr
                   ? absl::StrCat(" once mapped from ", provider_binding_->national)
                   : std::string());
    const GatewayConfig& gateway = runtime_->snapshot().gateway();
    grpc::Status refused(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         absl::StrCat("the answer is ", response_.Length(), " bytes", mapped,
                                      ", larger than limits.max_message_bytes of gateway ",
                                      gateway.country, " (", gateway.max_message_bytes, " bytes)"));
    bytes_out_ = 0;
    // What a peer gateway sent stays recorded, as its receipt covers it; an answer made here did
    // not leave, so it disclosed nothing.
    if (route_.hop != RouteDecision::Hop::kPeerGateway) {
      response_digest_.clear();
      disclosed_.erase(std::remove_if(disclosed_.begin(), disclosed_.end(),
                                      [](const Disclosed& item) { return !item.in_request; }),
                       disclosed_.end());
    }
    return refused;
  }

  // Answers only once the exchange's audit record is durable; if it cannot be written, the
  // exchange is refused (fail closed).
  void Answer(grpc::Status status, bool with_response) {
    if (with_response &&
        response_.Length() >
            static_cast<size_t>(runtime_->snapshot().gateway().max_message_bytes)) {
      status = AnswerTooLarge();
      with_response = false;
      LogWarning(absl::StrCat("exchange ", exchange_id_, " refused: ", status.error_message()));
    }
    absl::Time audit_started = absl::Now();
    std::shared_ptr<audit::v1::Receipt> receipt;
    if (role_ == ListenerRole::kFederation && services_.identity != nullptr) {
      receipt = NewReceipt(status);
      receipt_signer_ = services_.identity->current();
    }
    auto durable_done = [this, status, with_response, audit_started,
                         receipt](absl::Status durable) {
      audit_duration_ = absl::Now() - audit_started;
      Answered(durable, status, with_response, receipt.get());
    };
    if (receipt != nullptr) {
      // GatewayIdentity keeps every signer it installed, so the raw pointer outlives the sink.
      services_.audit->AppendWithReceipt(BuildRecord(status), receipt,
                                         receipt_signer_->signer.get(), std::move(durable_done));
    } else {
      services_.audit->Append(BuildRecord(status), std::move(durable_done));
    }
  }

  // The audit sink's verdict on the exchange's record: answer as decided once it is durable,
  // refuse the exchange otherwise.
  void Answered(const absl::Status& durable, const grpc::Status& status, bool with_response,
                const audit::v1::Receipt* receipt) {
    if (!durable.ok()) {
      LogError(absl::StrCat("exchange ", exchange_id_, " refused: ", durable.message()));
      const grpc::Status refused(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("gateway ", runtime_->snapshot().gateway().country,
                       " cannot record the exchange, so it refuses it: ", durable.message()));
      // The trail cannot hold it, so the metrics and the access log are where an operator sees
      // the exchanges refused meanwhile.
      Report(refused);
      LineBatch::AfterLines([this, refused] { call_.Finish(refused, nullptr, {}); });
      return;
    }
    if (receipt != nullptr) {
      if (receipt->signature().empty()) {
        LogError(absl::StrCat("exchange ", exchange_id_, ": its receipt could not be signed"));
      } else {
        signed_receipt_ = receipt->SerializeAsString();
      }
    }
    Complete(status, with_response);
  }

  void Complete(const grpc::Status& status, bool with_response) {
    if (!route_.exchange_id.empty() && LogEnabled(LogLevel::kInfo)) {
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
    Report(status);
    // The caller sees the answer only after the exchange's log lines are written (the audit
    // writer writes the lines of a whole batch at once).
    LineBatch::AfterLines([this, status, with_response] {
      // Until this gateway replaces its certificate, the consumer gateway checks the receipt
      // against the certificate the connection presented: naming it again would add about 1.1 KB
      // to every answer.
      const bool name_signer =
          !signed_receipt_.empty() && !services_.identity->IsOriginal(*receipt_signer_);
      // The gateway that made the answer: this one, or the peer whose refusal it relays.
      AnswerFactsToSend facts{relayed_ ? relayed_from_ : runtime_->snapshot().gateway().country,
                              signed_receipt_, "", deny_rule_, withheld_};
      if (name_signer) facts.receipt_signer = receipt_signer_->signer->certificate_pem();
      call_.Finish(status, with_response ? &response_ : nullptr, facts);
    });
  }

  InboundCall& call_;
  // Held for the whole call: a reload never changes the rules under it.
  GatewayRuntimePtr runtime_;
  const ExchangeServices& services_;
  ListenerRole role_;
  absl::Time started_;
  // The method the caller called, and the canonical method the exchange runs on (the same unless
  // the caller used a national binding).
  std::string called_method_;
  std::string method_;
  const MethodBinding* consumer_binding_ = nullptr;
  const MethodBinding* provider_binding_ = nullptr;
  // Set when the gateway answers VerifyIdentity itself from a lookup.
  const ProviderService* verify_provider_ = nullptr;
  // Every message of the exchange (national and canonical, parsed or mapped) lives on arena_,
  // destroyed before runtime_, whose factory made them. Its first block is inside the reactor (the
  // first thread to allocate fills it; protobuf gives each other thread a block of its own). The
  // pointers below are arena_'s, never deleted.
  alignas(std::max_align_t) char arena_block_[kArenaBlockBytes];
  google::protobuf::Arena arena_{ArenaOptionsFor(arena_block_, sizeof arena_block_)};
  google::protobuf::Message* verify_identifier_ = nullptr;
  google::protobuf::Message* verify_claims_ = nullptr;
  // The canonical request and response, parsed (or mapped) once and read by every stage.
  google::protobuf::Message* canonical_request_ = nullptr;
  google::protobuf::Message* canonical_response_ = nullptr;
  grpc::ByteBuffer upstream_request_;
  VerifiedPeer caller_;
  // What the caller said of its call (target, purpose, agreement; and, from a peer gateway, the
  // consumer and exchange id), before the router checked it.
  ExchangeHeaders claimed_;
  RouteDecision route_;
  ChannelPool* upstream_ = nullptr;
  // The channel the upstream call took: held for the call, which may remember its certificate.
  ChannelPool::Picked upstream_channel_;
  std::unique_ptr<grpc::ClientContext> upstream_context_;
  // A framed call (protocol 3): its stream and id, read by CallerGone on gRPC's thread.
  absl::Mutex frame_mu_;
  std::shared_ptr<FederationStreamClient> frame_stream_ ABSL_GUARDED_BY(frame_mu_);
  uint64_t frame_id_ ABSL_GUARDED_BY(frame_mu_) = 0;
  // The certificate the stream's connection presented, held while the exchange reads it.
  std::shared_ptr<const std::string> frame_peer_certificate_;
  // Only for a framed call under the gateway's default deadline.
  std::unique_ptr<grpc::Alarm> frame_deadline_alarm_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  // Only for a request that could not be read (see OnReadDone): an alarm costs an allocation.
  std::unique_ptr<grpc::Alarm> no_request_alarm_;
  bool relayed_ = false;
  std::string relayed_from_;
  // Set by OnCancel, on whichever thread gRPC runs it.
  std::atomic<bool> caller_gone_{false};
  // For the access log: see admin::ExchangeFacts::federation_protocol.
  int federation_protocol_ = 0;
  const Agreement* agreement_ = nullptr;
  std::string agreement_id_;
  std::string purpose_;
  std::string peer_agreement_digest_;
  std::string exchange_id_;
  std::string request_digest_;
  std::string response_digest_;
  std::string subject_pseudonym_;
  std::string receipt_;
  // This gateway's receipt for its answer (provider side), and the pair that signs it.
  std::string signed_receipt_;
  std::shared_ptr<const GatewayCredentials> receipt_signer_;
  // What the answer disclosed, by field path and category (never values), for the audit record.
  struct Disclosed {
    std::string path;
    DataCategory category;
    std::string detector;
    bool detected = false;
    bool in_request = false;
    absl::optional<DataTreatment> treatment;  // provider side, response only
  };
  std::vector<Disclosed> disclosed_;
  // Stage latencies, for the metrics.
  absl::optional<absl::Duration> authorise_duration_;
  absl::optional<absl::Duration> forward_duration_;
  absl::optional<absl::Duration> audit_duration_;
  absl::optional<absl::Duration> map_duration_;
  absl::optional<absl::Duration> classify_duration_;
  absl::Time forward_started_;
  // Held from admission to the end of the call.
  InFlightSlot slot_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  std::string deny_rule_;
  std::string withheld_;
};

}  // namespace

std::unique_ptr<Exchange> NewExchange(InboundCall& call, GatewayRuntimePtr runtime,
                                      const ExchangeServices& services, ListenerRole role) {
  return std::make_unique<ExchangePipeline>(call, std::move(runtime), services, role);
}

}  // namespace pasarela
