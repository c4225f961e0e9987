#include "gateway/net/federation_facts.h"

#include <google/protobuf/arena.h>

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/routing/metadata_keys.h"
#include "pasarela/federation/v1/federation.pb.h"

namespace pasarela {
namespace {

// Protocol 1's headers of a call, which a protocol-2 call must not also carry.
constexpr const char* kCallHeaders[] = {kTargetKey,  kConsumerKey,  kExchangeIdKey,
                                        kPurposeKey, kAgreementKey, kAgreementDigestKey};

// A federation message parsed on an arena whose first block is in the reader's frame: a message on
// the heap allocates an object for each string field besides its characters; here only the
// characters of values too long to be kept inside a string, which the reader then moves out.
template <typename Facts>
class FactsOnStack {
 public:
  FactsOnStack() : arena_(Options(first_block_)), facts_(NewFacts(&arena_)) {}
  FactsOnStack(const FactsOnStack&) = delete;
  FactsOnStack& operator=(const FactsOnStack&) = delete;

  Facts* operator->() { return facts_; }
  Facts& operator*() { return *facts_; }
  bool Parse(grpc::string_ref bytes) {
    return facts_->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }

 private:
  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = sizeof first_block_;
    return options;
  }
  static Facts* NewFacts(google::protobuf::Arena* arena) {
    return google::protobuf::Arena::CreateMessage<Facts>(arena);
  }

  // The message, its string objects and their destructors' entries take about 400 bytes.
  alignas(std::max_align_t) char first_block_[1024];
  google::protobuf::Arena arena_;
  Facts* facts_;
};

// A message's wire form written field by field, as its generated SerializeAsString writes it
// (fields in number order, empty strings left out), into one buffer: building the message first
// would copy each value into it.
class WireWriter {
 public:
  explicit WireWriter(size_t capacity) { bytes_.reserve(capacity); }
  void String(int field, absl::string_view value) {
    if (value.empty()) return;
    Varint((static_cast<uint32_t>(field) << 3) | kLengthDelimited);
    Varint(static_cast<uint32_t>(value.size()));
    bytes_.append(value.data(), value.size());
  }
  std::string Finish() && { return std::move(bytes_); }

 private:
  static constexpr uint32_t kLengthDelimited = 2;
  void Varint(uint32_t value) {
    while (value >= 0x80) {
      bytes_.push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    bytes_.push_back(static_cast<char>(value));
  }
  std::string bytes_;
};

// Room for `values` and, per field, a tag of one byte and a length of up to three.
size_t Capacity(std::initializer_list<absl::string_view> values) {
  size_t size = 0;
  for (absl::string_view value : values) size += value.size() + 4;
  return size;
}

}  // namespace

std::string HeaderValue(const MetadataView& metadata, const char* key) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::StatusOr<std::string> SingleHeaderValue(const MetadataView& metadata, const char* key) {
  auto [first, end] = metadata.equal_range(key);
  if (first == end) return std::string();
  if (std::next(first) != end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the call carries ", key, " ", std::distance(first, end), " times: set it once"));
  }
  return std::string(first->second.data(), first->second.size());
}

namespace {

// Reads each of `keys` with SingleHeaderValue into the matching `out` string.
absl::Status ReadSingleHeaders(const MetadataView& metadata,
                               std::initializer_list<std::pair<const char*, std::string*>> keys) {
  for (const auto& [key, out] : keys) {
    absl::StatusOr<std::string> value = SingleHeaderValue(metadata, key);
    if (!value.ok()) return value.status();
    *out = *std::move(value);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExchangeHeaders> ReadAgencyHeaders(const MetadataView& metadata) {
  ExchangeHeaders headers;
  absl::Status read = ReadSingleHeaders(metadata, {{kTargetKey, &headers.target},
                                                   {kPurposeKey, &headers.purpose},
                                                   {kAgreementKey, &headers.agreement}});
  if (!read.ok()) return read;
  return headers;
}

absl::StatusOr<CallFactsFromPeer> ReadCallFacts(const MetadataView& metadata) {
  CallFactsFromPeer out;
  auto compact = metadata.find(kCallFactsKey);
  if (compact == metadata.end()) {
    absl::Status read = ReadSingleHeaders(metadata, {{kTargetKey, &out.headers.target},
                                                     {kPurposeKey, &out.headers.purpose},
                                                     {kAgreementKey, &out.headers.agreement},
                                                     {kConsumerKey, &out.headers.consumer},
                                                     {kExchangeIdKey, &out.headers.exchange_id},
                                                     {kAgreementDigestKey, &out.agreement_digest}});
    if (!read.ok()) return read;
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
  FactsOnStack<federation::v1::CallFacts> facts;
  if (!facts.Parse(compact->second)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kCallFactsKey, " is not a pasarela.federation.v1.CallFacts"));
  }
  return TakeCallFacts(*facts);
}

CallFactsFromPeer TakeCallFacts(federation::v1::CallFacts& facts) {
  CallFactsFromPeer out;
  out.headers =
      ExchangeHeaders{std::move(*facts.mutable_target()), std::move(*facts.mutable_purpose()),
                      std::move(*facts.mutable_agreement()), std::move(*facts.mutable_consumer()),
                      std::move(*facts.mutable_exchange_id())};
  out.agreement_digest = std::move(*facts.mutable_agreement_digest());
  out.compact = true;
  return out;
}

std::string CallFactsHeader(const CallFactsToSend& facts) {
  WireWriter out(Capacity({facts.target, facts.consumer, facts.exchange_id, facts.purpose,
                           facts.agreement, facts.agreement_digest}));
  out.String(federation::v1::CallFacts::kTargetFieldNumber, facts.target);
  out.String(federation::v1::CallFacts::kConsumerFieldNumber, facts.consumer);
  out.String(federation::v1::CallFacts::kExchangeIdFieldNumber, facts.exchange_id);
  out.String(federation::v1::CallFacts::kPurposeFieldNumber, facts.purpose);
  out.String(federation::v1::CallFacts::kAgreementFieldNumber, facts.agreement);
  out.String(federation::v1::CallFacts::kAgreementDigestFieldNumber, facts.agreement_digest);
  return std::move(out).Finish();
}

absl::StatusOr<AnswerFactsFromPeer> ReadAnswerFacts(const MetadataView& trailers) {
  AnswerFactsFromPeer out;
  auto compact = trailers.find(kAnswerFactsKey);
  if (compact == trailers.end()) {
    out.answered_by_gateway = trailers.count(kAnsweredByKey) > 0;
    out.answered_by = HeaderValue(trailers, kAnsweredByKey);
    out.receipt = HeaderValue(trailers, kReceiptKey);
    out.receipt_signer = HeaderValue(trailers, kReceiptSignerKey);
    out.deny_rule = HeaderValue(trailers, kDenyRuleKey);
    out.withheld = HeaderValue(trailers, kWithheldKey);
    return out;
  }
  FactsOnStack<federation::v1::AnswerFacts> facts;
  if (!facts.Parse(compact->second)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kAnswerFactsKey, " is not a pasarela.federation.v1.AnswerFacts"));
  }
  return TakeAnswerFacts(*facts);
}

AnswerFactsFromPeer TakeAnswerFacts(federation::v1::AnswerFacts& facts) {
  AnswerFactsFromPeer out;
  out.answered_by_gateway = true;
  out.answered_by = std::move(*facts.mutable_answered_by());
  out.receipt = std::move(*facts.mutable_receipt());
  out.receipt_signer = std::move(*facts.mutable_receipt_signer());
  out.deny_rule = std::move(*facts.mutable_deny_rule());
  out.withheld = std::move(*facts.mutable_withheld());
  return out;
}

std::string AnswerFactsTrailer(const AnswerFactsToSend& facts) {
  WireWriter out(Capacity(
      {facts.answered_by, facts.receipt, facts.receipt_signer, facts.deny_rule, facts.withheld}));
  out.String(federation::v1::AnswerFacts::kAnsweredByFieldNumber, facts.answered_by);
  out.String(federation::v1::AnswerFacts::kReceiptFieldNumber, facts.receipt);
  out.String(federation::v1::AnswerFacts::kReceiptSignerFieldNumber, facts.receipt_signer);
  out.String(federation::v1::AnswerFacts::kDenyRuleFieldNumber, facts.deny_rule);
  out.String(federation::v1::AnswerFacts::kWithheldFieldNumber, facts.withheld);
  return std::move(out).Finish();
}

}  // namespace pasarela
