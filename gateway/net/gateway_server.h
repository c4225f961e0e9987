// A running gateway: its two mutual-TLS listeners (agencies, peer gateways), the data plane behind
// them, health and reflection, and the background refresh of revocation lists.
//
// Start() returns once both listeners accept calls. Shutdown() stops accepting, lets calls in
// flight finish within the drain timeout, then cancels the rest. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_GATEWAY_SERVER_H_
#define PASARELA_GATEWAY_NET_GATEWAY_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "gateway/admin/reflection_service.h"
#include "gateway/identity/trust_store.h"
#include "gateway/net/caller_authenticator.h"
#include "gateway/net/exchange_service.h"
#include "gateway/net/tls.h"
#include "gateway/net/upstreams.h"
#include "gateway/policy/policy_snapshot.h"

namespace pasarela {

class GatewayServer {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(PolicySnapshotPtr snapshot);
  ~GatewayServer();

  int agency_port() const { return agency_port_; }
  int federation_port() const { return federation_port_; }
  // "host:port" with the port actually bound.
  std::string agency_address() const;
  std::string federation_address() const;

  // Graceful stop: see the class comment. Idempotent.
  void Shutdown();

 private:
  GatewayServer() = default;
  absl::Status Build();

  PolicySnapshotPtr snapshot_;
  TlsIdentity identity_;
  std::unique_ptr<TrustStore> agency_trust_;
  std::unique_ptr<TrustStore> federation_trust_;
  std::unique_ptr<CallerAuthenticator> agency_authenticator_;
  std::unique_ptr<CallerAuthenticator> federation_authenticator_;
  std::unique_ptr<Upstreams> upstreams_;
  ExchangeEnvironment agency_environment_;
  ExchangeEnvironment federation_environment_;
  std::unique_ptr<ExchangeService> agency_service_;
  std::unique_ptr<ExchangeService> federation_service_;
  std::unique_ptr<ReflectionService> reflection_;
  std::unique_ptr<grpc::Server> agency_server_;
  std::unique_ptr<grpc::Server> federation_server_;
  int agency_port_ = 0;
  int federation_port_ = 0;
  absl::Notification stop_refresh_;
  std::thread refresher_;
  bool shut_down_ = false;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_GATEWAY_SERVER_H_
