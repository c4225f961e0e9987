#include "gateway/identity/certificate.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"

namespace pasarela {
namespace {

// The extended key usage bits, or 0 when the certificate's extensions do not parse (OpenSSL
// reports all bits set when there is no extended key usage extension).
uint32_t ExtendedKeyUsage(X509* cert) {
  if ((X509_get_extension_flags(cert) & EXFLAG_INVALID) != 0) return 0;
  return X509_get_extended_key_usage(cert);
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, size > 0 ? static_cast<size_t>(size) : 0);
}

}  // namespace

std::string SerialHexOf(const ASN1_INTEGER* serial) {
  BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
  if (number == nullptr) return "";
  char* hex = BN_bn2hex(number);
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

absl::Time AbslTimeOf(const ASN1_TIME* time) {
  struct tm parts = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return absl::InfinitePast();
  return absl::FromTM(parts, absl::UTCTimeZone());
}

Certificate::Certificate(X509Ptr cert)
    : cert_(std::move(cert)),
      not_before_(AbslTimeOf(X509_get0_notBefore(cert_.get()))),
      not_after_(AbslTimeOf(X509_get0_notAfter(cert_.get()))) {}

absl::StatusOr<Certificate> Certificate::FromPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) return absl::InvalidArgumentError("no PEM certificate found");
  return Certificate(std::move(cert));
}

absl::StatusOr<Certificate> Certificate::FromPemFile(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileToString(path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<Certificate> cert = FromPem(*pem);
  if (!cert.ok())
    return absl::InvalidArgumentError(absl::StrCat(path, ": no PEM certificate found"));
  return cert;
}

absl::StatusOr<std::vector<Certificate>> Certificate::AllFromPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Certificate> certs;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    certs.push_back(Certificate(std::move(cert)));
  }
  ERR_clear_error();
  if (certs.empty()) return absl::InvalidArgumentError("no PEM certificate found");
  return certs;
}

std::vector<std::string> Certificate::UriSans() const {
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

std::string Certificate::SerialHex() const {
  return SerialHexOf(X509_get0_serialNumber(cert_.get()));
}

std::string Certificate::SubjectText() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert_.get()), 0, XN_FLAG_ONELINE);
  return BioToString(bio.get());
}

std::string Certificate::IssuerText() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_issuer_name(cert_.get()), 0, XN_FLAG_ONELINE);
  return BioToString(bio.get());
}

bool Certificate::AllowsTlsClient() const {
  return (ExtendedKeyUsage(cert_.get()) & (XKU_SSL_CLIENT | XKU_ANYEKU)) != 0;
}

bool Certificate::AllowsTlsServer() const {
  return (ExtendedKeyUsage(cert_.get()) & (XKU_SSL_SERVER | XKU_ANYEKU)) != 0;
}

std::string Certificate::ExtendedKeyUsageText() const {
  auto* usages = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert_.get(), NID_ext_key_usage, nullptr, nullptr));
  if (usages == nullptr) return "none";
  std::string text;
  for (int i = 0; i < sk_ASN1_OBJECT_num(usages); ++i) {
    const ASN1_OBJECT* usage = sk_ASN1_OBJECT_value(usages, i);
    const int nid = OBJ_obj2nid(usage);
    char oid[80];
    if (nid == NID_undef) OBJ_obj2txt(oid, sizeof(oid), usage, /*no_name=*/1);
    // Short names ("serverAuth"), as an openssl.cnf would spell them.
    absl::StrAppend(&text, i == 0 ? "" : ", ", nid == NID_undef ? oid : OBJ_nid2sn(nid));
  }
  sk_ASN1_OBJECT_pop_free(usages, ASN1_OBJECT_free);
  return text.empty() ? "an empty list" : text;
}

bool Certificate::IsCa() const { return (X509_get_extension_flags(cert_.get()) & EXFLAG_CA) != 0; }

int Certificate::KeySecurityBits() const {
  EvpKeyPtr key(X509_get_pubkey(cert_.get()));
  ERR_clear_error();
  return key == nullptr ? 0 : EVP_PKEY_get_security_bits(key.get());
}

std::string Certificate::KeyText() const {
  EvpKeyPtr key(X509_get_pubkey(cert_.get()));
  ERR_clear_error();
  if (key == nullptr) return "an unreadable key";
  const char* type = EVP_PKEY_get0_type_name(key.get());
  return absl::StrCat(type != nullptr ? type : "unknown", " ", EVP_PKEY_get_bits(key.get()),
                      " bits");
}

std::string Certificate::Fingerprint() const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert_.get(), EVP_sha256(), digest, &size);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), static_cast<size_t>(size)));
}

std::string Certificate::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert_.get());
  return BioToString(bio.get());
}

}  // namespace pasarela
