#include "gateway/admin/exchange_facts.h"

namespace pasarela::admin {

absl::string_view ExchangeDirectionName(ExchangeDirection direction) {
  switch (direction) {
    case ExchangeDirection::kConsumerSide:
      return "consumer_side";
    case ExchangeDirection::kProviderSide:
      return "provider_side";
  }
  return "unknown";
}

absl::string_view ExchangeStageName(ExchangeStage stage) {
  switch (stage) {
    case ExchangeStage::kAuthorise:
      return "authorise";
    case ExchangeStage::kMap:
      return "map";
    case ExchangeStage::kClassify:
      return "classify";
    case ExchangeStage::kForward:
      return "forward";
    case ExchangeStage::kAudit:
      return "audit";
  }
  return "unknown";
}

absl::string_view StatusCodeName(absl::StatusCode code) {
  static constexpr absl::string_view kNames[] = {"OK",
                                                 "CANCELLED",
                                                 "UNKNOWN",
                                                 "INVALID_ARGUMENT",
                                                 "DEADLINE_EXCEEDED",
                                                 "NOT_FOUND",
                                                 "ALREADY_EXISTS",
                                                 "PERMISSION_DENIED",
                                                 "RESOURCE_EXHAUSTED",
                                                 "FAILED_PRECONDITION",
                                                 "ABORTED",
                                                 "OUT_OF_RANGE",
                                                 "UNIMPLEMENTED",
                                                 "INTERNAL",
                                                 "UNAVAILABLE",
                                                 "DATA_LOSS",
                                                 "UNAUTHENTICATED"};
  int index = static_cast<int>(code);
  return index >= 0 && index <= 16 ? kNames[index] : "UNKNOWN";
}

}  // namespace pasarela::admin
