// ExchangeFacts: what the data plane knows about one finished exchange, handed to the metrics
// (GatewayMetrics::RecordExchange) and to the access log (AccessLog::Write) in one value, so that
// the reactor builds no label strings or JSON itself.
//
// A plain value of views: it borrows the reactor's strings and is read synchronously by the calls
// it is passed to, which copy nothing they do not keep. It never carries payload values.
#ifndef PASARELA_GATEWAY_ADMIN_EXCHANGE_FACTS_H_
#define PASARELA_GATEWAY_ADMIN_EXCHANGE_FACTS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "gateway/agreement/agreement.h"

namespace pasarela::admin {

// Which side of an exchange this gateway was on (the audit record's direction).
enum class ExchangeDirection {
  kConsumerSide,  // the call came in on the agency listener
  kProviderSide,  // the call came in on the federation listener
};
// "consumer_side", "provider_side".
absl::string_view ExchangeDirectionName(ExchangeDirection direction);

// The timed stages of the request pipeline.
enum class ExchangeStage { kAuthorise, kMap, kClassify, kForward, kAudit };
inline constexpr size_t kExchangeStageCount = 5;
// "authorise", "map", "classify", "forward", "audit".
absl::string_view ExchangeStageName(ExchangeStage stage);

// The gRPC status code name, as gRPC spells it: "OK", "PERMISSION_DENIED", ... ("UNKNOWN" for a
// number outside 0..16). absl::StatusCode and grpc::StatusCode share their numbers.
absl::string_view StatusCodeName(absl::StatusCode code);

struct ExchangeFacts {
  absl::string_view exchange_id;
  // Country code of this gateway.
  absl::string_view gateway;
  ExchangeDirection direction = ExchangeDirection::kConsumerSide;
  // Participants; empty when the call was refused before they were known.
  absl::string_view consumer;
  absl::string_view provider;
  // "pasarela.identity.v1.IdentityService/GetPerson". The metrics use it as a label value, so
  // the data plane passes a method of the descriptor catalog, or a fixed word for others.
  absl::string_view method;
  absl::string_view agreement;
  absl::string_view purpose;
  // Whether this gateway's policy holds `agreement`, and whether that agreement names `provider`
  // as its provider. The metrics label a value the policy does not know "unknown", so that a
  // caller cannot mint label values; the access log writes what the caller claimed.
  bool agreement_known = false;
  bool provider_known = false;
  // True when the agreement allowed the exchange (it may still have failed upstream).
  bool allowed = false;
  // The rule that decided: "allowed", or the deny rule ("purpose-not-allowed", ...).
  absl::string_view rule;
  // The status the caller was answered with.
  absl::StatusCode code = absl::StatusCode::kOk;
  // When the call arrived and when it was answered.
  absl::Time time_in;
  absl::Time time_out;
  // How long each stage took; nullopt for a stage that did not run.
  std::array<absl::optional<absl::Duration>, kExchangeStageCount> stages;
  // Serialized sizes of the request received and the response sent.
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  // Response field paths withheld from the caller (data minimisation).
  absl::Span<const std::string> withheld_fields;
  // Personal-data categories of the data that was disclosed, each once.
  absl::Span<const DataCategory> categories_disclosed;
  // The form of the federation protocol between the two gateways (1 or 2): on the consumer side
  // the one this gateway called the peer in, on the provider side the one the peer called in; 0
  // when no peer gateway took part (a local provider, or a call refused before it was forwarded).
  int federation_protocol = 0;

  void SetStage(ExchangeStage stage, absl::Duration duration) {
    stages[static_cast<size_t>(stage)] = duration;
  }
  absl::Duration latency() const { return time_out - time_in; }
};

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_EXCHANGE_FACTS_H_
