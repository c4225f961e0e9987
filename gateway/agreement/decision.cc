#include "gateway/agreement/decision.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/policy/descriptor_catalog.h"

namespace pasarela {
namespace {

// Enough of a digest for a person to tell two apart.
absl::string_view ShortDigest(absl::string_view digest) { return digest.substr(0, 12); }

AgreementDecision Deny(const Agreement* agreement, absl::string_view rule, absl::Status status) {
  AgreementDecision decision;
  decision.allowed = false;
  decision.rule = std::string(rule);
  decision.status = std::move(status);
  decision.agreement = agreement;
  return decision;
}

}  // namespace

AgreementDecision Decide(const AgreementBook& book, const CallFacts& facts) {
  if (facts.agreement_id.empty()) {
    return Deny(nullptr, kRuleAgreementMissing,
                absl::PermissionDeniedError(
                    "the call names no agreement: set x-pasarela-agreement to the id of the "
                    "agreement it is made under"));
  }
  const Agreement* agreement = book.Find(facts.agreement_id);
  if (agreement == nullptr) {
    return Deny(nullptr, kRuleAgreementUnknown,
                absl::PermissionDeniedError(absl::StrCat("agreement '", facts.agreement_id,
                                                         "' is not known to this gateway")));
  }
  const std::string& id = agreement->id;
  if (!agreement->HasConsumer(facts.consumer)) {
    return Deny(agreement, kRuleConsumerNotParty,
                absl::PermissionDeniedError(
                    absl::StrCat(facts.consumer, " is not a consumer of agreement ", id,
                                 "; its consumers: ", absl::StrJoin(agreement->consumers, ", "))));
  }
  if (facts.provider != agreement->provider) {
    return Deny(agreement, kRuleProviderMismatch,
                absl::PermissionDeniedError(absl::StrCat(
                    "agreement ", id, " is with provider ", agreement->provider, ", not ",
                    facts.provider.empty() ? "(no target)" : facts.provider)));
  }
  absl::string_view method = CanonicalMethodName(facts.method);
  if (!agreement->AllowsMethod(method)) {
    return Deny(agreement, kRuleMethodNotAllowed,
                absl::PermissionDeniedError(
                    absl::StrCat("agreement ", id, " does not allow method ", method,
                                 "; allowed: ", absl::StrJoin(agreement->methods, ", "))));
  }
  if (facts.purpose.empty()) {
    return Deny(agreement, kRulePurposeMissing,
                absl::PermissionDeniedError(absl::StrCat(
                    "agreement ", id, " requires a purpose: set x-pasarela-purpose to one of: ",
                    absl::StrJoin(agreement->purposes, ", "))));
  }
  if (!agreement->AllowsPurpose(facts.purpose)) {
    return Deny(agreement, kRulePurposeNotAllowed,
                absl::PermissionDeniedError(
                    absl::StrCat("agreement ", id, " does not allow purpose '", facts.purpose,
                                 "'; allowed: ", absl::StrJoin(agreement->purposes, ", "))));
  }
  if (facts.now < agreement->valid_from) {
    return Deny(
        agreement, kRuleAgreementNotYetValid,
        absl::FailedPreconditionError(absl::StrCat("agreement ", id, " is not in force until ",
                                                   FormatRfc3339(agreement->valid_from))));
  }
  if (facts.now > agreement->valid_until) {
    return Deny(agreement, kRuleAgreementExpired,
                absl::FailedPreconditionError(absl::StrCat("agreement ", id, " expired at ",
                                                           FormatRfc3339(agreement->valid_until))));
  }
  if (!facts.peer_agreement_digest.empty() && facts.peer_agreement_digest != agreement->digest) {
    return Deny(
        agreement, kRuleAgreementMismatch,
        absl::PermissionDeniedError(absl::StrCat(
            "agreement ", id,
            " differs between the gateways: the consumer's copy has "
            "digest ",
            ShortDigest(facts.peer_agreement_digest), "..., the provider's ",
            ShortDigest(agreement->digest), "...; both countries must load the same agreement")));
  }
  AgreementDecision decision;
  decision.allowed = true;
  decision.rule = kRuleAllowed;
  decision.agreement = agreement;
  return decision;
}

AgreementDecision Authorize(const AgreementBook& book, const CallFacts& facts,
                            QuotaLimiter& quota) {
  AgreementDecision decision = Decide(book, facts);
  if (!decision.allowed) return decision;
  absl::Status acquired = quota.Acquire(*decision.agreement, facts.consumer, facts.now);
  if (!acquired.ok()) return Deny(decision.agreement, kRuleQuotaExceeded, std::move(acquired));
  return decision;
}

}  // namespace pasarela
