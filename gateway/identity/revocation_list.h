// A certificate revocation list read from a file, PEM or DER: who signed it, until when it is
// current, and the certificates it revokes with when and why. The trust store reads its CRLs with
// it, and so does `pasarela audit verify --crl`, so that both read a CRL file alike.
//
// Move-only; const methods are safe to call from several threads at once.
#ifndef PASARELA_GATEWAY_IDENTITY_REVOCATION_LIST_H_
#define PASARELA_GATEWAY_IDENTITY_REVOCATION_LIST_H_

#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace pasarela {

// One certificate a CRL revokes.
struct RevokedCertificate {
  // Serial number, upper-case hex, as Certificate::SerialHex() spells it.
  std::string serial_hex;
  absl::Time revoked_at = absl::InfinitePast();
  // The entry's reason code by its RFC 5280 name ("keyCompromise"), or empty when it has none.
  std::string reason;
};

class RevocationList {
 public:
  // Reads and parses a CRL file: the first CRL of a PEM file (one with a "BEGIN X509 CRL" line),
  // otherwise the whole file as one DER CRL. The read error, or INVALID_ARGUMENT
  // "PATH: not a CRL (PEM or DER)".
  static absl::StatusOr<RevocationList> FromFile(const std::string& path);

  // Whether `ca`'s public key verifies the CRL's signature.
  bool IsSignedBy(const X509* ca) const;
  // The CRL's nextUpdate, or the infinite future when it has none.
  absl::Time next_update() const { return next_update_; }
  // The revoked certificates, by serial (upper-case hex).
  const absl::flat_hash_map<std::string, RevokedCertificate>& revoked() const { return revoked_; }
  // The entry for `serial_hex`, or null when the CRL does not list it.
  const RevokedCertificate* Find(absl::string_view serial_hex) const;

 private:
  struct CrlDeleter {
    void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
  };
  explicit RevocationList(std::unique_ptr<X509_CRL, CrlDeleter> crl);

  std::unique_ptr<X509_CRL, CrlDeleter> crl_;
  absl::Time next_update_;
  absl::flat_hash_map<std::string, RevokedCertificate> revoked_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_IDENTITY_REVOCATION_LIST_H_
