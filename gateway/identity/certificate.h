// An X.509 certificate parsed once with OpenSSL, and what the gateway reads from it.
//
// Move-only; const methods are safe to call from several threads at once.
#ifndef PASARELA_GATEWAY_IDENTITY_CERTIFICATE_H_
#define PASARELA_GATEWAY_IDENTITY_CERTIFICATE_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace pasarela {

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct EvpKeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpKeyPtr = std::unique_ptr<EVP_PKEY, EvpKeyDeleter>;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// A serial number as upper-case hex, or empty when it cannot be read.
std::string SerialHexOf(const ASN1_INTEGER* serial);
// An ASN.1 time as an absl::Time, or the infinite past when it cannot be read.
absl::Time AbslTimeOf(const ASN1_TIME* time);

class Certificate {
 public:
  // Parses the first certificate of a PEM text. INVALID_ARGUMENT when there is none.
  static absl::StatusOr<Certificate> FromPem(absl::string_view pem);
  // Reads and parses the first certificate of a PEM file.
  static absl::StatusOr<Certificate> FromPemFile(const std::string& path);
  // Parses every certificate of a PEM text, in order.
  static absl::StatusOr<std::vector<Certificate>> AllFromPem(absl::string_view pem);

  X509* x509() const { return cert_.get(); }
  // URI subject alternative names, in certificate order.
  std::vector<std::string> UriSans() const;
  // Serial number, upper-case hex.
  std::string SerialHex() const;
  std::string SubjectText() const;
  std::string IssuerText() const;
  absl::Time not_before() const { return not_before_; }
  absl::Time not_after() const { return not_after_; }
  // Whether the extended key usage extension lets the certificate authenticate a TLS client
  // (clientAuth) or a TLS server (serverAuth). A certificate without the extension may do both
  // (RFC 5280 4.2.1.12), and so may one listing anyExtendedKeyUsage; one whose extensions do not
  // parse may do neither.
  bool AllowsTlsClient() const;
  bool AllowsTlsServer() const;
  // The extended key usages by name ("serverAuth, clientAuth"), or "none" without the extension,
  // for messages.
  std::string ExtendedKeyUsageText() const;
  // True when basicConstraints says CA:TRUE: a certificate authority, not an end entity.
  bool IsCa() const;
  // The strength of the public key in bits of security (NIST SP 800-57: RSA 2048 gives 112,
  // EC P-256 128, RSA 1024 80), 0 when unknown.
  int KeySecurityBits() const;
  // "RSA 1024 bits", "EC 256 bits", for messages.
  std::string KeyText() const;
  // SHA-256 of the DER encoding, lower-case hex.
  std::string Fingerprint() const;
  // The certificate as PEM.
  std::string ToPem() const;

 private:
  explicit Certificate(X509Ptr cert);
  X509Ptr cert_;
  absl::Time not_before_;
  absl::Time not_after_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_IDENTITY_CERTIFICATE_H_
