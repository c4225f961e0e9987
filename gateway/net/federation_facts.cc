#include "gateway/net/federation_facts.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/routing/metadata_keys.h"
#include "pasarela/federation/v1/federation.pb.h"

namespace pasarela {
namespace {

std::string Value(const MetadataView& metadata, const char* key) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Protocol 1's headers of a call, which a protocol-2 call must not also carry.
constexpr const char* kCallHeaders[] = {kTargetKey,  kConsumerKey,  kExchangeIdKey,
                                        kPurposeKey, kAgreementKey, kAgreementDigestKey};

}  // namespace

absl::StatusOr<CallFactsFromPeer> ReadCallFacts(const MetadataView& metadata) {
  CallFactsFromPeer out;
  auto compact = metadata.find(kCallFactsKey);
  if (compact == metadata.end()) {
    out.headers = ExchangeHeaders{Value(metadata, kTargetKey), Value(metadata, kPurposeKey),
                                  Value(metadata, kAgreementKey), Value(metadata, kConsumerKey),
                                  Value(metadata, kExchangeIdKey)};
    out.agreement_digest = Value(metadata, kAgreementDigestKey);
    return out;
  }
  for (const char* key : kCallHeaders) {
    if (metadata.count(key) > 0) {
      return absl::InvalidArgumentError(absl::StrCat("the call carries both ", kCallFactsKey,
                                                     " and ", key, ": a gateway sends one form"));
    }
  }
  if (metadata.count(kCallFactsKey) > 1) {
    return absl::InvalidArgumentError(absl::StrCat("the call carries ", kCallFactsKey, " twice"));
  }
  federation::v1::CallFacts facts;
  if (!facts.ParseFromArray(compact->second.data(), static_cast<int>(compact->second.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(kCallFactsKey, " is not a pasarela.federation.v1.CallFacts"));
  }
  out.headers =
      ExchangeHeaders{std::move(*facts.mutable_target()), std::move(*facts.mutable_purpose()),
                      std::move(*facts.mutable_agreement()), std::move(*facts.mutable_consumer()),
                      std::move(*facts.mutable_exchange_id())};
  out.agreement_digest = std::move(*facts.mutable_agreement_digest());
  out.compact = true;
  return out;
}

std::string CallFactsHeader(const ExchangeHeaders& headers, absl::string_view agreement_digest) {
  federation::v1::CallFacts facts;
  facts.set_target(headers.target);
  facts.set_consumer(headers.consumer);
  facts.set_exchange_id(headers.exchange_id);
  facts.set_purpose(headers.purpose);
  facts.set_agreement(headers.agreement);
  facts.set_agreement_digest(std::string(agreement_digest));
  return facts.SerializeAsString();
}

absl::StatusOr<AnswerFactsFromPeer> ReadAnswerFacts(const MetadataView& trailers) {
  AnswerFactsFromPeer out;
  auto compact = trailers.find(kAnswerFactsKey);
  if (compact == trailers.end()) {
    out.answered_by_gateway = trailers.count(kAnsweredByKey) > 0;
    out.answered_by = Value(trailers, kAnsweredByKey);
    out.receipt = Value(trailers, kReceiptKey);
    out.receipt_signer = Value(trailers, kReceiptSignerKey);
    out.deny_rule = Value(trailers, kDenyRuleKey);
    out.withheld = Value(trailers, kWithheldKey);
    return out;
  }
  federation::v1::AnswerFacts facts;
  if (!facts.ParseFromArray(compact->second.data(), static_cast<int>(compact->second.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(kAnswerFactsKey, " is not a pasarela.federation.v1.AnswerFacts"));
  }
  out.answered_by_gateway = true;
  out.answered_by = std::move(*facts.mutable_answered_by());
  out.receipt = std::move(*facts.mutable_receipt());
  out.receipt_signer = std::move(*facts.mutable_receipt_signer());
  out.deny_rule = std::move(*facts.mutable_deny_rule());
  out.withheld = std::move(*facts.mutable_withheld());
  return out;
}

std::string AnswerFactsTrailer(const AnswerFactsFromPeer& facts) {
  federation::v1::AnswerFacts out;
  out.set_answered_by(facts.answered_by);
  out.set_receipt(facts.receipt);
  out.set_receipt_signer(facts.receipt_signer);
  out.set_deny_rule(facts.deny_rule);
  out.set_withheld(facts.withheld);
  return out.SerializeAsString();
}

}  // namespace pasarela
