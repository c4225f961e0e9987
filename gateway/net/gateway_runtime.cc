#include "gateway/net/gateway_runtime.h"

#include "absl/strings/str_cat.h"

namespace pasarela {

absl::StatusOr<GatewayRuntimePtr> GatewayRuntime::Build(
    PolicySnapshotPtr snapshot, const TlsIdentity& identity, QuotaLimiter& quota,
    absl::string_view pseudonym_key, std::shared_ptr<HandshakeRefusals> refusals) {
  const GatewayConfig& config = snapshot->gateway();
  std::vector<TrustAnchorConfig> agency_anchors;
  std::vector<TrustAnchorConfig> federation_anchors;
  for (const FederationCountry& country : snapshot->federation().countries) {
    TrustAnchorConfig anchor{country.code, country.ca_file, country.crl_file};
    (country.code == config.country ? agency_anchors : federation_anchors).push_back(anchor);
  }
  if (federation_anchors.empty()) {
    return absl::InvalidArgumentError("the federation lists no country besides this gateway's own");
  }
  std::unique_ptr<GatewayRuntime> runtime(new GatewayRuntime());
  runtime->snapshot_ = std::move(snapshot);
  runtime->quota_ = &quota;
  absl::StatusOr<std::unique_ptr<TrustStore>> agency_trust = TrustStore::Create(agency_anchors);
  if (!agency_trust.ok()) return agency_trust.status();
  runtime->agency_trust_ = *std::move(agency_trust);
  absl::StatusOr<std::unique_ptr<TrustStore>> federation_trust =
      TrustStore::Create(federation_anchors);
  if (!federation_trust.ok()) return federation_trust.status();
  runtime->federation_trust_ = *std::move(federation_trust);
  runtime->agency_authenticator_ = std::make_unique<CallerAuthenticator>(
      ListenerRole::kAgency, config.country, *runtime->agency_trust_,
      runtime->federation_trust_.get());
  runtime->federation_authenticator_ = std::make_unique<CallerAuthenticator>(
      ListenerRole::kFederation, config.country, *runtime->federation_trust_,
      runtime->agency_trust_.get());
  absl::StatusOr<std::unique_ptr<Upstreams>> upstreams = Upstreams::Create(
      *runtime->snapshot_, identity, runtime->federation_trust_, std::move(refusals));
  if (!upstreams.ok()) return upstreams.status();
  runtime->upstreams_ = *std::move(upstreams);
  for (const auto& agreement : runtime->snapshot_->agreements().agreements()) {
    absl::StatusOr<classify::PersonalDataMinimiserPtr> minimiser =
        classify::PersonalDataMinimiser::Create(
            runtime->snapshot_->classification(), agreement->personal_data,
            classify::DerivePseudonymKey(pseudonym_key, agreement->id));
    if (!minimiser.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("agreement ", agreement->id, ": ", minimiser.status().message()));
    }
    runtime->minimisers_.emplace(agreement->id, *std::move(minimiser));
  }
  return GatewayRuntimePtr(std::move(runtime));
}

std::vector<std::pair<std::string, absl::Time>> GatewayRuntime::CrlNextUpdates() const {
  std::vector<std::pair<std::string, absl::Time>> updates = agency_trust_->CrlNextUpdates();
  for (auto& update : federation_trust_->CrlNextUpdates()) updates.push_back(std::move(update));
  for (auto& update : upstreams_->CrlNextUpdates()) updates.push_back(std::move(update));
  return updates;
}

void GatewayRuntime::RefreshRevocationLists() const {
  agency_trust_->RefreshRevocationLists();
  federation_trust_->RefreshRevocationLists();
  upstreams_->RefreshRevocationLists();
}

}  // namespace pasarela
