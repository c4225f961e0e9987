// The CRLs an auditor gives `pasarela audit verify --crl`, each checked against the CA file that
// signed it, and the look-up of a checkpoint's certificates in them. Internal to gateway/audit.
//
// A revocation is a fact about a key, not a verdict at a time: a checkpoint's time is written by
// whoever holds the key, so it cannot place a signature before the revocation, and what a CRL lists
// stays revoked after the CRL's nextUpdate has passed. So this says only whether a certificate is
// revoked, and when and why, and leaves no time to compare.
//
// Thread safety: immutable once loaded; Find may be called concurrently.

#ifndef PASARELA_GATEWAY_AUDIT_SIGNER_REVOCATIONS_H_
#define PASARELA_GATEWAY_AUDIT_SIGNER_REVOCATIONS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/country_anchors.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/revocation_list.h"

namespace pasarela::audit {

// A certificate of a signer's chain that a CRL revokes.
struct SignerRevocation {
  std::string subject;  // the revoked certificate's, as CertificateSubject spells it
  RevokedCertificate entry;
  std::string crl_file;   // the CRL that lists it
  bool is_signer = true;  // the signing certificate itself, not a CA certificate it chains through
};

// Why what a revoked certificate signed (`what`: "checkpoint", "receipt") fails, whatever the time
// it claims (`claimed_time`): "signed by a certificate revoked on ... (SUBJECT, serial ..., CRL
// FILE); it says it was written at ..., but ...".
std::string RevokedSignerText(const SignerRevocation& revocation, absl::string_view what,
                              absl::Time claimed_time);

class SignerRevocations {
 public:
  // Reads every certificate of the PEM `ca_files` and each CRL (PEM or DER) of `crl_files`, which
  // must be signed by one of them: INVALID_ARGUMENT naming the CRL file and `ca_option` (the
  // command-line option the CA files came with) when none signed it, or the read or parse error
  // naming the file.
  static absl::StatusOr<std::unique_ptr<SignerRevocations>> Load(
      const std::vector<std::string>& ca_files, const std::vector<std::string>& crl_files,
      absl::string_view ca_option);

  // The revocation of a certificate of `pem_chain` (the signer's first, then the CA certificates it
  // carries) by the CRL of the CA that issued it, the earliest when several CRLs list it; nullopt
  // when none is revoked or the chain does not parse.
  absl::optional<SignerRevocation> Find(absl::string_view pem_chain) const;

 private:
  // A CA given with --ca or --peer-ca, and the CRLs it signed.
  struct Issuer {
    Certificate ca;
    std::vector<std::pair<std::string, RevocationList>> lists;  // (file, CRL)
  };
  explicit SignerRevocations(std::vector<Issuer> issuers) : issuers_(std::move(issuers)) {}

  const std::vector<Issuer> issuers_;  // only CAs that signed a CRL given
};

// The CAs an auditor gives for one kind of signature (--ca for checkpoints, --peer-ca for
// receipts; see CountryAnchors) and their CRLs: `anchors` null without CA specs, `revocations` null
// without CRL files.
struct CaChecks {
  std::unique_ptr<CountryAnchors> anchors;
  std::unique_ptr<SignerRevocations> revocations;
};

// Loads both; a CRL is only as good as the CA signature on it, and it speaks only of that CA's
// certificates (whichever gateway the CA was given for), so CRL files without CA specs are
// INVALID_ARGUMENT "CRL_OPTION needs CA_OPTION: a CRL is checked against the CA that signed it".
// Other errors as CountryAnchors::Load and SignerRevocations::Load give them.
absl::StatusOr<CaChecks> LoadCaChecks(const std::vector<std::string>& ca_specs,
                                      const std::vector<std::string>& crl_files,
                                      absl::string_view ca_option, absl::string_view crl_option);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_SIGNER_REVOCATIONS_H_
