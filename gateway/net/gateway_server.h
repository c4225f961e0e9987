// A running gateway: its two mutual-TLS listeners (agencies, peer gateways), the data plane behind
// them, health and reflection, the background refresh of revocation lists, and policy reloads.
//
// Start() returns once both listeners accept calls, and fails when another socket has either
// port. Reload() builds a new runtime from the policy files and swaps it in atomically; a reload
// that fails changes nothing. The keys of gateway.yaml that take effect only on restart
// (KeepRestartOnlyValues) keep their running values and are named in a warning, and the rest of
// the change is applied; a changed country fails the reload. The gateway's own certificate and
// key files are looked at on every reload and every CRL refresh; a replaced pair that passes the
// checks takes over the listeners, the peer channels, receipts and audit checkpoints
// (GatewayIdentity, LiveTlsFiles). Shutdown() stops accepting, lets exchanges in flight finish
// within the drain timeout, then cancels the rest (health Watch and reflection streams as soon as
// no exchange is left); EndDrainNow(), from another thread, cancels them at once instead.
// Thread-safe.
#ifndef PASARELA_GATEWAY_NET_GATEWAY_SERVER_H_
#define PASARELA_GATEWAY_NET_GATEWAY_SERVER_H_

#include <grpcpp/server.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/admin/access_log.h"
#include "gateway/admin/admin_server.h"
#include "gateway/admin/catalog_service.h"
#include "gateway/admin/gateway_metrics.h"
#include "gateway/admin/reflection_service.h"
#include "gateway/net/exchange_service.h"
#include "gateway/net/gateway_identity.h"
#include "gateway/net/gateway_runtime.h"
#include "gateway/net/handshake_refusals.h"
#include "gateway/net/live_tls_files.h"
#include "gateway/net/tls.h"
#include "gateway/policy/policy_watcher.h"

namespace pasarela {

class GatewayServer {
 public:
  // `config_path` is gateway.yaml, re-read on every reload; `snapshot` was loaded from it.
  // `own_files` are files the process writes itself (the ready file and its temporary copy):
  // like the audit trail and the access log, their changes never start a reload.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      std::string config_path, PolicySnapshotPtr snapshot, std::vector<std::string> own_files = {});
  ~GatewayServer();

  // "host:port" with the port actually bound.
  std::string agency_address() const;
  std::string federation_address() const;
  // The admin HTTP listener's "host:port" (/metrics, /livez, /readyz).
  std::string admin_address() const;

  // Re-reads the policy and swaps it in, with the in-flight bounds, the quota share, the log level,
  // the CRL refresh interval and the drain timeout it names. Logs and returns every error; on
  // error nothing changes.
  absl::Status Reload();
  uint64_t reloads_succeeded() const { return reloads_succeeded_.load(); }
  uint64_t reloads_failed() const { return reloads_failed_.load(); }

  // The registry /metrics serves, for the families the binary adds (its allocator's account).
  admin::MetricsRegistry& metrics_registry() { return metrics_->registry(); }

  // Graceful stop: see the class comment. Idempotent. Returns why the audit trail could not be
  // sealed (a full disk, say), or OK once it is.
  absl::Status Shutdown();
  // Called while Shutdown() drains on another thread (an administrator's second SIGTERM, say):
  // the calls still in progress are cancelled now, as they would be when the drain timeout ends,
  // so their callers get the same status and each exchange is recorded as cut by the drain;
  // Shutdown() then seals the audit trail and returns. Logs `reason` and how many exchanges it
  // cancelled. Later calls do nothing. Called before Shutdown(), it makes the drain end at once.
  void EndDrainNow(absl::string_view reason);

 private:
  GatewayServer() = default;
  absl::Status Build(PolicySnapshotPtr snapshot);
  absl::Status OpenAudit(const GatewayConfig& config);
  absl::Status StartAdmin(const GatewayConfig& config);
  // Expiry gauges: the gateway's and the federation's certificates, and the agreements.
  void UpdateExpiries(const PolicySnapshot& snapshot);
  // Health follows the audit trail: NOT_SERVING while it cannot be written.
  void UpdateHealth();
  // Writes the listeners' files: the identity in force and the CA bundles of `snapshot`.
  absl::Status PublishListenerFiles(const PolicySnapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  // Takes a replaced certificate and key if they pass the checks; logs what it did or refused.
  void RefreshIdentity() ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  // During a drain: once no exchange is left, cancels the calls that would otherwise hold the
  // drain until `deadline` (health Watch and reflection streams); once EndDrainNow was called,
  // cancels every call. Returns when `listeners_done` reaches 2, or after it cancelled the
  // streams, or at `deadline`.
  void EndStreamsOnceExchangesEnd(absl::Time deadline, const std::atomic<int>& listeners_done);
  // Cancels every call of both listeners: their callers get UNAVAILABLE.
  void CancelAllCalls();
  // Waits until the refresh interval has passed since `last`; false once Shutdown has begun.
  bool WaitForNextRefresh(absl::Time last);

  std::string config_path_;
  std::vector<std::string> own_files_;
  // gateway.yaml as the gateway started with it: the keys that take effect only on restart keep
  // these values across reloads.
  GatewayConfig startup_config_;
  std::unique_ptr<GatewayIdentity> identity_;
  std::unique_ptr<LiveTlsFiles> listener_files_;
  std::unique_ptr<audit::AuditSink> audit_;
  audit::SignerKeyCache receipt_keys_;
  ExchangeServices services_;
  std::atomic<bool> stopping_{false};
  // Set by EndDrainNow: the drain cancels what is left instead of waiting for it.
  std::atomic<bool> drain_ended_early_{false};
  std::atomic<int64_t> exchanges_in_progress_{0};
  std::unique_ptr<InFlightLimiter> in_flight_;
  std::unique_ptr<admin::GatewayMetrics> metrics_;
  // Shared with the certificate verifiers, which gRPC may keep after this server is gone.
  std::shared_ptr<HandshakeRefusals> handshake_refusals_ = std::make_shared<HandshakeRefusals>();
  std::unique_ptr<admin::AccessLog> access_log_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<QuotaLimiter> quota_;
  CurrentRuntime runtime_;
  std::unique_ptr<ExchangeService> agency_service_;
  std::unique_ptr<ExchangeService> federation_service_;
  // Reflection answers from the descriptor catalog of the first snapshot; descriptor sets added
  // later are served by the data plane at once, and by reflection after a restart.
  PolicySnapshotPtr reflection_snapshot_;
  // One per listener: each lists the services its listener serves.
  std::unique_ptr<ReflectionService> agency_reflection_;
  std::unique_ptr<ReflectionService> federation_reflection_;
  // On the agency listener: what the calling agency may call, under which agreements.
  std::unique_ptr<admin::CatalogService> catalog_;
  std::unique_ptr<grpc::Server> agency_server_;
  std::unique_ptr<grpc::Server> federation_server_;
  // Last serving status given to the health service (true: SERVING).
  bool serving_ = true;
  int agency_port_ = 0;
  int federation_port_ = 0;
  absl::Mutex reload_mu_;
  std::atomic<uint64_t> reloads_succeeded_{0};
  std::atomic<uint64_t> reloads_failed_{0};
  std::unique_ptr<PolicyWatcher> watcher_;
  // The CRL refresher's wait, which a reload shortens or lengthens and Shutdown ends.
  absl::Mutex refresh_mu_;
  absl::CondVar refresh_changed_;
  absl::Duration refresh_interval_ ABSL_GUARDED_BY(refresh_mu_);
  bool stop_refresh_ ABSL_GUARDED_BY(refresh_mu_) = false;
  std::thread refresher_;
  bool shut_down_ = false;
  // What Shutdown returns: why the audit trail was not sealed, or OK.
  absl::Status sealed_;
  // Set once Start has succeeded: only a gateway that served says that it drains and stops.
  bool serving_started_ = false;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_GATEWAY_SERVER_H_
