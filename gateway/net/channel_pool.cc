#include "gateway/net/channel_pool.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace pasarela {
namespace {

constexpr int kConnectAttemptTimeoutMs = 5000;

}  // namespace

PooledChannel::PooledChannel(std::shared_ptr<grpc::Channel> channel, std::string description,
                             size_t max_message_bytes)
    : channel_(std::move(channel)),
      stub_(channel_),
      description_(std::move(description)),
      max_message_bytes_(max_message_bytes) {}

PooledChannel::~PooledChannel() { CloseFrameStream(); }

void PooledChannel::CloseFrameStream() {
  std::shared_ptr<FederationStreamClient> stream;
  {
    absl::MutexLock lock(&frame_stream_mu_);
    stream = std::move(frame_stream_);
  }
  // Outside the lock: the exchanges still pending end here, and may pick this channel again.
  if (stream != nullptr) stream->Close();
}

std::shared_ptr<FederationStreamClient> PooledChannel::FrameStream() {
  absl::MutexLock lock(&frame_stream_mu_);
  if (frame_stream_ == nullptr || frame_stream_->broken()) {
    frame_stream_ = FederationStreamClient::Open(stub_, description_, max_message_bytes_);
  }
  return frame_stream_;
}

grpc_connectivity_state PooledChannel::State() const {
  return channel_->GetState(/*try_to_connect=*/false);
}

std::shared_ptr<const std::string> PooledChannel::last_certificate() const {
  return std::atomic_load(&last_certificate_);
}

void PooledChannel::RememberCertificate(absl::string_view pem) {
  std::shared_ptr<const std::string> last = std::atomic_load(&last_certificate_);
  // Every call through one connection presents the same certificate: nearly always no change.
  if (last != nullptr && *last == pem) return;
  std::atomic_store(&last_certificate_, std::make_shared<const std::string>(pem));
}

ChannelPool::ChannelPool(std::string address, std::string description,
                         std::shared_ptr<grpc::ChannelCredentials> credentials,
                         const ChannelPoolOptions& options,
                         std::shared_ptr<const TrustStore> server_trust)
    : address_(std::move(address)),
      description_(std::move(description)),
      credentials_(std::move(credentials)),
      options_(options),
      server_trust_(std::move(server_trust)) {
  const size_t channels = static_cast<size_t>(std::max(1, options.channels));
  for (size_t i = 0; i < channels; ++i) channels_.push_back(Connect(i));
}

std::shared_ptr<PooledChannel> ChannelPool::Connect(size_t index) const {
  int max_backoff_ms = static_cast<int>(absl::ToInt64Milliseconds(options_.max_reconnect_backoff));
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(100, max_backoff_ms));
  // gRPC takes this "minimum reconnect backoff" as the time one connection attempt (TCP, TLS,
  // the peer's HTTP/2 SETTINGS) may take: at 100 ms, attempts to a busy or distant peer timed
  // out and calls failed UNAVAILABLE although the peer was up.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kConnectAttemptTimeoutMs);
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, static_cast<int>(options_.max_message_bytes));
  args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, static_cast<int>(options_.max_message_bytes));
  // Distinct arguments keep the channels on distinct connections.
  args.SetInt("pasarela.channel_index", static_cast<int>(index));
  return std::make_shared<PooledChannel>(grpc::CreateCustomChannel(address_, credentials_, args),
                                         description_,
                                         static_cast<size_t>(options_.max_message_bytes));
}

ChannelPool::Picked ChannelPool::Pick() const {
  const size_t index = next_.fetch_add(1, std::memory_order_relaxed) % channels_.size();
  return Picked{std::atomic_load(&channels_[index]), index};
}

ChannelPool::Picked ChannelPool::Reconnect(const Picked& picked, bool* replaced) {
  absl::MutexLock lock(&reconnect_mu_);
  std::shared_ptr<PooledChannel>& slot = channels_[picked.index];
  // Another call may have replaced it already.
  *replaced = std::atomic_load(&slot) == picked.channel;
  if (*replaced) std::atomic_store(&slot, Connect(picked.index));
  return Picked{std::atomic_load(&slot), picked.index};
}

void ChannelPool::CloseFrameStreams() const {
  for (const std::shared_ptr<PooledChannel>& channel : channels_) {
    std::atomic_load(&channel)->CloseFrameStream();
  }
}

grpc_connectivity_state ChannelPool::State() const {
  // Ordered from best to worst, so the pool reports its best channel.
  static constexpr grpc_connectivity_state kOrder[] = {
      GRPC_CHANNEL_READY, GRPC_CHANNEL_CONNECTING, GRPC_CHANNEL_IDLE,
      GRPC_CHANNEL_TRANSIENT_FAILURE, GRPC_CHANNEL_SHUTDOWN};
  size_t best = sizeof(kOrder) / sizeof(kOrder[0]) - 1;
  for (const std::shared_ptr<PooledChannel>& channel : channels_) {
    grpc_connectivity_state state = std::atomic_load(&channel)->State();
    for (size_t i = 0; i < best; ++i) {
      if (kOrder[i] == state) best = i;
    }
  }
  return kOrder[best];
}

}  // namespace pasarela
