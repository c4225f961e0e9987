// A few long-lived channels to one upstream (a peer gateway or a provider), used in turn.
//
// Each channel keeps its own HTTP/2 connection (a local subchannel pool), so calls spread over
// several connections instead of queueing on one. Reconnect backoff is bounded so that an upstream
// that comes back is used again within seconds. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_CHANNEL_POOL_H_
#define PASARELA_GATEWAY_NET_CHANNEL_POOL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/identity/trust_store.h"

namespace pasarela {

struct ChannelPoolOptions {
  int channels = 1;
  absl::Duration max_reconnect_backoff = absl::Seconds(2);
  int64_t max_message_bytes = 4 * 1024 * 1024;
};

class ChannelPool {
 public:
  // `description` names the upstream in errors and logs ("peer gateway CL at 127.0.0.1:7444").
  // `server_trust`, which may be null, holds the CA and CRL the upstream's certificate is checked
  // against, in the handshake (by `credentials`) and again per call (by the caller).
  ChannelPool(std::string address, std::string description,
              std::shared_ptr<grpc::ChannelCredentials> credentials,
              const ChannelPoolOptions& options,
              std::shared_ptr<const TrustStore> server_trust = nullptr);

  // The next channel's stub, round robin. The stub lives as long as the pool.
  grpc::GenericStub& Pick();

  const std::string& address() const { return address_; }
  // The best connectivity state among the pool's channels (READY if any is ready), for metrics.
  grpc_connectivity_state State() const;
  const std::string& description() const { return description_; }
  // Null when no CRL applies to the upstream's certificate.
  const TrustStore* server_trust() const { return server_trust_.get(); }

 private:
  std::string address_;
  std::string description_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<uint64_t> next_{0};
  std::shared_ptr<const TrustStore> server_trust_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_CHANNEL_POOL_H_
