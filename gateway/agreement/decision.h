// The per-call agreement decision: is this call, by this consumer, to this provider, for this
// purpose, allowed by the agreement it names, now?
//
// Decide is a pure function of the book and the facts of the call; the quota, which has state, is
// checked after it by Authorize. Both gateways decide: the consumer's first, then the provider's
// with its own copy of the agreement and the digest of the consumer's. Thread-safe (Authorize
// through the QuotaLimiter's own locking).
#ifndef PASARELA_GATEWAY_AGREEMENT_DECISION_H_
#define PASARELA_GATEWAY_AGREEMENT_DECISION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/agreement/agreement.h"
#include "gateway/agreement/agreement_book.h"
#include "gateway/agreement/quota_limiter.h"

namespace pasarela {

// Rule ids: stable names of what decided a call, for the x-pasarela-deny-rule trailer, the audit
// record and metrics. In the order Decide checks them.
inline constexpr char kRuleAgreementMissing[] = "agreement-missing";
inline constexpr char kRuleAgreementUnknown[] = "agreement-unknown";
inline constexpr char kRuleConsumerNotParty[] = "consumer-not-party";
inline constexpr char kRuleProviderMismatch[] = "provider-mismatch";
inline constexpr char kRuleMethodNotAllowed[] = "method-not-allowed";
inline constexpr char kRulePurposeMissing[] = "purpose-missing";
inline constexpr char kRulePurposeNotAllowed[] = "purpose-not-allowed";
inline constexpr char kRuleAgreementNotYetValid[] = "agreement-not-yet-valid";
inline constexpr char kRuleAgreementExpired[] = "agreement-expired";
inline constexpr char kRuleAgreementMismatch[] = "agreement-mismatch";
inline constexpr char kRuleQuotaExceeded[] = "quota-exceeded";
inline constexpr char kRuleAllowed[] = "allowed";

// What the gateway knows about a call. The views must stay valid during Decide.
struct CallFacts {
  absl::string_view consumer;      // participant, from the caller's certificate
  absl::string_view provider;      // participant the call targets (x-pasarela-target)
  absl::string_view method;        // "package.Service/Method" (a leading '/' is accepted)
  absl::string_view purpose;       // x-pasarela-purpose; empty when absent
  absl::string_view agreement_id;  // x-pasarela-agreement; empty when absent
  // The digest of the consumer gateway's copy, as sent to the provider gateway; empty on the
  // consumer side (nothing to compare with).
  absl::string_view peer_agreement_digest;
  absl::Time now;
};

struct AgreementDecision {
  bool allowed = false;
  // kRuleAllowed, or the id of the rule that denied.
  std::string rule;
  // OK when allowed; else PERMISSION_DENIED, FAILED_PRECONDITION (validity) or RESOURCE_EXHAUSTED
  // (quota), with a message a person understands.
  absl::Status status;
  // The agreement the call named, when the book has it (always when allowed); null otherwise.
  // Valid as long as the book.
  const Agreement* agreement = nullptr;
};

// Checks, in this order: agreement named, known, consumer a party, target the provider, method
// listed, purpose given and listed, in force at facts.now (from and until inclusive), and, when a
// peer digest is given, the same agreement on both sides.
AgreementDecision Decide(const AgreementBook& book, const CallFacts& facts);

// Decide, then, when allowed, one token of the quota of (agreement, consumer).
AgreementDecision Authorize(const AgreementBook& book, const CallFacts& facts, QuotaLimiter& quota);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_AGREEMENT_DECISION_H_
