// Everything a call needs that derives from one policy snapshot: the snapshot itself, the trust
// stores and authenticators of both listeners, and the channel pools to peers and providers.
//
// Built whole and swapped whole on a policy reload: a call takes the current runtime when it
// starts and keeps it to the end, so it runs entirely under one snapshot. Immutable apart from the
// trust stores' revocation lists, which refresh themselves (TrustStore is thread-safe).
#ifndef PASARELA_GATEWAY_NET_GATEWAY_RUNTIME_H_
#define PASARELA_GATEWAY_NET_GATEWAY_RUNTIME_H_

#include <google/protobuf/dynamic_message.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/agreement/quota_limiter.h"
#include "gateway/classify/minimiser.h"
#include "gateway/identity/trust_store.h"
#include "gateway/net/caller_authenticator.h"
#include "gateway/net/handshake_refusals.h"
#include "gateway/net/tls.h"
#include "gateway/net/upstreams.h"
#include "gateway/policy/policy_snapshot.h"

namespace pasarela {

class GatewayRuntime {
 public:
  // REQUIRES: `quota` outlives the runtime; it is shared by successive runtimes so that a reload
  // does not refill every bucket.
  // `pseudonym_key` is the gateway's; each agreement's minimiser pseudonymises with a key derived
  // from it, so that pseudonyms are stable per agreement and unlinkable across agreements.
  // The handshakes its upstream channels refuse are counted in `refusals` when it is given.
  static absl::StatusOr<std::shared_ptr<const GatewayRuntime>> Build(
      PolicySnapshotPtr snapshot, const TlsIdentity& identity, QuotaLimiter& quota,
      absl::string_view pseudonym_key, std::shared_ptr<HandshakeRefusals> refusals = nullptr);

  const PolicySnapshot& snapshot() const { return *snapshot_; }
  const PolicySnapshotPtr& snapshot_ptr() const { return snapshot_; }
  const CallerAuthenticator& authenticator(ListenerRole role) const {
    return role == ListenerRole::kAgency ? *agency_authenticator_ : *federation_authenticator_;
  }
  // The trust store of the gateway's own country's CA (the agency listener's).
  const TrustStore& own_country_trust() const { return *agency_trust_; }
  const Upstreams& upstreams() const { return *upstreams_; }
  QuotaLimiter& quota() const { return *quota_; }
  // The personal-data minimiser of agreement `id`, or null.
  const classify::PersonalDataMinimiser* Minimiser(absl::string_view agreement_id) const {
    auto it = minimisers_.find(agreement_id);
    return it == minimisers_.end() ? nullptr : it->second.get();
  }
  // A new empty message of `type` (from the snapshot's descriptor pool), for parsing payloads, on
  // `arena`, which owns it. REQUIRES: this runtime outlives `arena`.
  google::protobuf::Message* NewMessage(const google::protobuf::Descriptor* type,
                                        google::protobuf::Arena* arena) const {
    return message_factory_.GetPrototype(type)->New(arena);
  }
  // Each trusted CA's CRL nextUpdate, by country, then each provider CRL's, by participant.
  std::vector<std::pair<std::string, absl::Time>> CrlNextUpdates() const;
  // Re-reads changed CRL files of both listeners' trust stores (the federation listener's also
  // checks the peer gateways this gateway calls) and of the providers that name one.
  void RefreshRevocationLists() const;

 private:
  GatewayRuntime() = default;
  PolicySnapshotPtr snapshot_;
  std::unique_ptr<TrustStore> agency_trust_;
  // Shared with the upstream channels' certificate verifiers, which gRPC may keep a moment longer.
  std::shared_ptr<TrustStore> federation_trust_;
  std::unique_ptr<CallerAuthenticator> agency_authenticator_;
  std::unique_ptr<CallerAuthenticator> federation_authenticator_;
  std::unique_ptr<Upstreams> upstreams_;
  QuotaLimiter* quota_ = nullptr;
  absl::flat_hash_map<std::string, classify::PersonalDataMinimiserPtr> minimisers_;
  // GetPrototype is thread-safe; prototypes live as long as the factory.
  mutable google::protobuf::DynamicMessageFactory message_factory_;
};

using GatewayRuntimePtr = std::shared_ptr<const GatewayRuntime>;

// The runtime in force. Thread-safe; Current() is a short critical section (a shared_ptr copy).
class CurrentRuntime {
 public:
  GatewayRuntimePtr Get() const {
    absl::ReaderMutexLock lock(&mu_);
    return runtime_;
  }
  void Set(GatewayRuntimePtr runtime) {
    absl::MutexLock lock(&mu_);
    runtime_ = std::move(runtime);
  }

 private:
  mutable absl::Mutex mu_;
  GatewayRuntimePtr runtime_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_GATEWAY_RUNTIME_H_
