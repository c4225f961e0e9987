#include "gateway/net/gateway_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "gateway/common/log.h"
#include "gateway/identity/participant_id.h"
#include "gateway/net/certificate_verifiers.h"

namespace pasarela {
namespace {

std::string HostOf(const std::string& address) { return address.substr(0, address.rfind(':')); }

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(PolicySnapshotPtr snapshot) {
  std::unique_ptr<GatewayServer> server(new GatewayServer());
  server->snapshot_ = std::move(snapshot);
  absl::Status built = server->Build();
  if (!built.ok()) return built;
  return server;
}

absl::Status GatewayServer::Build() {
  const GatewayConfig& config = snapshot_->gateway();
  absl::StatusOr<TlsIdentity> identity = LoadTlsIdentity(config.certificate_file, config.key_file);
  if (!identity.ok()) return identity.status();
  identity_ = *std::move(identity);

  // The gateway's own certificate must name it: a misplaced file is caught here, not by peers.
  absl::StatusOr<Certificate> own = Certificate::FromPem(identity_.certificate_pem);
  if (!own.ok())
    return absl::InvalidArgumentError(
        absl::StrCat(config.certificate_file, ": ", own.status().message()));
  std::vector<std::string> uris = own->UriSans();
  if (std::find(uris.begin(), uris.end(), GatewayUri(config.country)) == uris.end()) {
    return absl::InvalidArgumentError(absl::StrCat(config.certificate_file, " does not name ",
                                                   GatewayUri(config.country),
                                                   ": it is not this gateway's certificate"));
  }

  std::vector<TrustAnchorConfig> agency_anchors;
  std::vector<TrustAnchorConfig> federation_anchors;
  for (const FederationCountry& country : snapshot_->federation().countries) {
    TrustAnchorConfig anchor{country.code, country.ca_file, country.crl_file};
    if (country.code == config.country) {
      agency_anchors.push_back(anchor);
    } else {
      federation_anchors.push_back(anchor);
    }
  }
  absl::StatusOr<std::unique_ptr<TrustStore>> agency_trust = TrustStore::Create(agency_anchors);
  if (!agency_trust.ok()) return agency_trust.status();
  agency_trust_ = *std::move(agency_trust);
  absl::StatusOr<std::unique_ptr<TrustStore>> federation_trust =
      TrustStore::Create(federation_anchors);
  if (!federation_trust.ok()) return federation_trust.status();
  federation_trust_ = *std::move(federation_trust);

  agency_authenticator_ =
      std::make_unique<CallerAuthenticator>(ListenerRole::kAgency, config.country, *agency_trust_);
  federation_authenticator_ = std::make_unique<CallerAuthenticator>(
      ListenerRole::kFederation, config.country, *federation_trust_);

  absl::StatusOr<std::unique_ptr<Upstreams>> upstreams = Upstreams::Create(*snapshot_, identity_);
  if (!upstreams.ok()) return upstreams.status();
  upstreams_ = *std::move(upstreams);

  agency_environment_ =
      ExchangeEnvironment{snapshot_, agency_authenticator_.get(), upstreams_.get()};
  federation_environment_ =
      ExchangeEnvironment{snapshot_, federation_authenticator_.get(), upstreams_.get()};
  agency_service_ = std::make_unique<ExchangeService>(agency_environment_);
  federation_service_ = std::make_unique<ExchangeService>(federation_environment_);
  reflection_ = std::make_unique<ReflectionService>(
      snapshot_->catalog(), std::vector<std::string>{"grpc.health.v1.Health",
                                                     "grpc.reflection.v1alpha.ServerReflection"});

  grpc::EnableDefaultHealthCheckService(true);
  auto build_listener = [&](const std::string& address, const TrustStore& trust,
                            const CallerAuthenticator& authenticator, ExchangeService* service,
                            int* port) -> absl::StatusOr<std::unique_ptr<grpc::Server>> {
    auto verifier =
        grpc::experimental::ExternalCertificateVerifier::Create<ClientCertificateVerifier>(
            authenticator);
    grpc::ServerBuilder builder;
    builder.AddListeningPort(
        address, MakeServerCredentials(identity_, trust.RootBundlePem(), verifier), port);
    builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
    builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_bytes));
    builder.RegisterService(reflection_.get());
    builder.RegisterCallbackGenericService(service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (server == nullptr || *port == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", address, " (address in use or not local?)"));
    }
    return server;
  };
  if (federation_trust_->Countries().empty()) {
    return absl::InvalidArgumentError("the federation lists no country besides this gateway's own");
  }
  absl::StatusOr<std::unique_ptr<grpc::Server>> agency =
      build_listener(config.agency_address, *agency_trust_, *agency_authenticator_,
                     agency_service_.get(), &agency_port_);
  if (!agency.ok()) return agency.status();
  agency_server_ = *std::move(agency);
  absl::StatusOr<std::unique_ptr<grpc::Server>> federation =
      build_listener(config.federation_address, *federation_trust_, *federation_authenticator_,
                     federation_service_.get(), &federation_port_);
  if (!federation.ok()) return federation.status();
  federation_server_ = *std::move(federation);

  absl::Duration interval = config.crl_refresh_interval;
  refresher_ = std::thread([this, interval] {
    while (!stop_refresh_.WaitForNotificationWithTimeout(interval)) {
      agency_trust_->RefreshRevocationLists();
      federation_trust_->RefreshRevocationLists();
    }
  });
  LogInfo(absl::StrCat("gateway ", config.country, " serving: agency listener ", agency_address(),
                       ", federation listener ", federation_address(), ", policy ",
                       snapshot_->digest().substr(0, 12)));
  return absl::OkStatus();
}

std::string GatewayServer::agency_address() const {
  return absl::StrCat(HostOf(snapshot_->gateway().agency_address), ":", agency_port_);
}

std::string GatewayServer::federation_address() const {
  return absl::StrCat(HostOf(snapshot_->gateway().federation_address), ":", federation_port_);
}

void GatewayServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  absl::Duration drain = snapshot_->gateway().drain_timeout;
  LogInfo(absl::StrCat("shutting down: draining calls in flight for up to ",
                       absl::FormatDuration(drain)));
  auto deadline = absl::ToChronoTime(absl::Now() + drain);
  // Both listeners stop accepting at once; each waits for its own calls.
  std::thread agency([&] {
    if (agency_server_) agency_server_->Shutdown(deadline);
  });
  if (federation_server_) federation_server_->Shutdown(deadline);
  agency.join();
  if (!stop_refresh_.HasBeenNotified()) stop_refresh_.Notify();
  if (refresher_.joinable()) refresher_.join();
  LogInfo("gateway stopped");
}

GatewayServer::~GatewayServer() { Shutdown(); }

}  // namespace pasarela
