#include "gateway/net/gateway_server.h"

#include <grpc/grpc.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/audit_tools.h"
#include "gateway/audit/postgres_sink.h"
#include "gateway/common/counted.h"
#include "gateway/common/file.h"
#include "gateway/common/log.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"
#include "gateway/net/certificate_verifiers.h"
#include "gateway/net/federation_frames.h"
#include "gateway/net/federation_stream_client.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace pasarela {
namespace {

std::string HostOf(const std::string& address) { return address.substr(0, address.rfind(':')); }

// What every audit sink takes from gateway.yaml: the country's chain, the TLS key that signs its
// checkpoints, when they fall due, and the group-commit wait.
void SetSinkOptions(const GatewayConfig& config, audit::AuditSinkOptions* options) {
  options->gateway = config.country;
  options->signing_key_file = config.key_file;
  options->signing_cert_file = config.certificate_file;
  options->checkpoint_every_records = static_cast<uint32_t>(config.audit_checkpoint_every_records);
  options->checkpoint_interval = config.audit_checkpoint_interval;
  options->max_batch_delay = config.audit_max_batch_delay;
}

// The CA bundle each listener names to its clients: the own country's CA to agencies, the other
// countries' CAs to peer gateways. The verifier decides; these are hints for the client's choice.
std::map<std::string, std::string> ListenerRoots(const PolicySnapshot& snapshot) {
  std::map<std::string, std::string> roots = {{ListenerRoleName(ListenerRole::kAgency), ""},
                                              {ListenerRoleName(ListenerRole::kFederation), ""}};
  for (const FederationCountry& country : snapshot.federation().countries) {
    const bool own_country = country.code == snapshot.gateway().country;
    absl::StatusOr<std::string> pem = ReadFileToString(country.ca_file);
    if (!pem.ok()) continue;
    roots[ListenerRoleName(own_country ? ListenerRole::kAgency : ListenerRole::kFederation)] +=
        *pem;
  }
  return roots;
}

// The services a listener serves, by full name: what its server reflection lists and the names
// grpc.health.v1.Health answers for, as the standard health service does for the services of a
// server (any other name is NOT_FOUND). The descriptor catalog's services, health and reflection,
// each once (the runtime descriptor set may carry them too), and on the agency listener only the
// catalog service, which the federation listener does not serve though the descriptor set
// describes it.
std::set<std::string> ServedServiceNames(const DescriptorCatalog& catalog, ListenerRole role) {
  const std::vector<std::string> listed = catalog.ServiceNames();
  std::set<std::string> names(listed.begin(), listed.end());
  names.insert({grpc::health::v1::Health::service_full_name(),
                grpc::reflection::v1alpha::ServerReflection::service_full_name(),
                catalog::v1::CatalogService::service_full_name()});
  if (role != ListenerRole::kAgency) names.erase(catalog::v1::CatalogService::service_full_name());
  return names;
}

std::string DescribeCredentials(const GatewayCredentials& credentials) {
  return absl::StrCat("serial ", credentials.serial_hex, ", valid until ",
                      FormatRfc3339Seconds(credentials.not_after));
}

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    std::string config_path, PolicySnapshotPtr snapshot, std::vector<std::string> own_files) {
  std::unique_ptr<GatewayServer> server(new GatewayServer());
  server->config_path_ = std::move(config_path);
  server->own_files_ = std::move(own_files);
  absl::Status built = server->Build(std::move(snapshot));
  if (!built.ok()) return built;
  return server;
}

absl::Status GatewayServer::Build(PolicySnapshotPtr snapshot) {
  startup_config_ = snapshot->gateway();
  const GatewayConfig& config = startup_config_;
  SetLogLevel(config.log_level);
  absl::StatusOr<std::unique_ptr<GatewayIdentity>> identity =
      GatewayIdentity::Load(config.country, config.certificate_file, config.key_file);
  if (!identity.ok()) return identity.status();
  identity_ = *std::move(identity);
  absl::StatusOr<std::unique_ptr<LiveTlsFiles>> listener_files = LiveTlsFiles::Create();
  if (!listener_files.ok()) return listener_files.status();
  listener_files_ = *std::move(listener_files);
  {
    absl::MutexLock lock(&reload_mu_);
    if (absl::Status published = PublishListenerFiles(*snapshot); !published.ok()) {
      return published;
    }
  }

  absl::Status audit = OpenAudit(config);
  if (!audit.ok()) return audit;

  absl::StatusOr<std::unique_ptr<QuotaLimiter>> quota = QuotaLimiter::Create(config.quota_share);
  if (!quota.ok()) return quota.status();
  quota_ = *std::move(quota);
  absl::StatusOr<GatewayRuntimePtr> runtime = GatewayRuntime::Build(
      snapshot, identity_->current()->tls, *quota_, services_.pseudonym_key, handshake_refusals_);
  if (!runtime.ok()) return runtime.status();
  runtime_.Set(*std::move(runtime));
  reflection_snapshot_ = snapshot;

  agency_service_ = std::make_unique<ExchangeService>(runtime_, services_, ListenerRole::kAgency);
  federation_service_ =
      std::make_unique<ExchangeService>(runtime_, services_, ListenerRole::kFederation);
  catalog_ = std::make_unique<admin::CatalogService>(
      [this](const grpc::CallbackServerContext& context) -> absl::StatusOr<std::string> {
        absl::StatusOr<VerifiedPeer> caller =
            runtime_.Get()
                ->authenticator(ListenerRole::kAgency)
                .Authenticate(*context.auth_context(), absl::Now());
        if (!caller.ok()) return caller.status();
        return caller->participant->ToString();
      },
      [this] { return runtime_.Get()->snapshot_ptr(); });

  grpc::EnableDefaultHealthCheckService(true);
  // Whether each listener names CAs to its clients: the files were published above.
  const std::map<std::string, std::string> roots = ListenerRoots(*snapshot);
  auto build_listener = [&](const std::string& address, ListenerRole role, ExchangeService* service,
                            int* port) -> absl::StatusOr<std::unique_ptr<grpc::Server>> {
    auto verifier =
        grpc::experimental::ExternalCertificateVerifier::Create<ClientCertificateVerifier>(
            runtime_, role, handshake_refusals_);
    const std::string roots_name = ListenerRoleName(role);
    const std::string roots_file =
        roots.at(roots_name).empty() ? std::string() : listener_files_->roots_file(roots_name);
    grpc::ServerBuilder builder;
    builder.AddListeningPort(
        address,
        MakeServerCredentials(listener_files_->key_file(), listener_files_->certificate_file(),
                              roots_file, verifier),
        port);
    // A federation stream's frames carry a payload up to the limit and their own fields: the
    // exchange checks the payload itself (exchange.h).
    const int64_t message_bytes = role == ListenerRole::kFederation
                                      ? FederationMessageBytes(config.max_message_bytes)
                                      : config.max_message_bytes;
    builder.SetMaxReceiveMessageSize(static_cast<int>(message_bytes));
    builder.SetMaxSendMessageSize(static_cast<int>(message_bytes));
    builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE,
                               static_cast<int>(config.max_metadata_bytes));
    // gRPC sets SO_REUSEPORT by default: a second listener or gateway on the same port would then
    // start without error and take part of the calls. Without it, a taken port fails the start.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    const std::set<std::string> served = ServedServiceNames(reflection_snapshot_->catalog(), role);
    std::unique_ptr<ReflectionService>& reflection =
        role == ListenerRole::kAgency ? agency_reflection_ : federation_reflection_;
    reflection = std::make_unique<ReflectionService>(reflection_snapshot_->catalog(), served);
    builder.RegisterService(reflection.get());
    if (role == ListenerRole::kAgency) builder.RegisterService(catalog_.get());
    builder.RegisterCallbackGenericService(service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (server == nullptr || *port == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", address, " (address in use or not local?)"));
    }
    for (const std::string& name : served) {
      server->GetHealthCheckService()->SetServingStatus(name, serving_);
    }
    return server;
  };
  absl::StatusOr<std::unique_ptr<grpc::Server>> agency = build_listener(
      config.agency_address, ListenerRole::kAgency, agency_service_.get(), &agency_port_);
  if (!agency.ok()) return agency.status();
  agency_server_ = *std::move(agency);
  absl::StatusOr<std::unique_ptr<grpc::Server>> federation =
      build_listener(config.federation_address, ListenerRole::kFederation,
                     federation_service_.get(), &federation_port_);
  if (!federation.ok()) return federation.status();
  federation_server_ = *std::move(federation);

  absl::Status admin = StartAdmin(config);
  if (!admin.ok()) return admin;
  metrics_->SetPolicyLoaded(absl::Now());
  UpdateExpiries(*snapshot);

  {
    absl::MutexLock lock(&refresh_mu_);
    refresh_interval_ = config.crl_refresh_interval;
  }
  refresher_ = std::thread([this] {
    for (absl::Time last = absl::Now(); WaitForNextRefresh(last); last = absl::Now()) {
      {
        absl::MutexLock lock(&reload_mu_);
        RefreshIdentity();
      }
      GatewayRuntimePtr runtime = runtime_.Get();
      runtime->RefreshRevocationLists();
      UpdateHealth();
      metrics_->SetAuditStats(audit_->stats());
      std::vector<std::pair<std::string, admin::PeerConnectionState>> peers;
      for (const auto& [country, pool] : runtime->upstreams().Peers()) {
        peers.emplace_back(country, static_cast<admin::PeerConnectionState>(pool->State()));
      }
      metrics_->SetPeerStates(std::move(peers));
      std::vector<admin::Expiry> crls;
      for (const auto& [country, next_update] : runtime->CrlNextUpdates()) {
        crls.push_back({absl::StrCat("crl-", country), next_update});
      }
      metrics_->SetExpiries(admin::ExpiryKind::kCrl, std::move(crls));
    }
  });
  // The policy, gateway.yaml, and the gateway's own certificate and key.
  std::vector<std::string> watched = {config.policy_dir};
  for (const std::string& file : {config_path_, config.certificate_file, config.key_file}) {
    std::string dir = file.substr(0, file.rfind('/') + 1);
    if (dir.empty()) dir = ".";
    if (std::find(watched.begin(), watched.end(), dir) == watched.end()) watched.push_back(dir);
  }
  // What the gateway writes itself, if it lies beside those files, is not an edit.
  std::vector<std::string> ignored = own_files_;
  ignored.push_back(config.audit_directory);
  if (GatewayConfig::IsAccessLogFile(config.access_log)) {
    ignored.push_back(config.access_log);
  }
  absl::StatusOr<std::unique_ptr<PolicyWatcher>> watcher = PolicyWatcher::Start(
      watched, std::move(ignored), absl::Milliseconds(200), [this] { (void)Reload(); });
  if (watcher.ok()) {
    watcher_ = *std::move(watcher);
  } else {
    LogWarning(absl::StrCat("policy files are not watched (reload with SIGHUP): ",
                            watcher.status().message()));
  }
  serving_started_ = true;
  LogInfo(absl::StrCat("gateway ", config.country, " serving: agency listener ", agency_address(),
                       ", federation listener ", federation_address(), ", policy ",
                       snapshot->digest().substr(0, 12)));
  return absl::OkStatus();
}

absl::Status GatewayServer::OpenAudit(const GatewayConfig& config) {
  absl::StatusOr<std::string> key = audit::ReadPseudonymKeyFile(config.pseudonym_key_file);
  if (!key.ok()) return key.status();
  if (config.audit_sink == "postgresql") {
    audit::PostgresSinkOptions options;
    SetSinkOptions(config, &options);
    options.conninfo_file = config.audit_postgresql_conninfo_file;
    absl::StatusOr<std::unique_ptr<audit::PostgresAuditSink>> sink =
        audit::PostgresAuditSink::Open(options);
    if (!sink.ok()) {
      return absl::Status(sink.status().code(), absl::StrCat("audit trail in PostgreSQL (",
                                                             config.audit_postgresql_conninfo_file,
                                                             "): ", sink.status().message()));
    }
    audit_ = *std::move(sink);
    LogInfo(absl::StrCat("audit trail: ", audit_->description()));
  } else {
    audit::AuditLogOptions options;
    SetSinkOptions(config, &options);
    options.directory = config.audit_directory;
    options.max_segment_bytes = static_cast<uint64_t>(config.audit_max_segment_bytes);
    absl::StatusOr<std::unique_ptr<audit::AuditLog>> log = audit::AuditLog::Open(options);
    if (!log.ok()) {
      return absl::Status(log.status().code(), absl::StrCat("audit trail ", config.audit_directory,
                                                            ": ", log.status().message()));
    }
    const audit::AuditOpenReport& report = (*log)->open_report();
    if (report.truncated) {
      LogWarning(absl::StrCat("audit trail: cut a torn last entry from ", report.truncated_segment,
                              " at offset ", report.truncated_offset, " (", report.truncated_bytes,
                              " bytes): ", report.truncated_reason));
    }
    LogInfo(absl::StrCat("audit trail ", config.audit_directory, ": continuing after record ",
                         report.last_sequence));
    audit_ = *std::move(log);
  }
  in_flight_ =
      std::make_unique<InFlightLimiter>(config.max_in_flight, config.max_in_flight_per_consumer);
  metrics_ = std::make_unique<admin::GatewayMetrics>();
  if (config.access_log != "off") {
    absl::StatusOr<std::unique_ptr<admin::AccessLog>> access_log =
        admin::AccessLog::Open(config.access_log);
    if (!access_log.ok()) return access_log.status();
    access_log_ = *std::move(access_log);
  }
  services_.audit = audit_.get();
  services_.pseudonym_key = *std::move(key);
  services_.identity = identity_.get();
  services_.receipt_keys = &receipt_keys_;
  services_.country = config.country;
  services_.in_flight = in_flight_.get();
  services_.metrics = metrics_.get();
  services_.access_log = access_log_.get();
  services_.stopping = &stopping_;
  services_.exchanges_in_progress = &exchanges_in_progress_;
  return absl::OkStatus();
}

absl::Status GatewayServer::StartAdmin(const GatewayConfig& config) {
  admin::AdminServerOptions options;
  options.address = config.admin_address;
  absl::StatusOr<std::unique_ptr<admin::AdminServer>> admin = admin::AdminServer::Start(
      options,
      [this] {
        metrics_->SetHandshakeRefusals(
            handshake_refusals_->count(HandshakeRefusals::Side::kAgencyListener),
            handshake_refusals_->count(HandshakeRefusals::Side::kFederationListener),
            handshake_refusals_->count(HandshakeRefusals::Side::kUpstream));
        return metrics_->Exposition();
      },
      [this]() -> absl::Status {
        // A draining gateway has closed its listeners: a load balancer that still sends it calls
        // has them refused until the drain ends.
        if (stopping_.load()) {
          return absl::UnavailableError("draining: the gateway is stopping and takes no new calls");
        }
        if (!audit_->healthy()) {
          return absl::UnavailableError("the audit trail cannot be written: exchanges are refused");
        }
        return absl::OkStatus();
      });
  if (!admin.ok()) {
    return absl::Status(admin.status().code(), absl::StrCat("admin listener ", config.admin_address,
                                                            ": ", admin.status().message()));
  }
  admin_ = *std::move(admin);
  return absl::OkStatus();
}

void GatewayServer::UpdateExpiries(const PolicySnapshot& snapshot) {
  metrics_->SetAgreementExpiries(snapshot.agreements().agreements());
  std::vector<admin::Expiry> certificates;
  certificates.push_back({"gateway", identity_->current()->not_after});
  for (const FederationCountry& country : snapshot.federation().countries) {
    absl::StatusOr<Certificate> ca = Certificate::FromPemFile(country.ca_file);
    if (ca.ok()) certificates.push_back({absl::StrCat("ca-", country.code), ca->not_after()});
  }
  metrics_->SetExpiries(admin::ExpiryKind::kCertificate, std::move(certificates));
}

void GatewayServer::UpdateHealth() {
  bool serving = audit_->healthy();
  if (serving == serving_) return;
  serving_ = serving;
  for (grpc::Server* server : {agency_server_.get(), federation_server_.get()}) {
    if (server != nullptr && server->GetHealthCheckService() != nullptr) {
      server->GetHealthCheckService()->SetServingStatus(serving);
    }
  }
  if (serving) {
    LogInfo("audit trail writable again: serving");
  } else {
    LogError("audit trail not writable: NOT_SERVING, exchanges refused until it recovers");
  }
}

void GatewayServer::EndStreamsOnceExchangesEnd(absl::Time deadline,
                                               const std::atomic<int>& listeners_done) {
  // Polled rather than signalled: a drain is rare, and a call that arrived just before the
  // listeners closed gets two polls to become an exchange before the rest is cancelled.
  constexpr absl::Duration kPoll = absl::Milliseconds(20);
  int idle_polls = 0;
  while (listeners_done.load() < 2 && absl::Now() + kPoll < deadline) {
    absl::SleepFor(kPoll);
    if (drain_ended_early_.load()) {
      // Again on every poll until the listeners are done: a call accepted just before they closed
      // would otherwise hold the drain until `deadline`.
      CancelAllCalls();
      continue;
    }
    idle_polls = exchanges_in_progress_.load() == 0 ? idle_polls + 1 : 0;
    if (idle_polls < 2) continue;
    CancelAllCalls();
    return;
  }
}

void GatewayServer::CancelAllCalls() {
  // gRPC's own Shutdown does the same when its deadline passes: UNAVAILABLE, "Cancelling all
  // calls".
  for (grpc::Server* server : {agency_server_.get(), federation_server_.get()}) {
    if (server != nullptr) grpc_server_cancel_all_calls(server->c_server());
  }
}

void GatewayServer::EndDrainNow(absl::string_view reason) {
  if (drain_ended_early_.exchange(true)) return;
  LogWarning(absl::StrCat(
      reason, ": drain cut short, cancelling ",
      Counted(exchanges_in_progress_.load(), "exchange in progress", "exchanges in progress")));
  // Before the drain has begun, its first poll cancels them: calls cancelled now would be recorded
  // as given up by their callers.
  if (stopping_.load()) CancelAllCalls();
}

bool GatewayServer::WaitForNextRefresh(absl::Time last) {
  absl::MutexLock lock(&refresh_mu_);
  // Recomputed after every wake-up: a reload that shortens the interval takes effect at once.
  while (!stop_refresh_ && absl::Now() < last + refresh_interval_) {
    refresh_changed_.WaitWithDeadline(&refresh_mu_, last + refresh_interval_);
  }
  return !stop_refresh_;
}

absl::Status GatewayServer::Reload() {
  absl::MutexLock lock(&reload_mu_);
  // A reload is also the moment logrotate has moved the access log away.
  if (access_log_ != nullptr) {
    absl::Status reopened = access_log_->Reopen();
    if (!reopened.ok()) LogError(absl::StrCat("access log: ", reopened.message()));
  }
  auto fail = [this](const absl::Status& status) {
    reloads_failed_.fetch_add(1);
    metrics_->RecordReload(false);
    LogError(absl::StrCat("policy reload failed, the running policy stays in force:\n",
                          status.message()));
    return status;
  };
  RefreshIdentity();
  // A key that needs a restart keeps its running value instead of holding back the rest of the
  // edit; the warning below names it on every reload until the gateway restarts.
  std::vector<std::string> restart_only;
  absl::StatusOr<PolicySnapshotPtr> snapshot =
      LoadPolicySnapshot(config_path_, [this, &restart_only](GatewayConfig* loaded) {
        if (loaded->country != startup_config_.country) {
          return absl::FailedPreconditionError(absl::StrCat(
              config_path_, ": country changed from ", startup_config_.country, " to ",
              loaded->country,
              "; a gateway cannot take another country while it runs: restart it, with that "
              "country's certificate"));
        }
        restart_only = KeepRestartOnlyValues(startup_config_, loaded);
        return absl::OkStatus();
      });
  if (!snapshot.ok()) return fail(snapshot.status());
  const std::string pending = absl::StrJoin(restart_only, ", ");
  auto warn_restart_needed = [&] {
    if (pending.empty()) return;
    LogWarning(absl::StrCat("restart needed: ", config_path_, ": ", pending,
                            " changed; they take effect only on restart, until then the running "
                            "values stay in force (the rest of this reload is applied)"));
  };
  GatewayRuntimePtr current = runtime_.Get();
  if ((*snapshot)->digest() == current->snapshot().digest()) {
    warn_restart_needed();
    LogInfo(absl::StrCat("policy reload found nothing to change: ",
                         current->snapshot().digest().substr(0, 12), " stays in force"));
    return absl::OkStatus();
  }
  absl::StatusOr<GatewayRuntimePtr> runtime = GatewayRuntime::Build(
      *snapshot, identity_->current()->tls, *quota_, services_.pseudonym_key, handshake_refusals_);
  if (!runtime.ok()) return fail(runtime.status());
  runtime_.Set(*std::move(runtime));
  const GatewayConfig& config = (*snapshot)->gateway();
  SetLogLevel(config.log_level);
  in_flight_->SetLimits(config.max_in_flight, config.max_in_flight_per_consumer);
  quota_->SetShare(config.quota_share);
  {
    absl::MutexLock refresh_lock(&refresh_mu_);
    refresh_interval_ = config.crl_refresh_interval;
  }
  refresh_changed_.SignalAll();
  if (absl::Status published = PublishListenerFiles(**snapshot); !published.ok()) {
    LogError(
        absl::StrCat("listeners keep the CAs they named before the reload: ", published.message()));
  }
  absl::flat_hash_set<std::string> agreement_ids;
  for (const auto& agreement : (*snapshot)->agreements().agreements()) {
    agreement_ids.insert(agreement->id);
  }
  quota_->RetainOnly(agreement_ids);
  reloads_succeeded_.fetch_add(1);
  metrics_->RecordReload(true);
  UpdateExpiries(**snapshot);
  audit::v1::AuditRecord record;
  record.set_direction(audit::v1::POLICY_RELOAD);
  record.set_policy_digest(absl::HexStringToBytes((*snapshot)->digest()));
  record.set_deciding_rule(absl::StrCat("policy reloaded from ", config_path_,
                                        pending.empty() ? "" : "; on restart: ", pending));
  audit_->Append(std::move(record), [](absl::Status durable) {
    if (!durable.ok()) LogError(absl::StrCat("policy reload not recorded: ", durable.message()));
  });
  warn_restart_needed();
  LogInfo(absl::StrCat("policy reloaded: ", current->snapshot().digest().substr(0, 12), " -> ",
                       (*snapshot)->digest().substr(0, 12)));
  return absl::OkStatus();
}

absl::Status GatewayServer::PublishListenerFiles(const PolicySnapshot& snapshot) {
  return listener_files_->Publish(identity_->current()->tls, ListenerRoots(snapshot));
}

void GatewayServer::RefreshIdentity() {
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> checked = identity_->Check();
  std::shared_ptr<const GatewayCredentials> in_force = identity_->current();
  if (!checked.ok()) {
    LogError(absl::StrCat("gateway certificate not replaced, ", DescribeCredentials(*in_force),
                          " stays in force: ", checked.status().message()));
    return;
  }
  std::shared_ptr<const GatewayCredentials> replacement = *std::move(checked);
  if (replacement == nullptr) return;
  GatewayRuntimePtr current = runtime_.Get();
  // Peers would refuse a certificate that this gateway's own CA did not issue, or that is expired
  // or revoked: keep the pair that works.
  absl::StatusOr<VerifiedPeer> verified =
      current->own_country_trust().Verify(replacement->tls.certificate_pem, absl::Now());
  if (!verified.ok()) {
    identity_->Refuse(*replacement);
    LogError(absl::StrCat("gateway certificate not replaced, ", DescribeCredentials(*in_force),
                          " stays in force: the new certificate in ", identity_->certificate_file(),
                          " (", DescribeCredentials(*replacement),
                          ") does not verify against the CA of ", startup_config_.country, ": ",
                          verified.status().message()));
    return;
  }
  absl::StatusOr<GatewayRuntimePtr> runtime =
      GatewayRuntime::Build(current->snapshot_ptr(), replacement->tls, *quota_,
                            services_.pseudonym_key, handshake_refusals_);
  if (!runtime.ok()) {
    identity_->Refuse(*replacement);
    LogError(absl::StrCat("gateway certificate not replaced: ", runtime.status().message()));
    return;
  }
  // The listeners take the files within kListenerCertificateRefreshSeconds; new connections to
  // peers present the new certificate at once; receipts and checkpoints are signed with the new
  // key from now on. Connections opened before keep the certificate they were opened with.
  if (absl::Status published =
          listener_files_->Publish(replacement->tls, ListenerRoots(current->snapshot()));
      !published.ok()) {
    identity_->Refuse(*replacement);
    LogError(absl::StrCat("gateway certificate not replaced: ", published.message()));
    return;
  }
  identity_->Install(replacement);
  runtime_.Set(*std::move(runtime));
  audit_->ReplaceCheckpointSigner(replacement->signer);
  UpdateExpiries(current->snapshot());
  const std::string change =
      absl::StrCat("gateway certificate replaced from ", identity_->certificate_file(), " and ",
                   identity_->key_file(), ": ", DescribeCredentials(*in_force), " -> ",
                   DescribeCredentials(*replacement));
  audit::v1::AuditRecord record;
  record.set_direction(audit::v1::IDENTITY_CHANGE);
  record.set_policy_digest(absl::HexStringToBytes(current->snapshot().digest()));
  record.set_deciding_rule(change);
  audit_->Append(std::move(record), [](absl::Status durable) {
    if (!durable.ok()) {
      LogError(absl::StrCat("gateway certificate change not recorded: ", durable.message()));
    }
  });
  LogInfo(change);
}

std::string GatewayServer::agency_address() const {
  return absl::StrCat(HostOf(startup_config_.agency_address), ":", agency_port_);
}

std::string GatewayServer::admin_address() const {
  return admin_ != nullptr ? admin_->address() : "";
}

std::string GatewayServer::federation_address() const {
  return absl::StrCat(HostOf(startup_config_.federation_address), ":", federation_port_);
}

absl::Status GatewayServer::Shutdown() {
  if (shut_down_) return sealed_;
  shut_down_ = true;
  watcher_.reset();
  GatewayRuntimePtr runtime = runtime_.Get();
  const absl::Duration drain = runtime != nullptr ? runtime->snapshot().gateway().drain_timeout
                                                  : startup_config_.drain_timeout;
  // A gateway that failed to start has no calls to drain: its log ends with why it did not start.
  if (serving_started_) {
    LogInfo(absl::StrCat("shutting down: draining calls in flight for up to ",
                         absl::FormatDuration(drain)));
  }
  auto deadline = absl::ToChronoTime(absl::Now() + drain);
  stopping_.store(true);
  // Health watchers (a client's load balancing, a proxy) learn at once that the gateway takes no
  // new calls; gRPC's own shutdown would tell them nothing before it cuts their streams.
  for (grpc::Server* server : {agency_server_.get(), federation_server_.get()}) {
    if (server != nullptr && server->GetHealthCheckService() != nullptr) {
      server->GetHealthCheckService()->Shutdown();
    }
  }
  // Both listeners stop accepting at once; each waits for its own calls.
  std::atomic<int> listeners_done{0};
  std::thread agency([&] {
    if (agency_server_) agency_server_->Shutdown(deadline);
    listeners_done.fetch_add(1);
  });
  std::thread federation([&] {
    if (federation_server_) federation_server_->Shutdown(deadline);
    listeners_done.fetch_add(1);
  });
  EndStreamsOnceExchangesEnd(absl::FromChrono(deadline), listeners_done);
  agency.join();
  federation.join();
  // No exchange is left to use them: the streams to peer gateways end before gRPC may go.
  if (runtime != nullptr) runtime->upstreams().CloseFrameStreams();
  if (!FederationStreamClient::AwaitAllEnded(absl::Seconds(5))) {
    LogWarning("federation streams to peer gateways still open after 5 s");
  }
  {
    absl::MutexLock lock(&refresh_mu_);
    stop_refresh_ = true;
  }
  refresh_changed_.SignalAll();
  if (refresher_.joinable()) refresher_.join();
  if (admin_ != nullptr) admin_->Stop();
  if (audit_ != nullptr) {
    absl::Status closed = audit_->Close();
    if (closed.ok()) {
      LogInfo(absl::StrCat("audit trail sealed after record ", audit_->stats().last_sequence));
    } else {
      sealed_ =
          absl::Status(closed.code(), absl::StrCat("audit trail not sealed: ", closed.message()));
      LogError(sealed_.message());
    }
  }
  if (serving_started_) {
    LogInfo(sealed_.ok() ? "gateway stopped" : "gateway stopped without sealing its audit trail");
  }
  return sealed_;
}

GatewayServer::~GatewayServer() { (void)Shutdown(); }

}  // namespace pasarela
