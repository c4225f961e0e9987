// GatewayMetrics: the gateway's metric families (all named pasarela_*, listed with their labels
// in docs/OPERATIONS.md) and the typed calls the data plane makes to move them. The reactor hands
// over an ExchangeFacts and never builds label strings.
//
// Cost: RecordExchange resolves its label sets through the registry's sharded maps (see
// metrics.h): one lookup for the exchange counter, one per method-labelled family (request and
// response bytes, end-to-end latency), one for a denial and one per disclosed category; the five
// stage histograms are resolved at construction. Each lookup hashes the label values and holds one
// shard's mutex for a hash-map find; no allocation once a label set has been seen.
//
// Values that depend on the time they are read (the policy snapshot's age, days until a
// certificate, CRL or agreement expires) are computed at each exposition from the instants the
// gateway set, so they never go stale between reloads.
//
// Thread safety: safe for concurrent use from several threads without external synchronisation.
#ifndef PASARELA_GATEWAY_ADMIN_GATEWAY_METRICS_H_
#define PASARELA_GATEWAY_ADMIN_GATEWAY_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/admin/exchange_facts.h"
#include "gateway/admin/metrics.h"
#include "gateway/agreement/agreement.h"
#include "gateway/audit/audit_sink.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela::admin {

// The connectivity of a channel to a peer gateway, as grpc_connectivity_state numbers them.
enum class PeerConnectionState {
  kIdle = 0,
  kConnecting = 1,
  kReady = 2,
  kTransientFailure = 3,
  kShutdown = 4,
};
// "idle", "connecting", "ready", "transient_failure", "shutdown".
absl::string_view PeerConnectionStateName(PeerConnectionState state);

// What expires on a date the metrics count down to.
enum class ExpiryKind {
  kCertificate,  // pasarela_certificate_expiry_days{certificate}: a certificate's notAfter
  kCrl,          // pasarela_crl_expiry_days{crl}: a CRL's nextUpdate
  kAgreement,    // pasarela_agreement_expiry_days{agreement}: an agreement's validity.until
};

struct Expiry {
  std::string name;  // the label value: what expires
  absl::Time at;     // when
};

class GatewayMetrics {
 public:
  using Clock = std::function<absl::Time()>;

  // `clock` gives "now" for ages and days until expiry; tests pass a fixed one.
  explicit GatewayMetrics(Clock clock = [] { return absl::Now(); });
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  // One finished exchange, allowed or refused: moves pasarela_exchanges_total,
  // pasarela_exchange_duration_seconds, pasarela_stage_duration_seconds (the stages that ran),
  // pasarela_request_bytes_total, pasarela_response_bytes_total,
  // pasarela_categories_disclosed_total and, when refused by a rule, pasarela_denials_total.
  void RecordExchange(const ExchangeFacts& facts);

  // The outcome of one policy reload. A successful one also sets the snapshot's load time to now.
  void RecordReload(bool ok);
  // When the snapshot in use was loaded (at start-up, before any reload).
  void SetPolicyLoaded(absl::Time loaded_at);

  // The audit writer's counters: sets pasarela_audit_queue_depth, raises
  // pasarela_audit_write_failures_total, _audit_records_total, _audit_batches_total,
  // _receipts_signed_total and _receipt_signatures_total to the sink's counts and, when
  // stats.fsyncs moved since the previous call, observes stats.last_fsync_latency in
  // pasarela_audit_fsync_duration_seconds (one sample per call that saw new fsyncs: call it on a
  // steady poll, e.g. once a second).
  void SetAuditStats(const audit::AuditLogStats& stats);

  // pasarela_handshake_refusals_total: the TLS handshakes refused so far on the agency and the
  // federation listener and calling out, as counted since the gateway started (counts never go
  // down).
  void SetHandshakeRefusals(uint64_t agency, uint64_t federation, uint64_t upstream);

  // What a connection replaced for the certificate it presented leads to.
  enum class ReplacedUpstream { kPeerGateway, kProvider };
  // pasarela_connections_replaced_total: one more open connection to a peer gateway or a provider
  // given up because the certificate it presented is refused since (revoked or expired): found
  // before a request, which then takes a new connection and handshake, or when the answer to a
  // request already under way arrived through it.
  void RecordConnectionReplaced(ReplacedUpstream upstream);

  // The state of the channel to one peer gateway ("CL"); added if new.
  void SetPeerState(absl::string_view peer, PeerConnectionState state);
  // Replaces every peer's state (after a reload that changed the federation).
  void SetPeerStates(std::vector<std::pair<std::string, PeerConnectionState>> states);

  // Replaces every expiry of `kind` with `expiries`.
  void SetExpiries(ExpiryKind kind, std::vector<Expiry> expiries);
  // Adds or updates one expiry of `kind`.
  void SetExpiry(ExpiryKind kind, absl::string_view name, absl::Time at);
  // SetExpiries(kAgreement, ...) from each agreement's id and validity.until (pass
  // AgreementBook::agreements()).
  void SetAgreementExpiries(const std::vector<std::unique_ptr<const Agreement>>& agreements);

  // The text exposition of every family (what /metrics serves).
  std::string Exposition() const { return registry_.Exposition(); }
  // For families of other parts of the gateway.
  MetricsRegistry& registry() { return registry_; }

 private:
  static constexpr size_t kExpiryKinds = 3;

  std::vector<GaugeSample> CollectExpiries(ExpiryKind kind) const;
  std::vector<GaugeSample> CollectPeerStates() const;
  std::vector<GaugeSample> CollectSnapshotAge() const;

  const Clock clock_;
  MetricsRegistry registry_;

  Family<Counter>& exchanges_;
  Family<Histogram>& exchange_duration_;
  Family<Histogram>& stage_duration_;
  Family<Counter>& request_bytes_;
  Family<Counter>& response_bytes_;
  Family<Counter>& categories_disclosed_;
  Family<Counter>& denials_;
  Family<Counter>& reloads_;
  Family<Gauge>& audit_queue_depth_;
  Family<Histogram>& audit_fsync_duration_;
  Family<Counter>& audit_write_failures_;
  Family<Counter>& audit_records_;
  Family<Counter>& audit_batches_;
  Family<Counter>& receipts_signed_;
  Family<Counter>& receipt_signatures_;
  Family<Counter>& handshake_refusals_;
  Family<Counter>& connections_replaced_;

  std::array<Histogram*, kExchangeStageCount> stage_series_;
  Counter* reloads_ok_;
  Counter* reloads_failed_;
  std::atomic<uint64_t> audit_fsyncs_seen_{0};

  mutable AnnotatedMutex mu_;
  absl::optional<absl::Time> policy_loaded_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PeerConnectionState, std::less<>> peers_ ABSL_GUARDED_BY(mu_);
  std::array<std::map<std::string, absl::Time, std::less<>>, kExpiryKinds> expiries_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_GATEWAY_METRICS_H_
