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
// Trailing metadata of the provider gateway's answer: its signed receipt (binary, hence -bin)...
inline constexpr char kReceiptKey[] = "x-pasarela-receipt-bin";
// ...and the certificate (PEM) whose key signed it, named only after the provider gateway replaced
// the certificate it started with: a connection opened before still presents the old one.
inline constexpr char kReceiptSignerKey[] = "x-pasarela-receipt-signer-bin";

// Federation protocol 2 (proto/pasarela/federation/v1/federation.proto): the facts a consumer
// gateway sends as kTargetKey to kAgreementDigestKey, in one binary header...
inline constexpr char kCallFactsKey[] = "x-pasarela-call-bin";
// ...and those a provider gateway answers with as kAnsweredByKey to kWithheldKey and the
// receipt's keys, in one binary trailer.
inline constexpr char kAnswerFactsKey[] = "x-pasarela-answer-bin";

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_ROUTING_METADATA_KEYS_H_
