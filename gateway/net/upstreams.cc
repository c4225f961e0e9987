#include "gateway/net/upstreams.h"

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/common/file.h"
#include "gateway/identity/participant_id.h"
#include "gateway/net/certificate_verifiers.h"
#include "gateway/net/federation_frames.h"

namespace pasarela {

namespace {

// A pool to the upstream at `address`, which must present `expected_uri` in a certificate that
// chains to the CAs of `ca_file` and, when `issuer_trust` is given, passes it
// (PinnedIdentityVerifier).
absl::StatusOr<std::unique_ptr<ChannelPool>> PinnedPool(
    const std::string& address, const std::string& description, const std::string& expected_uri,
    const std::string& ca_file, std::shared_ptr<const TrustStore> issuer_trust,
    const TlsIdentity& identity, const ChannelPoolOptions& options,
    std::shared_ptr<HandshakeRefusals> refusals) {
  absl::StatusOr<std::string> ca = ReadFileToString(ca_file);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::unique_ptr<audit::TrustAnchors>> roots = audit::TrustAnchors::Load({ca_file});
  if (!roots.ok()) return roots.status();
  auto verifier = grpc::experimental::ExternalCertificateVerifier::Create<PinnedIdentityVerifier>(
      ServerCertificateCheck(expected_uri, ca_file,
                             std::shared_ptr<const audit::TrustAnchors>(*std::move(roots)),
                             issuer_trust),
      description, std::move(refusals));
  return std::make_unique<ChannelPool>(address, description,
                                       MakeChannelCredentials(identity, *ca, verifier), options,
                                       std::move(issuer_trust));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::Create(
    const PolicySnapshot& snapshot, const TlsIdentity& identity,
    std::shared_ptr<const TrustStore> peer_gateway_trust,
    std::shared_ptr<HandshakeRefusals> refusals) {
  const GatewayConfig& gateway = snapshot.gateway();
  ChannelPoolOptions options;
  options.channels = static_cast<int>(gateway.channels_per_upstream);
  options.max_reconnect_backoff = gateway.max_reconnect_backoff;
  options.max_message_bytes = gateway.max_message_bytes;

  // A federation stream's frames carry a payload up to the limit and their own fields.
  ChannelPoolOptions peer_options = options;
  peer_options.max_message_bytes = FederationMessageBytes(options.max_message_bytes);

  std::unique_ptr<Upstreams> upstreams(new Upstreams());
  for (const FederationCountry& country : snapshot.federation().countries) {
    if (country.code == gateway.country) continue;
    absl::StatusOr<std::unique_ptr<ChannelPool>> pool =
        PinnedPool(country.gateway_address,
                   absl::StrCat("peer gateway ", country.code, " at ", country.gateway_address),
                   GatewayUri(country.code), country.ca_file, peer_gateway_trust, identity,
                   peer_options, refusals);
    if (!pool.ok()) return pool.status();
    upstreams->peers_.emplace(country.code, *std::move(pool));
  }
  for (const ProviderService& provider : snapshot.services().providers()) {
    std::string name = provider.participant.ToString();
    std::shared_ptr<TrustStore> provider_trust;
    if (!provider.crl_file.empty()) {
      absl::StatusOr<std::unique_ptr<TrustStore>> trust = TrustStore::Create(
          {provider.RevocationAnchor()}, TrustStore::IdentityRules::kPinnedByCaller);
      if (!trust.ok()) return trust.status();
      provider_trust = *std::move(trust);
      upstreams->provider_trusts_.emplace_back(name, provider_trust);
    }
    absl::StatusOr<std::unique_ptr<ChannelPool>> pool = PinnedPool(
        provider.address, absl::StrCat("provider ", name, " at ", provider.address),
        provider.identity, provider.ca_file, provider_trust, identity, options, refusals);
    if (!pool.ok()) return pool.status();
    upstreams->providers_.emplace(std::move(name), *std::move(pool));
  }
  return upstreams;
}

void Upstreams::RefreshRevocationLists() const {
  for (const auto& [participant, trust] : provider_trusts_) trust->RefreshRevocationLists();
}

std::vector<std::pair<std::string, absl::Time>> Upstreams::CrlNextUpdates() const {
  std::vector<std::pair<std::string, absl::Time>> updates;
  for (const auto& [participant, trust] : provider_trusts_) {
    for (const auto& [label, next_update] : trust->CrlNextUpdates()) {
      updates.emplace_back(participant, next_update);
    }
  }
  return updates;
}

ChannelPool* Upstreams::PeerGateway(absl::string_view country) const {
  auto it = peers_.find(country);
  return it == peers_.end() ? nullptr : it->second.get();
}

std::vector<std::pair<std::string, const ChannelPool*>> Upstreams::Peers() const {
  std::vector<std::pair<std::string, const ChannelPool*>> peers;
  for (const auto& [country, pool] : peers_) peers.emplace_back(country, pool.get());
  return peers;
}

void Upstreams::CloseFrameStreams() const {
  for (const auto& [country, pool] : peers_) pool->CloseFrameStreams();
}

ChannelPool* Upstreams::Provider(absl::string_view participant) const {
  auto it = providers_.find(participant);
  return it == providers_.end() ? nullptr : it->second.get();
}

}  // namespace pasarela
