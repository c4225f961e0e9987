#include "gateway/admin/gateway_metrics.h"

#include "absl/strings/str_cat.h"

namespace pasarela::admin {
namespace {

constexpr double kSecondsPerDay = 86400.0;

// Label value for a fact the data plane left empty (a call refused before it was known).
absl::string_view OrNone(absl::string_view value) { return value.empty() ? "none" : value; }

// A label value the caller chose, which the policy may not know.
absl::string_view Claimed(absl::string_view value, bool known) {
  if (value.empty()) return "none";
  return known ? value : "unknown";
}

}  // namespace

absl::string_view PeerConnectionStateName(PeerConnectionState state) {
  switch (state) {
    case PeerConnectionState::kIdle:
      return "idle";
    case PeerConnectionState::kConnecting:
      return "connecting";
    case PeerConnectionState::kReady:
      return "ready";
    case PeerConnectionState::kTransientFailure:
      return "transient_failure";
    case PeerConnectionState::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

GatewayMetrics::GatewayMetrics(Clock clock)
    : clock_(std::move(clock)),
      exchanges_(registry_.AddCounter(
          "pasarela_exchanges_total",
          "Exchanges answered by this gateway, allowed or refused, by method, parties, agreement "
          "and the gRPC status code the caller received.",
          {"method", "consumer", "provider", "agreement", "code"})),
      exchange_duration_(
          registry_.AddHistogram("pasarela_exchange_duration_seconds",
                                 "Time from a call's arrival to its answer, end to end, by method.",
                                 {"method"}, LatencyBuckets())),
      stage_duration_(registry_.AddHistogram(
          "pasarela_stage_duration_seconds",
          "Time spent in each stage of the request pipeline (authorise, map, classify, forward, "
          "audit).",
          {"stage"}, LatencyBuckets())),
      request_bytes_(registry_.AddCounter(
          "pasarela_request_bytes_total",
          "Serialized bytes of the request messages received (bytes in), by method.", {"method"})),
      response_bytes_(registry_.AddCounter(
          "pasarela_response_bytes_total",
          "Serialized bytes of the response messages sent (bytes out), by method.", {"method"})),
      categories_disclosed_(registry_.AddCounter(
          "pasarela_categories_disclosed_total",
          "Exchanges that disclosed data of a personal-data category, by agreement and category.",
          {"agreement", "category"})),
      denials_(registry_.AddCounter("pasarela_denials_total",
                                    "Exchanges refused, by the rule that refused them.", {"rule"})),
      reloads_(registry_.AddCounter("pasarela_policy_reloads_total",
                                    "Policy reloads, by result (ok or failed).", {"result"})),
      audit_queue_depth_(registry_.AddGauge(
          "pasarela_audit_queue_depth",
          "Audit records waiting for the audit writer to make them durable.", {})),
      audit_fsync_duration_(registry_.AddHistogram(
          "pasarela_audit_fsync_duration_seconds",
          "Latency of the audit writer's fdatasync, sampled: the latest one, once per poll that "
          "saw new fsyncs.",
          {}, LatencyBuckets())),
      audit_write_failures_(registry_.AddCounter(
          "pasarela_audit_write_failures_total",
          "Failed writes or fdatasyncs of the audit trail since the gateway started.", {})),
      audit_records_(registry_.AddCounter("pasarela_audit_records_total",
                                          "Audit records made durable since the gateway started.",
                                          {})),
      audit_batches_(registry_.AddCounter(
          "pasarela_audit_batches_total",
          "Batches the audit writer made durable (one write and fdatasync, or one transaction, "
          "each).",
          {})),
      receipts_signed_(registry_.AddCounter(
          "pasarela_receipts_signed_total",
          "Receipts this gateway signed for its answers to peer gateways.", {})),
      receipt_signatures_(registry_.AddCounter(
          "pasarela_receipt_signatures_total",
          "Signatures those receipts took: one per audit batch that held receipts.", {})),
      handshake_refusals_(registry_.AddCounter(
          "pasarela_handshake_refusals_total",
          "TLS handshakes refused for the certificate at the other end, by side: agency or "
          "federation (a listener refused a client), upstream (the gateway refused a server it "
          "called).",
          {"side"})),
      connections_replaced_(registry_.AddCounter(
          "pasarela_connections_replaced_total",
          "Open connections to a peer gateway or provider given up because the certificate they "
          "presented is refused since (revoked or expired), by upstream: peer_gateway or "
          "provider.",
          {"upstream"})) {
  for (size_t i = 0; i < kExchangeStageCount; ++i) {
    stage_series_[i] =
        &stage_duration_.WithLabels({ExchangeStageName(static_cast<ExchangeStage>(i))});
  }
  reloads_ok_ = &reloads_.WithLabels({"ok"});
  reloads_failed_ = &reloads_.WithLabels({"failed"});
  audit_queue_depth_.Get().Set(0);
  audit_write_failures_.Get();
  audit_fsync_duration_.Get();
  audit_records_.Get();
  audit_batches_.Get();
  receipts_signed_.Get();
  receipt_signatures_.Get();
  for (const char* side : {"agency", "federation", "upstream"}) {
    handshake_refusals_.WithLabels({side});
  }
  for (const char* upstream : {"peer_gateway", "provider"}) {
    connections_replaced_.WithLabels({upstream});
  }

  registry_.AddGaugeCallback(
      "pasarela_policy_snapshot_age_seconds",
      "Seconds since the policy snapshot in use was loaded (absent before the first load).", {},
      [this] { return CollectSnapshotAge(); });
  registry_.AddGaugeCallback(
      "pasarela_peer_connection_state",
      "State of the channel to each peer gateway: 1 for its current state, 0 for the others.",
      {"peer", "state"}, [this] { return CollectPeerStates(); });
  registry_.AddGaugeCallback(
      "pasarela_certificate_expiry_days",
      "Days until each certificate the gateway uses expires (notAfter); negative once expired.",
      {"certificate"}, [this] { return CollectExpiries(ExpiryKind::kCertificate); });
  registry_.AddGaugeCallback(
      "pasarela_crl_expiry_days",
      "Days until each revocation list the gateway uses is due for renewal (nextUpdate); "
      "negative once overdue.",
      {"crl"}, [this] { return CollectExpiries(ExpiryKind::kCrl); });
  registry_.AddGaugeCallback(
      "pasarela_agreement_expiry_days",
      "Days until each agreement of the policy expires (validity.until); negative once expired.",
      {"agreement"}, [this] { return CollectExpiries(ExpiryKind::kAgreement); });
}

void GatewayMetrics::RecordExchange(const ExchangeFacts& facts) {
  absl::string_view method = OrNone(facts.method);
  exchanges_
      .WithLabels({method, OrNone(facts.consumer), Claimed(facts.provider, facts.provider_known),
                   Claimed(facts.agreement, facts.agreement_known), StatusCodeName(facts.code)})
      .Increment();
  exchange_duration_.WithLabels({method}).ObserveDuration(facts.latency());
  for (size_t i = 0; i < kExchangeStageCount; ++i) {
    if (facts.stages[i].has_value()) stage_series_[i]->ObserveDuration(*facts.stages[i]);
  }
  request_bytes_.WithLabels({method}).Increment(facts.bytes_in);
  response_bytes_.WithLabels({method}).Increment(facts.bytes_out);
  for (DataCategory category : facts.categories_disclosed) {
    categories_disclosed_
        .WithLabels({Claimed(facts.agreement, facts.agreement_known), DataCategoryName(category)})
        .Increment();
  }
  if (!facts.allowed)
    denials_.WithLabels({facts.rule.empty() ? "unknown" : facts.rule}).Increment();
}

void GatewayMetrics::SetHandshakeRefusals(uint64_t agency, uint64_t federation, uint64_t upstream) {
  handshake_refusals_.WithLabels({"agency"}).RaiseTo(agency);
  handshake_refusals_.WithLabels({"federation"}).RaiseTo(federation);
  handshake_refusals_.WithLabels({"upstream"}).RaiseTo(upstream);
}

void GatewayMetrics::RecordConnectionReplaced(ReplacedUpstream upstream) {
  connections_replaced_
      .WithLabels({upstream == ReplacedUpstream::kPeerGateway ? "peer_gateway" : "provider"})
      .Increment();
}

void GatewayMetrics::RecordReload(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_)->Increment();
  if (ok) SetPolicyLoaded(clock_());
}

void GatewayMetrics::SetPolicyLoaded(absl::Time loaded_at) {
  AnnotatedMutexLock lock(&mu_);
  policy_loaded_ = loaded_at;
}

void GatewayMetrics::SetAuditStats(const audit::AuditLogStats& stats) {
  audit_queue_depth_.Get().Set(static_cast<double>(stats.queue_depth));
  audit_write_failures_.Get().RaiseTo(stats.write_failures);
  audit_records_.Get().RaiseTo(stats.records_written);
  audit_batches_.Get().RaiseTo(stats.batches_written);
  receipts_signed_.Get().RaiseTo(stats.receipts_signed);
  receipt_signatures_.Get().RaiseTo(stats.receipt_signatures);
  uint64_t seen = audit_fsyncs_seen_.exchange(stats.fsyncs, std::memory_order_relaxed);
  if (stats.fsyncs > seen) {
    audit_fsync_duration_.Get().ObserveDuration(stats.last_fsync_latency);
  }
}

void GatewayMetrics::SetPeerState(absl::string_view peer, PeerConnectionState state) {
  AnnotatedMutexLock lock(&mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    peers_.emplace(std::string(peer), state);
  } else {
    it->second = state;
  }
}

void GatewayMetrics::SetPeerStates(
    std::vector<std::pair<std::string, PeerConnectionState>> states) {
  std::map<std::string, PeerConnectionState, std::less<>> peers;
  for (auto& [peer, state] : states) peers[std::move(peer)] = state;
  AnnotatedMutexLock lock(&mu_);
  peers_ = std::move(peers);
}

void GatewayMetrics::SetExpiries(ExpiryKind kind, std::vector<Expiry> expiries) {
  std::map<std::string, absl::Time, std::less<>> by_name;
  for (Expiry& expiry : expiries) by_name[std::move(expiry.name)] = expiry.at;
  AnnotatedMutexLock lock(&mu_);
  expiries_[static_cast<size_t>(kind)] = std::move(by_name);
}

void GatewayMetrics::SetExpiry(ExpiryKind kind, absl::string_view name, absl::Time at) {
  AnnotatedMutexLock lock(&mu_);
  auto& by_name = expiries_[static_cast<size_t>(kind)];
  auto it = by_name.find(name);
  if (it == by_name.end()) {
    by_name.emplace(std::string(name), at);
  } else {
    it->second = at;
  }
}

void GatewayMetrics::SetAgreementExpiries(
    const std::vector<std::unique_ptr<const Agreement>>& agreements) {
  std::vector<Expiry> expiries;
  expiries.reserve(agreements.size());
  for (const std::unique_ptr<const Agreement>& agreement : agreements) {
    expiries.push_back(Expiry{agreement->id, agreement->valid_until});
  }
  SetExpiries(ExpiryKind::kAgreement, std::move(expiries));
}

std::vector<GaugeSample> GatewayMetrics::CollectExpiries(ExpiryKind kind) const {
  absl::Time now = clock_();
  std::vector<GaugeSample> samples;
  AnnotatedMutexLock lock(&mu_);
  for (const auto& [name, at] : expiries_[static_cast<size_t>(kind)]) {
    samples.push_back(GaugeSample{{name}, absl::ToDoubleSeconds(at - now) / kSecondsPerDay});
  }
  return samples;
}

std::vector<GaugeSample> GatewayMetrics::CollectPeerStates() const {
  static constexpr PeerConnectionState kStates[] = {
      PeerConnectionState::kIdle, PeerConnectionState::kConnecting, PeerConnectionState::kReady,
      PeerConnectionState::kTransientFailure, PeerConnectionState::kShutdown};
  std::vector<GaugeSample> samples;
  AnnotatedMutexLock lock(&mu_);
  for (const auto& [peer, current] : peers_) {
    for (PeerConnectionState state : kStates) {
      samples.push_back(GaugeSample{{peer, std::string(PeerConnectionStateName(state))},
                                    state == current ? 1.0 : 0.0});
    }
  }
  return samples;
}

std::vector<GaugeSample> GatewayMetrics::CollectSnapshotAge() const {
  absl::Time now = clock_();
  AnnotatedMutexLock lock(&mu_);
  if (!policy_loaded_.has_value()) return {};
  return {GaugeSample{{}, absl::ToDoubleSeconds(now - *policy_loaded_)}};
}

}  // namespace pasarela::admin
