// Receipts: the provider gateway signs what it answered; the consumer gateway accepts the receipt
// only if it verifies against the answering gateway's certificate and matches what it saw.
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/signer_key_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

using ::testing::HasSubstr;
using testing::KeyAndCert;
using testing::ReadFileOrDie;
using testing::TempDir;
using testing::TestPki;

class ReceiptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path());
    pki_->MakeCa("CL");
    provider_ = pki_->MakeLeaf("CL", "gateway CL");
    other_ = pki_->MakeLeaf("CL", "someone else");
    auto signer = CheckpointSigner::Load(provider_.key_file, provider_.cert_file);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    receipt_.set_exchange_id("6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10");
    receipt_.set_gateway("CL");
    receipt_.set_request_digest(std::string(32, 'q'));
    receipt_.set_response_digest(std::string(32, 'r'));
    receipt_.set_agreement_digest(std::string(32, 'a'));
    receipt_.mutable_time()->set_seconds(1795000000);
  }
  absl::StatusOr<v1::Receipt> Verify(const std::string& serialized, const std::string& cert_file) {
    return VerifyReceipt(serialized, ReadFileOrDie(cert_file), receipt_.exchange_id(),
                         receipt_.request_digest(), receipt_.response_digest());
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  KeyAndCert provider_;
  KeyAndCert other_;
  std::unique_ptr<CheckpointSigner> signer_;
  v1::Receipt receipt_;
};

TEST_F(ReceiptTest, VerifiesAgainstTheSignersCertificate) {
  absl::StatusOr<std::string> issued = IssueReceipt(*signer_, receipt_);
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<v1::Receipt> verified = Verify(*issued, provider_.cert_file);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->gateway(), "CL");
  EXPECT_EQ(verified->signature_algorithm(), "ecdsa-sha256");
}

TEST_F(ReceiptTest, ReceiptSignedByAnotherKeyIsRejected) {
  auto forger = CheckpointSigner::Load(other_.key_file, other_.cert_file);
  ASSERT_TRUE(forger.ok());
  absl::StatusOr<std::string> forged = IssueReceipt(**forger, receipt_);
  ASSERT_TRUE(forged.ok());
  absl::StatusOr<v1::Receipt> verified = Verify(*forged, provider_.cert_file);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(verified.status().message()), HasSubstr("signature does not verify"));
}

TEST_F(ReceiptTest, AlteredOrMisdirectedReceiptIsRejected) {
  absl::StatusOr<std::string> issued = IssueReceipt(*signer_, receipt_);
  ASSERT_TRUE(issued.ok());
  v1::Receipt altered;
  ASSERT_TRUE(altered.ParseFromString(*issued));
  altered.set_grpc_status_code(7);
  EXPECT_FALSE(Verify(altered.SerializeAsString(), provider_.cert_file).ok());

  auto other_exchange = VerifyReceipt(*issued, ReadFileOrDie(provider_.cert_file),
                                      "00000000-0000-4000-8000-000000000000",
                                      receipt_.request_digest(), receipt_.response_digest());
  ASSERT_FALSE(other_exchange.ok());
  EXPECT_THAT(std::string(other_exchange.status().message()), HasSubstr("is for exchange"));
  auto other_response =
      VerifyReceipt(*issued, ReadFileOrDie(provider_.cert_file), receipt_.exchange_id(),
                    receipt_.request_digest(), std::string(32, 'x'));
  EXPECT_FALSE(other_response.ok());
  EXPECT_FALSE(Verify("not a receipt \xff\xff", provider_.cert_file).ok());
}

// The consumer gateway checks every receipt of a peer with the key it parsed the first time.
TEST_F(ReceiptTest, CachedSignerKeyVerifiesAndRejectsLikeTheCertificate) {
  SignerKeyCache cache;
  const std::string pem = ReadFileOrDie(provider_.cert_file);
  absl::StatusOr<std::shared_ptr<const SignerKey>> key = cache.Get(pem);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::shared_ptr<const SignerKey>> again = cache.Get(pem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(key->get(), again->get());  // parsed once

  absl::StatusOr<std::string> issued = IssueReceipt(*signer_, receipt_);
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(VerifyReceipt(*issued, **key, receipt_.exchange_id(), receipt_.request_digest(),
                            receipt_.response_digest())
                  .ok());
  // Another exchange's receipt, and a receipt checked with another certificate's key, fail.
  EXPECT_EQ(VerifyReceipt(*issued, **key, "another-exchange", receipt_.request_digest(),
                          receipt_.response_digest())
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  absl::StatusOr<std::shared_ptr<const SignerKey>> other =
      cache.Get(ReadFileOrDie(other_.cert_file));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->get(), key->get());
  EXPECT_EQ(VerifyReceipt(*issued, **other, receipt_.exchange_id(), receipt_.request_digest(),
                          receipt_.response_digest())
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(ReceiptTest, CacheRefusesWhatIsNotACertificateAndKeepsNothingOfIt) {
  SignerKeyCache cache;
  EXPECT_EQ(cache.Get("not a certificate").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Get("not a certificate").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReceiptTest, CacheStartsAgainWhenFull) {
  SignerKeyCache cache;
  const std::string pem = ReadFileOrDie(provider_.cert_file);
  absl::StatusOr<std::shared_ptr<const SignerKey>> first = cache.Get(pem);
  ASSERT_TRUE(first.ok());
  // The same certificate under different trailing bytes is a different cache entry.
  for (size_t i = 0; i < SignerKeyCache::kMaxEntries; ++i) {
    ASSERT_TRUE(cache.Get(pem + std::string(i + 1, '\n')).ok());
  }
  absl::StatusOr<std::shared_ptr<const SignerKey>> after = cache.Get(pem);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(first->get(), after->get());  // evicted and parsed again, still valid
}

}  // namespace
}  // namespace pasarela::audit
