#include "gateway/audit/audit_crypto.h"

#include <google/protobuf/arena.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/audit/segment_format.h"
#include "gateway/common/digest.h"
#include "gateway/common/file.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"

namespace pasarela::audit {
namespace {

constexpr absl::string_view kSigningContext = "pasarela.audit.v1.Checkpoint\n";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

enum class KeyUse { kSign, kVerify };

// A context for EVP_DigestSign or EVP_DigestVerify with `key`, set up afresh: OpenSSL 3 fetches
// the algorithm and prepares the key each time (about 2.4 us in a tight loop, where a P-256
// signature takes 20; more when its tables are out of the cache, as between a quiet gateway's
// exchanges).
std::unique_ptr<EVP_MD_CTX, MdCtxFree> NewContext(EVP_PKEY* key, const EVP_MD* md, KeyUse use) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || key == nullptr) return nullptr;
  const int set_up = use == KeyUse::kSign
                         ? EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key)
                         : EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key);
  if (set_up != 1) return nullptr;
  return ctx;
}

// A context set up once, to be copied for each signature: a copy costs about 0.2 us. Null when the
// algorithm's context cannot be copied; callers then set one up each time.
std::shared_ptr<const EVP_MD_CTX> PreparedContext(EVP_PKEY* key, const EVP_MD* md, KeyUse use) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> prepared = NewContext(key, md, use);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> copy(EVP_MD_CTX_new());
  if (prepared == nullptr || copy == nullptr ||
      EVP_MD_CTX_copy_ex(copy.get(), prepared.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return std::shared_ptr<const EVP_MD_CTX>(prepared.release(), MdCtxFree());
}

// A context ready for one signature: a copy of `prepared`, or one set up afresh.
std::unique_ptr<EVP_MD_CTX, MdCtxFree> ContextFor(const EVP_MD_CTX* prepared, EVP_PKEY* key,
                                                  const EVP_MD* md, KeyUse use) {
  if (prepared != nullptr) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> copy(EVP_MD_CTX_new());
    if (copy != nullptr && EVP_MD_CTX_copy_ex(copy.get(), prepared) == 1) return copy;
    ERR_clear_error();
  }
  return NewContext(key, md, use);
}

// The reason OpenSSL left on this thread's error queue, which it empties.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, absl::string_view what) {
  absl::StatusOr<std::string> content = ReadFileToString(path);
  if (!content.ok()) {
    return absl::Status(content.status().code(),
                        absl::StrCat(what, ": ", content.status().message()));
  }
  return content;
}

std::vector<X509Ptr> ParseCertificates(absl::string_view pem) {
  std::vector<X509Ptr> certs;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the input reads as an error
  return certs;
}

// The checkpoint algorithm name for a key, or empty when the key type is not supported.
std::string AlgorithmFor(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC:
      return "ecdsa-sha256";
    case EVP_PKEY_ED25519:
      return "ed25519";
    case EVP_PKEY_RSA:
      return "rsa-pkcs1-sha256";
    default:
      return "";
  }
}

const EVP_MD* DigestFor(absl::string_view algorithm) {
  // Fetched once: OpenSSL 3 would otherwise look the digest up in its providers on every
  // signature made or checked with EVP_sha256().
  static const EVP_MD* const sha256 = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return algorithm == "ed25519" ? nullptr : sha256;
}

}  // namespace

void PutBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutField(absl::string_view field, std::string* out) {
  PutBigEndian(field.size(), 4, out);
  out->append(field.data(), field.size());
}

size_t FieldsSize(std::initializer_list<absl::string_view> fields) {
  size_t size = 0;
  for (absl::string_view field : fields) size += 4 + field.size();
  return size;
}

absl::Status CheckPrivateFileMode(const std::string& path, absl::string_view what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
  }
  // A directory's usual mode 0755 would otherwise be reported as a key others may read.
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " is a directory; give the key file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s %s is accessible to group or others (mode %04o); make it private (chmod 600)", what,
        path, st.st_mode & 07777));
  }
  return absl::OkStatus();
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  return HmacSha256Digest(key, data);
}

std::string CheckpointSigningInput(const v1::Checkpoint& checkpoint) {
  std::string out(kSigningContext);
  PutField(checkpoint.gateway(), &out);
  PutField(checkpoint.previous_hash(), &out);
  PutBigEndian(checkpoint.sequence(), 8, &out);
  PutField(checkpoint.record_hash(), &out);
  PutBigEndian(static_cast<uint64_t>(checkpoint.time().seconds()), 8, &out);
  PutBigEndian(static_cast<uint32_t>(checkpoint.time().nanos()), 4, &out);
  PutField(checkpoint.signature_algorithm(), &out);
  return out;
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::Load(
    const std::string& key_file, const std::string& cert_file) {
  if (absl::Status s = CheckPrivateFileMode(key_file, "audit signing key"); !s.ok()) return s;
  absl::StatusOr<std::string> key_pem = ReadWholeFile(key_file, "audit signing key");
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> cert_pem = ReadWholeFile(cert_file, "audit signing certificate");
  if (!cert_pem.ok()) return cert_pem.status();
  return FromPem(*key_pem, *std::move(cert_pem), key_file, cert_file);
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::FromPem(
    absl::string_view key_pem, std::string cert_pem, absl::string_view key_name,
    absl::string_view cert_name) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  // No passphrase callback: an encrypted key fails here rather than prompting.
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit signing key ", key_name, ": not a PEM private key: ", OpenSslError()));
  }
  std::string algorithm = AlgorithmFor(key.get());
  if (algorithm.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit signing key ", key_name, ": unsupported key type (use ECDSA, Ed25519 or RSA)"));
  }
  std::vector<X509Ptr> certs = ParseCertificates(cert_pem);
  if (certs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit signing certificate ", cert_name, ": no PEM certificate found"));
  }
  if (X509_check_private_key(certs.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("audit signing key ", key_name,
                                                   " does not match the certificate ", cert_name));
  }
  return std::unique_ptr<CheckpointSigner>(
      new CheckpointSigner(key.release(), std::move(algorithm), std::move(cert_pem)));
}

CheckpointSigner::CheckpointSigner(EVP_PKEY* key, std::string algorithm,
                                   std::string certificate_pem)
    : key_(key),
      algorithm_(std::move(algorithm)),
      certificate_pem_(std::move(certificate_pem)),
      prepared_(PreparedContext(key_, DigestFor(algorithm_), KeyUse::kSign)) {}

CheckpointSigner::~CheckpointSigner() { EVP_PKEY_free(key_); }

absl::StatusOr<std::string> CheckpointSigner::SignBytes(absl::string_view tbs) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx =
      ContextFor(prepared_.get(), key_, DigestFor(algorithm_), KeyUse::kSign);
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(tbs.data()),
                     tbs.size()) != 1) {
    return absl::InternalError(absl::StrCat("signing: ", OpenSslError()));
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) != 1) {
    return absl::InternalError(absl::StrCat("signing: ", OpenSslError()));
  }
  signature.resize(len);
  return signature;
}

absl::Status CheckpointSigner::Sign(v1::Checkpoint* checkpoint) const {
  checkpoint->set_signer_certificate_pem(certificate_pem_);
  checkpoint->set_signature_algorithm(algorithm_);
  absl::StatusOr<std::string> signature = SignBytes(CheckpointSigningInput(*checkpoint));
  if (!signature.ok()) {
    return absl::InternalError(absl::StrCat("an audit checkpoint: ", signature.status().message()));
  }
  checkpoint->set_signature(*std::move(signature));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const SignerKey>> SignerKey::FromPem(absl::string_view pem_chain) {
  std::vector<X509Ptr> certs = ParseCertificates(pem_chain);
  if (certs.empty()) return absl::InvalidArgumentError("no signer certificate");
  EVP_PKEY* key = X509_get0_pubkey(certs.front().get());
  if (key == nullptr) return absl::InvalidArgumentError("signer certificate has no usable key");
  std::string algorithm = AlgorithmFor(key);
  if (algorithm.empty()) {
    return absl::InvalidArgumentError("signer certificate has a key type no gateway signs with");
  }
  return std::shared_ptr<const SignerKey>(
      new SignerKey(certs.front().release(), std::move(algorithm)));
}

SignerKey::SignerKey(X509* certificate, std::string algorithm)
    : certificate_(certificate),
      algorithm_(std::move(algorithm)),
      prepared_(PreparedContext(X509_get0_pubkey(certificate_), DigestFor(algorithm_),
                                KeyUse::kVerify)) {}

SignerKey::~SignerKey() { X509_free(certificate_); }

absl::Status SignerKey::Verify(absl::string_view algorithm, absl::string_view tbs,
                               absl::string_view sig) const {
  if (algorithm != algorithm_) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature algorithm \"", algorithm, "\" does not fit the certificate's key"));
  }
  // The memo's key: the digest of the three fields' 4-byte big-endian lengths, then the fields
  // (12 bytes of lengths fit inside the string, without an allocation).
  std::string lengths;
  for (absl::string_view field : {algorithm, tbs, sig}) PutBigEndian(field.size(), 4, &lengths);
  Sha256Bytes memo_key;
  if (!Sha256Into({lengths, algorithm, tbs, sig}, &memo_key)) {
    return absl::InternalError("SHA-256 failed");
  }
  const absl::string_view digest = BytesOf(memo_key);
  {
    AnnotatedMutexLock lock(&remembered_mu_);
    // Another thread checking the same signature will settle it: a verdict it remembers answers
    // this call too; a refusal (not remembered) is checked again here.
    while (checking_.contains(digest)) remembered_mu_.Wait(&settled_cv_);
    if (remembered_.contains(digest)) return absl::OkStatus();
    checking_.emplace(digest);
    ++signature_checks_;
  }
  absl::Status checked = CheckSignature(tbs, sig);
  Settle(digest, checked.ok());
  return checked;
}

absl::Status SignerKey::CheckSignature(absl::string_view tbs, absl::string_view sig) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx = ContextFor(
      prepared_.get(), X509_get0_pubkey(certificate_), DigestFor(algorithm_), KeyUse::kVerify);
  if (ctx == nullptr ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) != 1) {
    ERR_clear_error();
    return absl::UnauthenticatedError("signature does not verify");
  }
  return absl::OkStatus();
}

void SignerKey::Settle(absl::string_view digest, bool verified) const {
  AnnotatedMutexLock lock(&remembered_mu_);
  checking_.erase(digest);
  settled_cv_.SignalAll();
  if (!verified || !remembered_.emplace(digest).second) return;
  remembered_order_.emplace_back(digest);
  if (remembered_order_.size() > kRememberedSignatures) {
    remembered_.erase(remembered_order_.front());
    remembered_order_.pop_front();
  }
}

uint64_t SignerKey::signature_checks() const {
  AnnotatedMutexLock lock(&remembered_mu_);
  return signature_checks_;
}

absl::Status VerifySignature(absl::string_view pem_chain, absl::string_view algorithm,
                             absl::string_view tbs, absl::string_view sig) {
  absl::StatusOr<std::shared_ptr<const SignerKey>> key = SignerKey::FromPem(pem_chain);
  if (!key.ok()) return key.status();
  return (*key)->Verify(algorithm, tbs, sig);
}

absl::Status VerifyCheckpointSignature(const v1::Checkpoint& checkpoint) {
  return VerifySignature(checkpoint.signer_certificate_pem(), checkpoint.signature_algorithm(),
                         CheckpointSigningInput(checkpoint), checkpoint.signature());
}

std::string ReceiptSigningInput(const v1::Receipt& receipt) {
  constexpr absl::string_view kDomain = "pasarela.audit.v1.Receipt\n";
  constexpr size_t kNumbers = 4 + 8 + 4;  // the status code, the time's seconds and nanoseconds
  std::string out;
  out.reserve(kDomain.size() + kNumbers +
              FieldsSize({receipt.exchange_id(), receipt.gateway(), receipt.request_digest(),
                          receipt.response_digest(), receipt.agreement_digest(),
                          receipt.signature_algorithm()}));
  out.append(kDomain.data(), kDomain.size());
  PutField(receipt.exchange_id(), &out);
  PutField(receipt.gateway(), &out);
  PutField(receipt.request_digest(), &out);
  PutField(receipt.response_digest(), &out);
  PutField(receipt.agreement_digest(), &out);
  PutBigEndian(static_cast<uint32_t>(receipt.grpc_status_code()), 4, &out);
  PutBigEndian(static_cast<uint64_t>(receipt.time().seconds()), 8, &out);
  PutBigEndian(static_cast<uint32_t>(receipt.time().nanos()), 4, &out);
  PutField(receipt.signature_algorithm(), &out);
  return out;
}

absl::StatusOr<std::string> IssueReceipt(const CheckpointSigner& signer, v1::Receipt receipt) {
  receipt.set_signature_algorithm(signer.algorithm());
  absl::StatusOr<std::string> signature = signer.SignBytes(ReceiptSigningInput(receipt));
  if (!signature.ok()) return signature.status();
  receipt.set_signature(*std::move(signature));
  return receipt.SerializeAsString();
}

absl::StatusOr<v1::Receipt> VerifyReceipt(absl::string_view serialized,
                                          absl::string_view signer_certificate_pem,
                                          absl::string_view exchange_id,
                                          absl::string_view request_digest,
                                          absl::string_view response_digest) {
  absl::StatusOr<std::shared_ptr<const SignerKey>> key = SignerKey::FromPem(signer_certificate_pem);
  if (!key.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("receipt signature: ", key.status().message()));
  }
  return VerifyReceipt(serialized, **key, exchange_id, request_digest, response_digest);
}

namespace {

// Parses `serialized` into `receipt` and checks it (see VerifyReceipt).
absl::Status ParseAndVerifyReceipt(absl::string_view serialized, const SignerKey& signer,
                                   absl::string_view exchange_id, absl::string_view request_digest,
                                   absl::string_view response_digest, v1::Receipt* receipt) {
  if (!receipt->ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::UnauthenticatedError("receipt is not a pasarela.audit.v1.Receipt");
  }
  if (receipt->exchange_id() != exchange_id) {
    return absl::UnauthenticatedError(
        absl::StrCat("receipt is for exchange ", receipt->exchange_id(), ", not ", exchange_id));
  }
  if (receipt->request_digest() != request_digest ||
      receipt->response_digest() != response_digest) {
    return absl::UnauthenticatedError(
        "receipt digests differ from the request sent and the response received");
  }
  absl::StatusOr<std::string> signed_bytes = ReceiptSignedBytes(*receipt);
  if (!signed_bytes.ok()) return signed_bytes.status();
  absl::Status signature =
      signer.Verify(receipt->signature_algorithm(), *signed_bytes, receipt->signature());
  if (!signature.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("receipt signature: ", signature.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Receipt> VerifyReceipt(absl::string_view serialized, const SignerKey& signer,
                                          absl::string_view exchange_id,
                                          absl::string_view request_digest,
                                          absl::string_view response_digest) {
  v1::Receipt receipt;
  absl::Status verified = ParseAndVerifyReceipt(serialized, signer, exchange_id, request_digest,
                                                response_digest, &receipt);
  if (!verified.ok()) return verified;
  return receipt;
}

absl::Status CheckReceipt(absl::string_view serialized, const SignerKey& signer,
                          absl::string_view exchange_id, absl::string_view request_digest,
                          absl::string_view response_digest) {
  // A receipt with a proof for a batch of 256 takes about 1 KiB of the arena.
  alignas(std::max_align_t) char first_block[2048];
  google::protobuf::ArenaOptions options;
  options.initial_block = first_block;
  options.initial_block_size = sizeof first_block;
  google::protobuf::Arena arena(options);
  return ParseAndVerifyReceipt(serialized, signer, exchange_id, request_digest, response_digest,
                               google::protobuf::Arena::CreateMessage<v1::Receipt>(&arena));
}

std::string CertificateSubject(absl::string_view pem_chain) {
  std::vector<X509Ptr> certs = ParseCertificates(pem_chain);
  if (certs.empty()) return "(no certificate)";
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(certs.front().get()), buf, sizeof buf);
  return buf;
}

absl::Status CheckGatewayCertificate(absl::string_view pem_chain, absl::string_view gateway) {
  absl::StatusOr<Certificate> signer = Certificate::FromPem(pem_chain);
  if (!signer.ok()) return absl::InvalidArgumentError("no signer certificate");
  const std::string wanted = GatewayUri(gateway);
  const std::vector<std::string> uris = signer->UriSans();
  if (std::find(uris.begin(), uris.end(), wanted) != uris.end()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "certificate ", CertificateSubject(pem_chain), " is not gateway ", gateway, "'s: it names ",
      uris.empty() ? std::string("no URI") : absl::StrJoin(uris, ", "), ", not ", wanted));
}

absl::StatusOr<std::unique_ptr<TrustAnchors>> TrustAnchors::Load(
    const std::vector<std::string>& files) {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return absl::InternalError("X509_STORE_new failed");
  std::unique_ptr<TrustAnchors> anchors(new TrustAnchors(store));
  for (const std::string& file : files) {
    absl::StatusOr<std::string> pem = ReadWholeFile(file, "CA file");
    if (!pem.ok()) return pem.status();
    std::vector<X509Ptr> certs = ParseCertificates(*pem);
    if (certs.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("CA file ", file, ": no PEM certificate"));
    }
    for (const X509Ptr& cert : certs) {
      if (X509_STORE_add_cert(store, cert.get()) != 1) ERR_clear_error();  // duplicates are fine
    }
  }
  return anchors;
}

TrustAnchors::~TrustAnchors() { X509_STORE_free(store_); }

absl::Status TrustAnchors::CheckChain(absl::string_view pem_chain, absl::Time at) const {
  std::vector<X509Ptr> certs = ParseCertificates(pem_chain);
  if (certs.empty()) return absl::InvalidArgumentError("no signer certificate");
  std::unique_ptr<STACK_OF(X509), X509StackFree> untrusted(sk_X509_new_null());
  for (size_t i = 1; i < certs.size(); ++i) {
    X509_up_ref(certs[i].get());
    sk_X509_push(untrusted.get(), certs[i].get());
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), store_, certs.front().get(), untrusted.get()) != 1) {
    return absl::InternalError(absl::StrCat("certificate check: ", OpenSslError()));
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, absl::ToTimeT(at));
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::PermissionDeniedError(
        absl::StrCat("certificate ", CertificateSubject(pem_chain),
                     " does not chain to a trusted CA: ", X509_verify_cert_error_string(err)));
  }
  return absl::OkStatus();
}

}  // namespace pasarela::audit
