// A few long-lived channels to one upstream (a peer gateway or a provider), used in turn.
//
// Each channel keeps its own HTTP/2 connection (a local subchannel pool), so calls spread over
// several connections instead of queueing on one. Reconnect backoff is bounded so that an upstream
// that comes back is used again within seconds. A channel whose connection presented a
// certificate revoked since can be replaced, so that no further request takes that connection.
// Thread-safe.
#ifndef PASARELA_GATEWAY_NET_CHANNEL_POOL_H_
#define PASARELA_GATEWAY_NET_CHANNEL_POOL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/identity/trust_store.h"
#include "gateway/net/federation_stream_client.h"

namespace pasarela {

struct ChannelPoolOptions {
  int channels = 1;
  absl::Duration max_reconnect_backoff = absl::Seconds(2);
  int64_t max_message_bytes = 4 * 1024 * 1024;
};

// One channel of a pool: a gRPC channel, its stub, and the certificate its connection presented.
// Thread-safe.
class PooledChannel {
 public:
  // `description` and `max_message_bytes` are the pool's, for the channel's federation stream
  // (FederationStreamClient::Open).
  PooledChannel(std::shared_ptr<grpc::Channel> channel, std::string description,
                size_t max_message_bytes);
  // Closes the channel's federation stream, if it has one.
  ~PooledChannel();

  grpc::GenericStub& stub() { return stub_; }
  grpc_connectivity_state State() const;
  // The certificate the connection presented on the last call answered through this channel
  // (RememberCertificate); null before the first.
  std::shared_ptr<const std::string> last_certificate() const;
  void RememberCertificate(absl::string_view pem);
  // The federation stream (protocol 3) on this channel's connection: opened on first use, and
  // again after the last one broke.
  std::shared_ptr<FederationStreamClient> FrameStream();
  // Closes the federation stream, if one is open; the next FrameStream opens another.
  void CloseFrameStream();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  const std::string description_;
  const size_t max_message_bytes_;
  absl::Mutex frame_stream_mu_;
  std::shared_ptr<FederationStreamClient> frame_stream_ ABSL_GUARDED_BY(frame_stream_mu_);
  // Read and written only through std::atomic_load and std::atomic_store.
  std::shared_ptr<const std::string> last_certificate_;
};

class ChannelPool {
 public:
  // A channel as Pick hands it out. Holding it keeps the channel for the call even if Reconnect
  // replaces it in the pool meanwhile.
  struct Picked {
    std::shared_ptr<PooledChannel> channel;
    size_t index = 0;
  };

  // `description` names the upstream in errors and logs ("peer gateway CL at 127.0.0.1:7444").
  // `server_trust`, which may be null, holds the CA and CRL the upstream's certificate is checked
  // against, in the handshake (by `credentials`) and again per call (by the caller).
  ChannelPool(std::string address, std::string description,
              std::shared_ptr<grpc::ChannelCredentials> credentials,
              const ChannelPoolOptions& options,
              std::shared_ptr<const TrustStore> server_trust = nullptr);

  // The next channel, round robin.
  Picked Pick() const;
  // Replaces the picked channel, if the pool still holds it, with a new one whose first call opens
  // a new connection, with a new handshake; returns the channel now in its place. Calls already
  // started keep the old channel, whose connection closes when the last of them ends. `*replaced`
  // says whether this call made the replacement (false when another call had made it already), so
  // that callers who found the same connection refused count it once.
  Picked Reconnect(const Picked& picked, bool* replaced);

  const std::string& address() const { return address_; }
  // The best connectivity state among the pool's channels (READY if any is ready), for metrics.
  grpc_connectivity_state State() const;
  const std::string& description() const { return description_; }
  // Null when no CRL applies to the upstream's certificate.
  const TrustStore* server_trust() const { return server_trust_.get(); }
  // Closes the federation streams of the pool's channels (a gateway that stops).
  void CloseFrameStreams() const;

 private:
  std::shared_ptr<PooledChannel> Connect(size_t index) const;

  std::string address_;
  std::string description_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  ChannelPoolOptions options_;
  // Read through std::atomic_load, so Pick takes no lock; replaced through std::atomic_store
  // under `reconnect_mu_`.
  std::vector<std::shared_ptr<PooledChannel>> channels_;
  mutable std::atomic<uint64_t> next_{0};
  absl::Mutex reconnect_mu_;
  std::shared_ptr<const TrustStore> server_trust_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_CHANNEL_POOL_H_
