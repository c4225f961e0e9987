// HandshakeRefusals: how many TLS handshakes the gateway refused, by where: on its agency
// listener or its federation listener (the client's certificate), or calling out (the
// certificate of a peer gateway or provider). The certificate verifiers count; the metrics read
// the counts at each scrape (pasarela_handshake_refusals_total). gRPC may keep a verifier past the
// objects that made it, so the verifiers share ownership of the counts.
//
// Thread safety: safe for concurrent use; counts are relaxed atomics.
#ifndef PASARELA_GATEWAY_NET_HANDSHAKE_REFUSALS_H_
#define PASARELA_GATEWAY_NET_HANDSHAKE_REFUSALS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pasarela {

class HandshakeRefusals {
 public:
  enum class Side : size_t { kAgencyListener, kFederationListener, kUpstream };

  void Record(Side side) {
    counts_[static_cast<size_t>(side)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count(Side side) const {
    return counts_[static_cast<size_t>(side)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<uint64_t>, 3> counts_{};
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_HANDSHAKE_REFUSALS_H_
