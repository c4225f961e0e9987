// The routing stage: given who called (from the certificate) and the Pasarela headers, decides
// where the call goes next and which headers travel with it. Pure: no sockets, no clocks.
//
// On the agency listener (consumer side) the consumer is the caller's certificate identity, never a
// header; the call goes to the target country's gateway, or to a local provider when the target is
// of this gateway's own country. On the federation listener (provider side) the consumer header is
// trusted only if it names an agency of the calling gateway's own country; the call goes to the
// local provider that serves the method.
//
// Immutable; thread-safe. REQUIRES: the snapshot outlives the router.
#ifndef PASARELA_GATEWAY_ROUTING_EXCHANGE_ROUTER_H_
#define PASARELA_GATEWAY_ROUTING_EXCHANGE_ROUTER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/identity/trust_store.h"
#include "gateway/policy/policy_snapshot.h"

namespace pasarela {

// The Pasarela headers of an incoming call (empty when absent).
struct ExchangeHeaders {
  std::string target;
  std::string purpose;
  std::string agreement;
  std::string consumer;
  std::string exchange_id;
};

struct RouteDecision {
  enum class Hop { kPeerGateway, kLocalProvider };
  Hop hop = Hop::kPeerGateway;
  // The target country for kPeerGateway; the provider participant for kLocalProvider.
  std::string upstream;
  std::string consumer;
  std::string provider;
  std::string exchange_id;
  // Headers to set on the outgoing call, in order. Empty for a peer gateway called in protocol
  // 2 (`compact`): the call then carries its facts in one header (gateway/net/federation_facts.h).
  std::vector<std::pair<std::string, std::string>> metadata;
  bool compact = false;
  // A peer gateway called in protocol 3: the call goes as a frame on the federation stream to it
  // (gateway/net/federation_stream_client.h), its facts in the frame. Implies `compact`.
  bool framed = false;
};

// A fresh exchange id: a random (version 4) UUID.
std::string NewExchangeId();
// True for the textual form of a UUID (36 characters, lower-case hex).
bool IsExchangeId(absl::string_view text);

class ExchangeRouter {
 public:
  explicit ExchangeRouter(const PolicySnapshot& snapshot) : snapshot_(snapshot) {}

  // Consumer side. `exchange_id` is the id this gateway assigned to the call.
  absl::StatusOr<RouteDecision> RouteAgencyCall(const VerifiedPeer& caller,
                                                const ExchangeHeaders& headers,
                                                absl::string_view method,
                                                std::string exchange_id) const;
  // Provider side. `peer` is the calling gateway.
  absl::StatusOr<RouteDecision> RouteFederationCall(const VerifiedPeer& peer,
                                                    const ExchangeHeaders& headers,
                                                    absl::string_view method) const;

 private:
  absl::StatusOr<RouteDecision> RouteToLocalProvider(const ExchangeHeaders& headers,
                                                     absl::string_view method, std::string consumer,
                                                     std::string exchange_id) const;
  const PolicySnapshot& snapshot_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_ROUTING_EXCHANGE_ROUTER_H_
