#include "gateway/net/upstreams.h"

#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/identity/participant_id.h"
#include "gateway/net/certificate_verifiers.h"

namespace pasarela {

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::Create(const PolicySnapshot& snapshot,
                                                             const TlsIdentity& identity) {
  const GatewayConfig& gateway = snapshot.gateway();
  ChannelPoolOptions options;
  options.channels = static_cast<int>(gateway.channels_per_upstream);
  options.max_reconnect_backoff = gateway.max_reconnect_backoff;
  options.max_message_bytes = gateway.max_message_bytes;

  std::unique_ptr<Upstreams> upstreams(new Upstreams());
  for (const FederationCountry& country : snapshot.federation().countries) {
    if (country.code == gateway.country) continue;
    absl::StatusOr<std::string> ca = ReadFileToString(country.ca_file);
    if (!ca.ok()) return ca.status();
    std::string description =
        absl::StrCat("peer gateway ", country.code, " at ", country.gateway_address);
    auto verifier = grpc::experimental::ExternalCertificateVerifier::Create<PinnedIdentityVerifier>(
        GatewayUri(country.code), description);
    upstreams->peers_.emplace(
        country.code,
        std::make_unique<ChannelPool>(country.gateway_address, description,
                                      MakeChannelCredentials(identity, *ca, verifier), options));
  }
  for (const ProviderService& provider : snapshot.services().providers()) {
    absl::StatusOr<std::string> ca = ReadFileToString(provider.ca_file);
    if (!ca.ok()) return ca.status();
    std::string name = provider.participant.ToString();
    std::string description = absl::StrCat("provider ", name, " at ", provider.address);
    auto verifier = grpc::experimental::ExternalCertificateVerifier::Create<PinnedIdentityVerifier>(
        provider.identity, description);
    upstreams->providers_.emplace(
        name,
        std::make_unique<ChannelPool>(provider.address, description,
                                      MakeChannelCredentials(identity, *ca, verifier), options));
  }
  return upstreams;
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

ChannelPool* Upstreams::Provider(absl::string_view participant) const {
  auto it = providers_.find(participant);
  return it == providers_.end() ? nullptr : it->second.get();
}

}  // namespace pasarela
