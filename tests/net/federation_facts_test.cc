#include "gateway/net/federation_facts.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "gateway/routing/metadata_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/federation/v1/federation.pb.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;

// Metadata as gRPC hands it to a server or client context: views into strings that outlive it.
class Metadata {
 public:
  Metadata& Add(const std::string& key, std::string value) {
    values_.push_back(std::move(value));
    keys_.push_back(key);
    return *this;
  }
  MetadataView View() const {
    MetadataView view;
    for (size_t i = 0; i < keys_.size(); ++i) view.emplace(keys_[i], values_[i]);
    return view;
  }

 private:
  std::deque<std::string> keys_;
  std::deque<std::string> values_;
};

const ExchangeHeaders kHeaders{"CL/GOV/registro-civil", "border-control", "ar-cl-identity-2026",
                               "AR/GOV/migraciones", "6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10"};
constexpr char kDigest[] =
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// What a consumer gateway holding `headers` and `digest` sends.
CallFactsToSend ToSend(const ExchangeHeaders& headers, absl::string_view digest) {
  return {headers.target,  headers.consumer,  headers.exchange_id,
          headers.purpose, headers.agreement, digest};
}

// What a provider gateway holding `facts` sends.
AnswerFactsToSend ToSend(const AnswerFactsFromPeer& facts) {
  return {facts.answered_by, facts.receipt, facts.receipt_signer, facts.deny_rule, facts.withheld};
}

// The six headers of protocol 1, as a consumer gateway holding kHeaders and kDigest sends them.
Metadata ProtocolOneHeaders() {
  Metadata metadata;
  metadata.Add(kTargetKey, kHeaders.target)
      .Add(kPurposeKey, kHeaders.purpose)
      .Add(kAgreementKey, kHeaders.agreement)
      .Add(kConsumerKey, kHeaders.consumer)
      .Add(kExchangeIdKey, kHeaders.exchange_id)
      .Add(kAgreementDigestKey, kDigest);
  return metadata;
}

void ExpectHeaders(const ExchangeHeaders& actual, const ExchangeHeaders& expected) {
  EXPECT_EQ(actual.target, expected.target);
  EXPECT_EQ(actual.purpose, expected.purpose);
  EXPECT_EQ(actual.agreement, expected.agreement);
  EXPECT_EQ(actual.consumer, expected.consumer);
  EXPECT_EQ(actual.exchange_id, expected.exchange_id);
}

TEST(FederationFactsTest, ProtocolTwoCarriesEveryFactOfTheCallInOneHeader) {
  Metadata metadata;
  metadata.Add(kCallFactsKey, CallFactsHeader(ToSend(kHeaders, kDigest)));
  absl::StatusOr<CallFactsFromPeer> facts = ReadCallFacts(metadata.View());
  ASSERT_TRUE(facts.ok()) << facts.status();
  ExpectHeaders(facts->headers, kHeaders);
  EXPECT_EQ(facts->agreement_digest, kDigest);
  EXPECT_TRUE(facts->compact);
}

// The header and the trailer are written field by field; they must be the bytes protobuf's own
// serializer writes, empty fields and values longer than 127 bytes (a two-byte length) included.
TEST(FederationFactsTest, TheWireFormIsProtobufsOwn) {
  federation::v1::CallFacts call;
  call.set_target(kHeaders.target);
  call.set_consumer(kHeaders.consumer);
  call.set_exchange_id(kHeaders.exchange_id);
  call.set_purpose(kHeaders.purpose);
  call.set_agreement(kHeaders.agreement);
  call.set_agreement_digest(kDigest);
  EXPECT_EQ(CallFactsHeader(ToSend(kHeaders, kDigest)), call.SerializeAsString());
  ExchangeHeaders sparse{"CL/GOV/registro-civil", "", "", "AR/GOV/migraciones", ""};
  federation::v1::CallFacts sparse_call;
  sparse_call.set_target(sparse.target);
  sparse_call.set_consumer(sparse.consumer);
  EXPECT_EQ(CallFactsHeader(ToSend(sparse, "")), sparse_call.SerializeAsString());

  AnswerFactsFromPeer facts;
  facts.answered_by = "CL";
  facts.receipt = std::string(300, '\x01');
  facts.receipt_signer = std::string(20000, 'p');  // a three-byte length
  facts.withheld = "person.address";
  federation::v1::AnswerFacts answer;
  answer.set_answered_by(facts.answered_by);
  answer.set_receipt(facts.receipt);
  answer.set_receipt_signer(facts.receipt_signer);
  answer.set_withheld(facts.withheld);
  EXPECT_EQ(AnswerFactsTrailer(ToSend(facts)), answer.SerializeAsString());
  EXPECT_EQ(AnswerFactsTrailer(AnswerFactsToSend{}), "");
}

TEST(FederationFactsTest, ProtocolOneHeadersAreReadOneByOne) {
  Metadata metadata = ProtocolOneHeaders();
  metadata.Add("x-other", "ignored");
  absl::StatusOr<CallFactsFromPeer> facts = ReadCallFacts(metadata.View());
  ASSERT_TRUE(facts.ok()) << facts.status();
  ExpectHeaders(facts->headers, kHeaders);
  EXPECT_EQ(facts->agreement_digest, kDigest);
  EXPECT_FALSE(facts->compact);

  // Absent facts are empty: the router and the agreement check say which are required.
  absl::StatusOr<CallFactsFromPeer> none = ReadCallFacts(Metadata().View());
  ASSERT_TRUE(none.ok());
  ExpectHeaders(none->headers, ExchangeHeaders{});
  EXPECT_EQ(none->agreement_digest, "");
}

TEST(FederationFactsTest, AMalformedOrAmbiguousCallIsInvalid) {
  Metadata garbage;
  garbage.Add(kCallFactsKey, std::string("\xff\xff\xff", 3));
  absl::StatusOr<CallFactsFromPeer> malformed = ReadCallFacts(garbage.View());
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("x-pasarela-call-bin is not a"));

  // Both forms at once: which one the provider gateway would audit is not for it to guess.
  for (const char* key : {kTargetKey, kConsumerKey, kExchangeIdKey, kPurposeKey, kAgreementKey,
                          kAgreementDigestKey}) {
    SCOPED_TRACE(key);
    Metadata both;
    both.Add(kCallFactsKey, CallFactsHeader(ToSend(kHeaders, kDigest))).Add(key, "x");
    absl::StatusOr<CallFactsFromPeer> facts = ReadCallFacts(both.View());
    EXPECT_EQ(facts.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(facts.status().message(), HasSubstr(key));
  }
  Metadata twice;
  twice.Add(kCallFactsKey, CallFactsHeader(ToSend(kHeaders, kDigest)))
      .Add(kCallFactsKey, CallFactsHeader(ToSend(kHeaders, "")));
  EXPECT_EQ(ReadCallFacts(twice.View()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FederationFactsTest, AProtocolOneFactGivenTwiceIsInvalid) {
  for (const char* key : {kTargetKey, kConsumerKey, kExchangeIdKey, kPurposeKey, kAgreementKey,
                          kAgreementDigestKey}) {
    SCOPED_TRACE(key);
    Metadata metadata = ProtocolOneHeaders();
    metadata.Add(key, "another");
    absl::StatusOr<CallFactsFromPeer> facts = ReadCallFacts(metadata.View());
    EXPECT_EQ(facts.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(facts.status().message(), HasSubstr(absl::StrCat(key, " 2 times")));
  }
}

TEST(FederationFactsTest, AnAgencyNamesTargetPurposeAndAgreementOnceEach) {
  Metadata metadata;
  metadata.Add(kTargetKey, kHeaders.target)
      .Add(kPurposeKey, kHeaders.purpose)
      .Add(kAgreementKey, kHeaders.agreement)
      .Add(kConsumerKey, "CL/GOV/someone-else")
      .Add(kExchangeIdKey, "chosen-by-the-agency");
  absl::StatusOr<ExchangeHeaders> headers = ReadAgencyHeaders(metadata.View());
  ASSERT_TRUE(headers.ok()) << headers.status();
  // The consumer and the exchange id are the gateway's own: what the agency set is not read.
  ExpectHeaders(*headers,
                ExchangeHeaders{kHeaders.target, kHeaders.purpose, kHeaders.agreement, "", ""});
  ExpectHeaders(*ReadAgencyHeaders(Metadata().View()), ExchangeHeaders{});

  // The first of two values is not necessarily the one the agency meant: refused, not guessed.
  for (const char* key : {kTargetKey, kPurposeKey, kAgreementKey}) {
    SCOPED_TRACE(key);
    Metadata twice;
    twice.Add(key, "one").Add(key, "two").Add(key, "three");
    absl::StatusOr<ExchangeHeaders> ambiguous = ReadAgencyHeaders(twice.View());
    EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ambiguous.status().message(),
              absl::StrCat("the call carries ", key, " 3 times: set it once"));
  }
}

TEST(FederationFactsTest, ProtocolTwoAnswersInOneTrailer) {
  AnswerFactsFromPeer sent;
  sent.answered_by = "CL";
  sent.receipt = std::string("\x0a\x24receipt\0bytes", 15);
  sent.receipt_signer = "-----BEGIN CERTIFICATE-----\n...";
  sent.deny_rule = "agreement-mismatch";
  sent.withheld = "person.address,person.given_names";
  Metadata trailers;
  trailers.Add(kAnswerFactsKey, AnswerFactsTrailer(ToSend(sent)));
  absl::StatusOr<AnswerFactsFromPeer> read = ReadAnswerFacts(trailers.View());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->answered_by_gateway);
  EXPECT_EQ(read->answered_by, "CL");
  EXPECT_EQ(read->receipt, sent.receipt);
  EXPECT_EQ(read->receipt_signer, sent.receipt_signer);
  EXPECT_EQ(read->deny_rule, sent.deny_rule);
  EXPECT_EQ(read->withheld, sent.withheld);

  // The trailer's presence is what tells a peer's answer from a failure to reach the peer, even
  // when every fact in it is empty.
  Metadata bare;
  bare.Add(kAnswerFactsKey, AnswerFactsTrailer(AnswerFactsToSend{}));
  absl::StatusOr<AnswerFactsFromPeer> empty = ReadAnswerFacts(bare.View());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->answered_by_gateway);
}

TEST(FederationFactsTest, ProtocolOneTrailersAreReadOneByOne) {
  Metadata trailers;
  trailers.Add(kAnsweredByKey, "CL")
      .Add(kReceiptKey, "receipt")
      .Add(kReceiptSignerKey, "pem")
      .Add(kDenyRuleKey, "quota-exceeded")
      .Add(kWithheldKey, "person.address");
  absl::StatusOr<AnswerFactsFromPeer> read = ReadAnswerFacts(trailers.View());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->answered_by_gateway);
  EXPECT_EQ(read->answered_by, "CL");
  EXPECT_EQ(read->receipt, "receipt");
  EXPECT_EQ(read->receipt_signer, "pem");
  EXPECT_EQ(read->deny_rule, "quota-exceeded");
  EXPECT_EQ(read->withheld, "person.address");

  // No gateway answered: a failure to reach the peer, or a proxy in between.
  Metadata none;
  none.Add(kDenyRuleKey, "allowed");
  absl::StatusOr<AnswerFactsFromPeer> unanswered = ReadAnswerFacts(none.View());
  ASSERT_TRUE(unanswered.ok());
  EXPECT_FALSE(unanswered->answered_by_gateway);
}

TEST(FederationFactsTest, AMalformedAnswerTrailerIsInvalid) {
  Metadata garbage;
  garbage.Add(kAnswerFactsKey, std::string("\x12\xff", 2));
  absl::StatusOr<AnswerFactsFromPeer> read = ReadAnswerFacts(garbage.View());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(read.status().message(), HasSubstr("x-pasarela-answer-bin is not a"));
}

}  // namespace
}  // namespace pasarela
