// Receipts: the provider gateway signs what it answered; the consumer gateway accepts the receipt
// only if it verifies against the answering gateway's certificate and matches what it saw.
#include "gateway/audit/audit_crypto.h"
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

}  // namespace
}  // namespace pasarela::audit
