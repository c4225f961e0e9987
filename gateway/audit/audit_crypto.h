// Signing and checking checkpoints, keyed pseudonyms, and the permission check on secret files.
// Internal to gateway/audit.
//
// A checkpoint's signature is over these bytes (integers big-endian, each string or bytes field
// preceded by its length as a uint32), never over the serialized message:
//
//   "pasarela.audit.v1.Checkpoint\n"   context string, 29 bytes
//   gateway | previous_hash | sequence (uint64) | record_hash |
//   time.seconds (int64) | time.nanos (int32) | signature_algorithm
//
// ECDSA and RSA sign SHA-256 of these bytes (EVP_DigestSign with SHA-256; ECDSA signatures are
// DER); Ed25519 signs the bytes themselves (EVP_DigestSign with no digest).

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_CRYPTO_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_CRYPTO_H_

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/annotated_mutex.h"
#include "pasarela/audit/v1/audit.pb.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_store_st X509_STORE;
typedef struct x509_st X509;

namespace pasarela::audit {

// Refuses a file that group or others may access (mode & 077), and a directory (InvalidArgument,
// saying so), naming `what` ("audit signing key") in the error. Secret files must be 0600 or
// stricter.
absl::Status CheckPrivateFileMode(const std::string& path, absl::string_view what);

// The encoding of signed bytes: `bytes` low-order bytes of `v`, big-endian...
void PutBigEndian(uint64_t v, int bytes, std::string* out);
// ...and a string or bytes field, preceded by its length as a uint32.
void PutField(absl::string_view field, std::string* out);
// The bytes PutField writes for `fields`, to reserve a signing input's size at once.
size_t FieldsSize(std::initializer_list<absl::string_view> fields);

// HMAC-SHA-256, 32 bytes.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// The bytes a checkpoint's signature covers (see the top of this file).
std::string CheckpointSigningInput(const v1::Checkpoint& checkpoint);

// The gateway's checkpoint key and certificate. Thread-compatible: Sign is const but uses
// OpenSSL contexts of its own on each call, so concurrent calls are safe.
class CheckpointSigner {
 public:
  // Loads a PEM private key (ECDSA, Ed25519 or RSA; refused when group or others may read it)
  // and the PEM certificate, optionally followed by intermediates, whose public key it matches.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> Load(const std::string& key_file,
                                                                const std::string& cert_file);
  // The same from PEM already read; `key_name` and `cert_name` name them in errors.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> FromPem(absl::string_view key_pem,
                                                                   std::string cert_pem,
                                                                   absl::string_view key_name,
                                                                   absl::string_view cert_name);
  ~CheckpointSigner();
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;

  // Sets signer_certificate_pem, signature_algorithm and signature of `checkpoint`, whose other
  // fields must already be set.
  absl::Status Sign(v1::Checkpoint* checkpoint) const;

  // Signs arbitrary bytes with the same key and algorithm (receipts use it).
  absl::StatusOr<std::string> SignBytes(absl::string_view input) const;

  // "ecdsa-sha256", "ed25519" or "rsa-pkcs1-sha256".
  const std::string& algorithm() const { return algorithm_; }
  // The signer's certificate, followed by any intermediates, as loaded.
  const std::string& certificate_pem() const { return certificate_pem_; }

 private:
  CheckpointSigner(EVP_PKEY* key, std::string algorithm, std::string certificate_pem);

  EVP_PKEY* const key_;
  const std::string algorithm_;
  const std::string certificate_pem_;
  // A signing context set up with the key once and copied for each signature (null: set up each
  // time); read-only once made.
  const std::shared_ptr<const EVP_MD_CTX> prepared_;
};

// The public key of a signer's certificate, parsed once for checking many signatures: parsing a
// PEM certificate costs more than checking an ECDSA signature. Immutable once made; Verify may be
// called from any number of threads at once.
class SignerKey {
 public:
  // The key of the first certificate of `pem_chain`. INVALID_ARGUMENT when there is none or its
  // key type is not one a gateway signs with.
  static absl::StatusOr<std::shared_ptr<const SignerKey>> FromPem(absl::string_view pem_chain);
  ~SignerKey();
  SignerKey(const SignerKey&) = delete;
  SignerKey& operator=(const SignerKey&) = delete;

  // Checks `signature` over `input`; `algorithm` must be the key's. UNAUTHENTICATED when it does
  // not verify, INVALID_ARGUMENT when the algorithm does not fit the key. A signature this key
  // verified recently is not checked again: the receipts of one batch share one signature. While
  // one thread checks a signature, others asking for the same one wait for its verdict instead
  // of checking it too (the receipts of a batch arrive together).
  absl::Status Verify(absl::string_view algorithm, absl::string_view input,
                      absl::string_view signature) const;

  // How many signatures this key has checked with the public-key operation (not answered from
  // memory).
  uint64_t signature_checks() const;

  // How many verified signatures a key remembers.
  static constexpr size_t kRememberedSignatures = 4096;

 private:
  SignerKey(X509* certificate, std::string algorithm);
  // The public-key check itself.
  absl::Status CheckSignature(absl::string_view tbs, absl::string_view sig) const;
  // Remembers `digest` when `verified`, and ends its check in progress.
  void Settle(absl::string_view digest, bool verified) const;

  X509* const certificate_;  // owned; holds the key
  const std::string algorithm_;
  // A verifying context set up with the key once and copied for each check (null: set up each
  // time); read-only once made, so that threads may copy it at once.
  const std::shared_ptr<const EVP_MD_CTX> prepared_;
  // SHA-256 of (algorithm, input, signature) of each signature verified, the oldest forgotten
  // first; a success only, so a bad signature is checked (and refused) every time.
  mutable AnnotatedMutex remembered_mu_;
  mutable absl::flat_hash_set<std::string> remembered_ ABSL_GUARDED_BY(remembered_mu_);
  mutable std::deque<std::string> remembered_order_ ABSL_GUARDED_BY(remembered_mu_);
  // Digests being checked now, and where those waiting for one learn that it is settled.
  mutable absl::flat_hash_set<std::string> checking_ ABSL_GUARDED_BY(remembered_mu_);
  mutable absl::CondVar settled_cv_;
  mutable uint64_t signature_checks_ ABSL_GUARDED_BY(remembered_mu_) = 0;
};

// Checks `signature` over `input` with the public key of the first certificate of `pem_chain`,
// which must fit `algorithm`. UNAUTHENTICATED when it does not verify.
absl::Status VerifySignature(absl::string_view pem_chain, absl::string_view algorithm,
                             absl::string_view input, absl::string_view signature);

// Checks the checkpoint's signature with the public key of the first certificate in its
// signer_certificate_pem. Says nothing about who issued that certificate (see TrustAnchors).
absl::Status VerifyCheckpointSignature(const v1::Checkpoint& checkpoint);

// The bytes a receipt's signature covers, laid out like a checkpoint's:
//
//   "pasarela.audit.v1.Receipt\n" | exchange_id | gateway | request_digest | response_digest |
//   agreement_digest | grpc_status_code (uint32) | time.seconds (int64) | time.nanos (int32) |
//   signature_algorithm
std::string ReceiptSigningInput(const v1::Receipt& receipt);

// Signs `receipt` (every field but signature_algorithm and signature set) and returns it
// serialized, for the trailing metadata x-pasarela-receipt-bin.
absl::StatusOr<std::string> IssueReceipt(const CheckpointSigner& signer, v1::Receipt receipt);

// Parses and checks a receipt against the certificate of the gateway that answered (its TLS leaf)
// and against what this side saw: the exchange id, request digest and response digest must be
// the ones it signed. UNAUTHENTICATED when the signature or any of these does not match.
absl::StatusOr<v1::Receipt> VerifyReceipt(absl::string_view serialized,
                                          absl::string_view signer_certificate_pem,
                                          absl::string_view exchange_id,
                                          absl::string_view request_digest,
                                          absl::string_view response_digest);
// The same with the signer's key already parsed (see SignerKeyCache).
absl::StatusOr<v1::Receipt> VerifyReceipt(absl::string_view serialized, const SignerKey& signer,
                                          absl::string_view exchange_id,
                                          absl::string_view request_digest,
                                          absl::string_view response_digest);
// The same verdict for a caller that keeps the serialized receipt and not the message: the
// receipt is parsed on an arena in this call's stack frame instead of the heap.
absl::Status CheckReceipt(absl::string_view serialized, const SignerKey& signer,
                          absl::string_view exchange_id, absl::string_view request_digest,
                          absl::string_view response_digest);

// The subject of the first certificate of a PEM chain, one line, for messages.
std::string CertificateSubject(absl::string_view pem_chain);

// Checks that the first certificate of `pem_chain` is gateway `gateway`'s: one of its URI SANs is
// urn:pasarela:gateway:GATEWAY. A country's CA issues its agencies' certificates too, so a
// certificate that chains to it is not for that reason the gateway's. PERMISSION_DENIED, naming
// what the certificate is, when it is not.
absl::Status CheckGatewayCertificate(absl::string_view pem_chain, absl::string_view gateway);

// CA certificates a certificate must chain to: a checkpoint's signer's, or the server's when the
// gateway calls a peer gateway or a provider. Safe for concurrent use once built.
class TrustAnchors {
 public:
  // Loads every certificate of each PEM file.
  static absl::StatusOr<std::unique_ptr<TrustAnchors>> Load(const std::vector<std::string>& files);
  ~TrustAnchors();
  TrustAnchors(const TrustAnchors&) = delete;
  TrustAnchors& operator=(const TrustAnchors&) = delete;

  // Checks that the first certificate of `pem_chain` chains, through the others, to one of the
  // anchors, with validity judged at `at` (when the checkpoint was signed, so that an old trail
  // still verifies after its certificates expire).
  absl::Status CheckChain(absl::string_view pem_chain, absl::Time at) const;

 private:
  explicit TrustAnchors(X509_STORE* store) : store_(store) {}
  X509_STORE* const store_;
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_CRYPTO_H_
