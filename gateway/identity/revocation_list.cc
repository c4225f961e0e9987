#include "gateway/identity/revocation_list.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/identity/certificate.h"

namespace pasarela {
namespace {

// The name RFC 5280 5.3.1 gives a CRLReason, or empty when the entry has no reason code.
std::string ReasonOf(const X509_REVOKED* entry) {
  ASN1_ENUMERATED* code = static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
  if (code == nullptr) return "";
  const long value = ASN1_ENUMERATED_get(code);  // NOLINT(runtime/int): OpenSSL's type
  ASN1_ENUMERATED_free(code);
  switch (value) {
    case 0:
      return "unspecified";
    case 1:
      return "keyCompromise";
    case 2:
      return "cACompromise";
    case 3:
      return "affiliationChanged";
    case 4:
      return "superseded";
    case 5:
      return "cessationOfOperation";
    case 6:
      return "certificateHold";
    case 8:
      return "removeFromCRL";
    case 9:
      return "privilegeWithdrawn";
    case 10:
      return "aACompromise";
    default:
      return absl::StrCat("reason code ", value);
  }
}

}  // namespace

RevocationList::RevocationList(std::unique_ptr<X509_CRL, CrlDeleter> crl) : crl_(std::move(crl)) {
  const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(crl_.get());
  next_update_ = next_update != nullptr ? AbslTimeOf(next_update) : absl::InfiniteFuture();
  STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl_.get());
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
    RevokedCertificate revoked;
    revoked.serial_hex = SerialHexOf(X509_REVOKED_get0_serialNumber(entry));
    revoked.revoked_at = AbslTimeOf(X509_REVOKED_get0_revocationDate(entry));
    revoked.reason = ReasonOf(entry);
    std::string serial = revoked.serial_hex;
    revoked_.emplace(std::move(serial), std::move(revoked));
  }
}

absl::StatusOr<RevocationList> RevocationList::FromFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  std::unique_ptr<X509_CRL, CrlDeleter> crl;
  if (absl::StrContains(*contents, "-----BEGIN X509 CRL-----")) {
    BioPtr bio(BIO_new_mem_buf(contents->data(), static_cast<int>(contents->size())));
    crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  } else {
    // DER, as CAs publish CRLs at their distribution points: the whole file must be the one CRL,
    // so that a truncated download is refused rather than read as far as it goes.
    const unsigned char* next = reinterpret_cast<const unsigned char*>(contents->data());
    const unsigned char* const end = next + contents->size();
    crl.reset(d2i_X509_CRL(nullptr, &next, static_cast<long>(contents->size())));  // NOLINT
    if (next != end) crl.reset();
  }
  ERR_clear_error();
  if (crl == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a CRL (PEM or DER)"));
  }
  return RevocationList(std::move(crl));
}

bool RevocationList::IsSignedBy(const X509* ca) const {
  EVP_PKEY* ca_key = X509_get0_pubkey(ca);
  const bool signed_by = ca_key != nullptr && X509_CRL_verify(crl_.get(), ca_key) == 1;
  ERR_clear_error();
  return signed_by;
}

const RevokedCertificate* RevocationList::Find(absl::string_view serial_hex) const {
  auto it = revoked_.find(serial_hex);
  return it != revoked_.end() ? &it->second : nullptr;
}

}  // namespace pasarela
