#include "gateway/net/channel_pool.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace pasarela {
namespace {

constexpr int kConnectAttemptTimeoutMs = 5000;

}  // namespace

ChannelPool::ChannelPool(std::string address, std::string description,
                         std::shared_ptr<grpc::ChannelCredentials> credentials,
                         const ChannelPoolOptions& options,
                         std::shared_ptr<const TrustStore> server_trust)
    : address_(std::move(address)),
      description_(std::move(description)),
      server_trust_(std::move(server_trust)) {
  int max_backoff_ms = static_cast<int>(absl::ToInt64Milliseconds(options.max_reconnect_backoff));
  for (int i = 0; i < std::max(1, options.channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(100, max_backoff_ms));
    // gRPC takes this "minimum reconnect backoff" as the time one connection attempt (TCP, TLS,
    // the peer's HTTP/2 SETTINGS) may take: at 100 ms, attempts to a busy or distant peer timed
    // out and calls failed UNAVAILABLE although the peer was up.
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kConnectAttemptTimeoutMs);
    args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, static_cast<int>(options.max_message_bytes));
    args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, static_cast<int>(options.max_message_bytes));
    // Distinct arguments keep the channels on distinct connections.
    args.SetInt("pasarela.channel_index", i);
    channels_.push_back(grpc::CreateCustomChannel(address_, credentials, args));
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channels_.back()));
  }
}

grpc_connectivity_state ChannelPool::State() const {
  // Ordered from best to worst, so the pool reports its best channel.
  static constexpr grpc_connectivity_state kOrder[] = {
      GRPC_CHANNEL_READY, GRPC_CHANNEL_CONNECTING, GRPC_CHANNEL_IDLE,
      GRPC_CHANNEL_TRANSIENT_FAILURE, GRPC_CHANNEL_SHUTDOWN};
  size_t best = sizeof(kOrder) / sizeof(kOrder[0]) - 1;
  for (const auto& channel : channels_) {
    grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/false);
    for (size_t i = 0; i < best; ++i) {
      if (kOrder[i] == state) best = i;
    }
  }
  return kOrder[best];
}

grpc::GenericStub& ChannelPool::Pick() {
  uint64_t index = next_.fetch_add(1, std::memory_order_relaxed);
  return *stubs_[index % stubs_.size()];
}

}  // namespace pasarela
