// Receipts: the provider gateway signs what it answered; the consumer gateway accepts the receipt
// only if it verifies against the answering gateway's certificate and matches what it saw.
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/receipt_batch.h"
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

// A batch: the receipts of one audit batch share one signature over their Merkle root, and each
// verifies on its own with its inclusion proof.
class ReceiptBatchTest : public ReceiptTest {
 protected:
  std::vector<v1::Receipt> MakeReceipts(int n) {
    std::vector<v1::Receipt> receipts;
    for (int i = 0; i < n; ++i) {
      v1::Receipt receipt = receipt_;
      receipt.set_exchange_id(absl::StrCat("exchange-", i));
      receipt.set_response_digest(std::string(32, static_cast<char>('a' + i % 26)));
      receipts.push_back(receipt);
    }
    return receipts;
  }
  absl::StatusOr<v1::Receipt> VerifyOne(const v1::Receipt& receipt, const SignerKey& key) {
    return VerifyReceipt(receipt.SerializeAsString(), key, receipt.exchange_id(),
                         receipt.request_digest(), receipt.response_digest());
  }
};

TEST_F(ReceiptBatchTest, EveryReceiptOfABatchVerifiesWithOneSignature) {
  for (int n : {1, 2, 3, 7, 8, 33}) {
    std::vector<v1::Receipt> receipts = MakeReceipts(n);
    std::vector<v1::Receipt*> pointers;
    for (v1::Receipt& r : receipts) pointers.push_back(&r);
    ASSERT_TRUE(SignReceiptBatch(*signer_, pointers).ok());
    auto key = SignerKey::FromPem(ReadFileOrDie(provider_.cert_file));
    ASSERT_TRUE(key.ok());
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(receipts[i].batch_index(), static_cast<uint32_t>(i));
      EXPECT_EQ(receipts[i].batch_size(), static_cast<uint32_t>(n));
      EXPECT_EQ(receipts[i].signature(), receipts[0].signature());
      absl::StatusOr<v1::Receipt> verified = VerifyOne(receipts[i], **key);
      EXPECT_TRUE(verified.ok()) << n << "/" << i << ": " << verified.status();
    }
  }
}

TEST_F(ReceiptBatchTest, AlteredReceiptOrProofOfABatchIsRejected) {
  std::vector<v1::Receipt> receipts = MakeReceipts(5);
  std::vector<v1::Receipt*> pointers;
  for (v1::Receipt& r : receipts) pointers.push_back(&r);
  ASSERT_TRUE(SignReceiptBatch(*signer_, pointers).ok());
  auto key = SignerKey::FromPem(ReadFileOrDie(provider_.cert_file));
  ASSERT_TRUE(key.ok());
  // The first check remembers the batch's signature; the altered receipts below must still fail.
  ASSERT_TRUE(VerifyOne(receipts[2], **key).ok());

  v1::Receipt status = receipts[2];
  status.set_grpc_status_code(7);
  EXPECT_EQ(VerifyOne(status, **key).status().code(), absl::StatusCode::kUnauthenticated);
  v1::Receipt moved = receipts[2];
  moved.set_batch_index(3);
  EXPECT_EQ(VerifyOne(moved, **key).status().code(), absl::StatusCode::kUnauthenticated);
  v1::Receipt resized = receipts[2];
  resized.set_batch_size(6);
  EXPECT_EQ(VerifyOne(resized, **key).status().code(), absl::StatusCode::kUnauthenticated);
  v1::Receipt path = receipts[2];
  path.mutable_batch_path(0)->at(0) ^= 1;
  EXPECT_EQ(VerifyOne(path, **key).status().code(), absl::StatusCode::kUnauthenticated);
  v1::Receipt unbatched = receipts[2];
  unbatched.set_batch_size(0);
  EXPECT_EQ(VerifyOne(unbatched, **key).status().code(), absl::StatusCode::kUnauthenticated);
  // Another gateway's key does not verify the batch's signature.
  auto other = SignerKey::FromPem(ReadFileOrDie(other_.cert_file));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(VerifyOne(receipts[2], **other).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ReceiptBatchTest, AForgedBatchSignatureIsRefusedEveryTime) {
  std::vector<v1::Receipt> receipts = MakeReceipts(4);
  std::vector<v1::Receipt*> pointers;
  for (v1::Receipt& r : receipts) pointers.push_back(&r);
  auto forger = CheckpointSigner::Load(other_.key_file, other_.cert_file);
  ASSERT_TRUE(forger.ok());
  ASSERT_TRUE(SignReceiptBatch(**forger, pointers).ok());
  auto key = SignerKey::FromPem(ReadFileOrDie(provider_.cert_file));
  ASSERT_TRUE(key.ok());
  for (int round = 0; round < 2; ++round) {
    for (const v1::Receipt& receipt : receipts) {
      EXPECT_EQ(VerifyOne(receipt, **key).status().code(), absl::StatusCode::kUnauthenticated);
    }
  }
}

// Signs `receipts` as one batch with `signer` and checks each on its own thread, all released
// together, so that they ask for the batch's signature at once. Their verdicts, in order.
std::vector<absl::Status> CheckBatchAtOnce(const CheckpointSigner& signer,
                                           std::vector<v1::Receipt>* receipts,
                                           const SignerKey& key) {
  std::vector<v1::Receipt*> pointers;
  for (v1::Receipt& r : *receipts) pointers.push_back(&r);
  EXPECT_TRUE(SignReceiptBatch(signer, pointers).ok());
  absl::Barrier start(static_cast<int>(receipts->size()));
  std::vector<absl::Status> verdicts(receipts->size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < receipts->size(); ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      const v1::Receipt& receipt = (*receipts)[i];
      verdicts[i] = VerifyReceipt(receipt.SerializeAsString(), key, receipt.exchange_id(),
                                  receipt.request_digest(), receipt.response_digest())
                        .status();
    });
  }
  for (std::thread& t : threads) t.join();
  return verdicts;
}

TEST_F(ReceiptBatchTest, ReceiptsOfOneBatchCheckedAtOnceCostOneSignatureCheck) {
  std::vector<v1::Receipt> receipts = MakeReceipts(8);
  auto key = SignerKey::FromPem(ReadFileOrDie(provider_.cert_file));
  ASSERT_TRUE(key.ok());
  for (const absl::Status& verdict : CheckBatchAtOnce(*signer_, &receipts, **key)) {
    EXPECT_TRUE(verdict.ok()) << verdict;
  }
  EXPECT_EQ((*key)->signature_checks(), 1u);
}

TEST_F(ReceiptBatchTest, AForgedSignatureCheckedAtOnceIsRefusedToEveryCaller) {
  std::vector<v1::Receipt> receipts = MakeReceipts(6);
  auto forger = CheckpointSigner::Load(other_.key_file, other_.cert_file);
  ASSERT_TRUE(forger.ok());
  auto key = SignerKey::FromPem(ReadFileOrDie(provider_.cert_file));
  ASSERT_TRUE(key.ok());
  for (const absl::Status& verdict : CheckBatchAtOnce(**forger, &receipts, **key)) {
    EXPECT_EQ(verdict.code(), absl::StatusCode::kUnauthenticated);
  }
  // A refusal is not remembered: each caller checked the signature itself.
  EXPECT_EQ((*key)->signature_checks(), 6u);
}

TEST_F(ReceiptBatchTest, ASignerKeyForgetsTheOldestSignaturesItRemembers) {
  auto key = SignerKey::FromPem(ReadFileOrDie(provider_.cert_file));
  ASSERT_TRUE(key.ok());
  // More single receipts than a key remembers: each still verifies, the oldest again too.
  std::vector<std::string> issued;
  for (size_t i = 0; i < SignerKey::kRememberedSignatures + 10; ++i) {
    v1::Receipt receipt = receipt_;
    receipt.set_exchange_id(absl::StrCat("exchange-", i));
    absl::StatusOr<std::string> one = IssueReceipt(*signer_, receipt);
    ASSERT_TRUE(one.ok());
    ASSERT_TRUE(VerifyReceipt(*one, **key, receipt.exchange_id(), receipt.request_digest(),
                              receipt.response_digest())
                    .ok());
    if (i < 2) issued.push_back(*one);
  }
  v1::Receipt first;
  ASSERT_TRUE(first.ParseFromString(issued[0]));
  EXPECT_TRUE(VerifyReceipt(issued[0], **key, first.exchange_id(), first.request_digest(),
                            first.response_digest())
                  .ok());
}

// A signer and a key each set up their OpenSSL context once and work on copies of it: every
// signature must be a signature of its own input only, and every check must judge its own
// signature, whatever was signed or checked before, on any thread, for each key type.
class SignatureContextTest : public ::testing::TestWithParam<testing::KeyType> {};

TEST_P(SignatureContextTest, EachSignatureAndEachCheckStandsAlone) {
  TempDir dir;
  TestPki pki(dir.path());
  pki.MakeCa("CL");
  KeyAndCert gateway = pki.MakeLeaf("CL", "gateway CL", GetParam());
  auto signer = CheckpointSigner::Load(gateway.key_file, gateway.cert_file);
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto key = SignerKey::FromPem(ReadFileOrDie(gateway.cert_file));
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string algorithm = (*signer)->algorithm();

  constexpr int kThreads = 4;
  constexpr int kSignaturesPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  absl::Barrier start(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.Block();
      for (int i = 0; i < kSignaturesPerThread; ++i) {
        const std::string input = absl::StrCat("input ", t, "/", i);
        absl::StatusOr<std::string> signature = (*signer)->SignBytes(input);
        if (!signature.ok()) {
          ++failures[t];
          continue;
        }
        // Its own input verifies; the next input, or the signature altered, does not.
        if (!(*key)->Verify(algorithm, input, *signature).ok()) ++failures[t];
        if ((*key)->Verify(algorithm, absl::StrCat(input, "."), *signature).ok()) ++failures[t];
        std::string altered = *signature;
        altered[altered.size() / 2] ^= 0x01;
        if ((*key)->Verify(algorithm, input, altered).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  // All different: none was answered from the key's memory of verified signatures.
  EXPECT_EQ((*key)->signature_checks(), 3u * kThreads * kSignaturesPerThread);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, SignatureContextTest,
                         ::testing::Values(testing::KeyType::kEcdsaP256,
                                           testing::KeyType::kEd25519));

}  // namespace
}  // namespace pasarela::audit
