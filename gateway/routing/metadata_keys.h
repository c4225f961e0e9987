// The metadata keys of the Pasarela protocol. Callers set the first three; only gateways set the
// others, and a gateway drops any a caller set itself.
#ifndef PASARELA_GATEWAY_ROUTING_METADATA_KEYS_H_
#define PASARELA_GATEWAY_ROUTING_METADATA_KEYS_H_

namespace pasarela {

// Set by the calling agency.
inline constexpr char kTargetKey[] = "x-pasarela-target";
inline constexpr char kAgreementKey[] = "x-pasarela-agreement";
inline constexpr char kPurposeKey[] = "x-pasarela-purpose";
// Set by gateways; trusted only from an authenticated gateway of the consumer's own country.
inline constexpr char kConsumerKey[] = "x-pasarela-consumer";
inline constexpr char kExchangeIdKey[] = "x-pasarela-exchange-id";
// The digest of the consumer gateway's copy of the agreement; the provider gateway compares it
// with its own (rule agreement-mismatch).
inline constexpr char kAgreementDigestKey[] = "x-pasarela-agreement-digest";
// Trailing metadata: the country of the gateway that produced a status, so that a consumer
// gateway can tell a peer's answer from a failure to reach the peer.
inline constexpr char kAnsweredByKey[] = "x-pasarela-answered-by";
// Trailing metadata of a refused call: the id of the rule that refused it, for programs.
inline constexpr char kDenyRuleKey[] = "x-pasarela-deny-rule";
// Trailing metadata of an answer: the response fields the agreement kept from crossing.
inline constexpr char kWithheldKey[] = "x-pasarela-withheld";

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_ROUTING_METADATA_KEYS_H_
