// The facts two gateways exchange beside the payload of a federation call, in either form of
// the federation protocol: protocol 1, one metadata element per fact, or protocol 2, one binary
// header on the call and one binary trailer on the answer (proto/pasarela/federation/v1). A
// consumer gateway sends the form the federation file names for the provider's country; a
// provider gateway reads both and answers in the form it was called in.
//
// Plain functions over values; thread-safe.
#ifndef PASARELA_GATEWAY_NET_FEDERATION_FACTS_H_
#define PASARELA_GATEWAY_NET_FEDERATION_FACTS_H_

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/routing/exchange_router.h"
#include "pasarela/federation/v1/federation.pb.h"

namespace pasarela {

using MetadataView = std::multimap<grpc::string_ref, grpc::string_ref>;

// The first value of `key` in `metadata`, or empty.
std::string HeaderValue(const MetadataView& metadata, const char* key);

// The value of `key` in `metadata`, or empty when absent; INVALID_ARGUMENT when the key comes
// more than once, since which one the caller meant is not for the gateway to guess.
absl::StatusOr<std::string> SingleHeaderValue(const MetadataView& metadata, const char* key);

// What an agency says about its call: the target, purpose and agreement (absent ones empty), each
// at most once. The consumer and exchange id are the gateway's own and stay empty.
absl::StatusOr<ExchangeHeaders> ReadAgencyHeaders(const MetadataView& metadata);

// What a consumer gateway says about a call.
struct CallFactsFromPeer {
  ExchangeHeaders headers;
  std::string agreement_digest;
  // The call came in protocol 2's form, so its answer goes out in it.
  bool compact = false;
};

// The facts of a peer gateway's CallFacts message (protocol 2's header, protocol 3's call frame),
// as read in protocol 2's form; its strings are moved out.
CallFactsFromPeer TakeCallFacts(federation::v1::CallFacts& facts);

// The call's facts from a peer gateway's metadata: from kCallFactsKey when present, else from one
// header each (absent ones empty: the router and the agreement check say which are required).
// INVALID_ARGUMENT when kCallFactsKey does not parse, comes with any of protocol 1's headers, or
// when a fact comes twice.
absl::StatusOr<CallFactsFromPeer> ReadCallFacts(const MetadataView& metadata);

// What a consumer gateway says about a call: views into its own strings.
struct CallFactsToSend {
  absl::string_view target;
  absl::string_view consumer;
  absl::string_view exchange_id;
  absl::string_view purpose;
  absl::string_view agreement;
  absl::string_view agreement_digest;
};

// The value of kCallFactsKey.
std::string CallFactsHeader(const CallFactsToSend& facts);

// What a provider gateway says about its answer.
struct AnswerFactsFromPeer {
  // The provider gateway decided the status (rather than a failure to reach it).
  bool answered_by_gateway = false;
  std::string answered_by;
  std::string receipt;
  std::string receipt_signer;
  std::string deny_rule;
  std::string withheld;
};

// The facts of a peer gateway's AnswerFacts message (protocol 2's trailer, protocol 3's answer
// frame), whose presence says that the gateway answered; its strings are moved out.
AnswerFactsFromPeer TakeAnswerFacts(federation::v1::AnswerFacts& facts);

// The answer's facts from a peer gateway's trailing metadata, in either form. INVALID_ARGUMENT
// when kAnswerFactsKey does not parse.
absl::StatusOr<AnswerFactsFromPeer> ReadAnswerFacts(const MetadataView& trailers);

// What a provider gateway says about its answer: views into its own strings (that a gateway
// answered is implied by the trailer's presence).
struct AnswerFactsToSend {
  absl::string_view answered_by;
  absl::string_view receipt;
  absl::string_view receipt_signer;
  absl::string_view deny_rule;
  absl::string_view withheld;
};

// The value of kAnswerFactsKey.
std::string AnswerFactsTrailer(const AnswerFactsToSend& facts);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_FEDERATION_FACTS_H_
