// The channel pools a gateway calls out on: one per peer gateway of the federation and one per
// local provider, each pinned to the identity it must present. Built once per policy snapshot;
// lookups are const and thread-safe.
#ifndef PASARELA_GATEWAY_NET_UPSTREAMS_H_
#define PASARELA_GATEWAY_NET_UPSTREAMS_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "gateway/identity/trust_store.h"
#include "gateway/net/channel_pool.h"
#include "gateway/net/handshake_refusals.h"
#include "gateway/net/tls.h"
#include "gateway/policy/policy_snapshot.h"

namespace pasarela {

class Upstreams {
 public:
  // `peer_gateway_trust` holds the CA and CRL of every peer country: a peer gateway whose
  // certificate it refuses (revoked, or its CRL unusable) is refused in the handshake; so is a
  // provider whose certificate is on the CRL services.yaml names for it.
  // Each handshake refused is counted in `refusals` when it is given.
  static absl::StatusOr<std::unique_ptr<Upstreams>> Create(
      const PolicySnapshot& snapshot, const TlsIdentity& identity,
      std::shared_ptr<const TrustStore> peer_gateway_trust,
      std::shared_ptr<HandshakeRefusals> refusals = nullptr);

  // The pool to the gateway of `country`, or null if the federation has none.
  ChannelPool* PeerGateway(absl::string_view country) const;
  // Every peer gateway's pool, by country.
  std::vector<std::pair<std::string, const ChannelPool*>> Peers() const;
  // Closes every federation stream to a peer gateway (a gateway that stops).
  void CloseFrameStreams() const;
  // The pool to local provider `participant` ("CL/GOV/registro-civil"), or null.
  ChannelPool* Provider(absl::string_view participant) const;
  // Re-reads the changed CRL files of the providers that name one (the peer gateways' are the
  // federation listener's, which its owner refreshes).
  void RefreshRevocationLists() const;
  // The nextUpdate of each provider's CRL (infinite past when unusable), by participant.
  std::vector<std::pair<std::string, absl::Time>> CrlNextUpdates() const;

 private:
  Upstreams() = default;
  // Participant -> the trust store of its CA and CRL, for the providers that name a CRL.
  std::vector<std::pair<std::string, std::shared_ptr<TrustStore>>> provider_trusts_;
  absl::flat_hash_map<std::string, std::unique_ptr<ChannelPool>> peers_;
  absl::flat_hash_map<std::string, std::unique_ptr<ChannelPool>> providers_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_UPSTREAMS_H_
