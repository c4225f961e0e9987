#include "gateway/audit/signer_revocations.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/common/file.h"
#include "gateway/common/rfc3339.h"

namespace pasarela::audit {
namespace {

// Whether `ca` issued `cert`: names and key identifiers match and its key verifies the signature.
bool Issued(const Certificate& ca, const Certificate& cert) {
  const bool issued = X509_check_issued(ca.x509(), cert.x509()) == X509_V_OK &&
                      X509_verify(cert.x509(), X509_get0_pubkey(ca.x509())) == 1;
  ERR_clear_error();
  return issued;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SignerRevocations>> SignerRevocations::Load(
    const std::vector<std::string>& ca_files, const std::vector<std::string>& crl_files,
    absl::string_view ca_option) {
  std::vector<Issuer> cas;
  for (const std::string& file : ca_files) {
    absl::StatusOr<std::string> pem = ReadFileToString(file);
    if (!pem.ok()) return pem.status();
    absl::StatusOr<std::vector<Certificate>> certs = Certificate::AllFromPem(*pem);
    if (!certs.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("CA file ", file, ": no PEM certificate"));
    }
    for (Certificate& cert : *certs) cas.push_back(Issuer{std::move(cert), {}});
  }
  for (const std::string& file : crl_files) {
    absl::StatusOr<RevocationList> crl = RevocationList::FromFile(file);
    if (!crl.ok()) return crl.status();
    auto signer = std::find_if(cas.begin(), cas.end(),
                               [&](const Issuer& ca) { return crl->IsSignedBy(ca.ca.x509()); });
    if (signer == cas.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": CRL is not signed by any CA given with ", ca_option));
    }
    signer->lists.emplace_back(file, *std::move(crl));
  }
  std::vector<Issuer> issuers;
  for (Issuer& ca : cas) {
    if (!ca.lists.empty()) issuers.push_back(std::move(ca));
  }
  return std::unique_ptr<SignerRevocations>(new SignerRevocations(std::move(issuers)));
}

absl::optional<SignerRevocation> SignerRevocations::Find(absl::string_view pem_chain) const {
  absl::StatusOr<std::vector<Certificate>> chain = Certificate::AllFromPem(pem_chain);
  if (!chain.ok()) return absl::nullopt;
  for (size_t i = 0; i < chain->size(); ++i) {
    const Certificate& cert = (*chain)[i];
    absl::optional<SignerRevocation> found;
    for (const Issuer& issuer : issuers_) {
      if (!Issued(issuer.ca, cert)) continue;
      const std::string serial = cert.SerialHex();
      for (const auto& [file, crl] : issuer.lists) {
        const RevokedCertificate* entry = crl.Find(serial);
        if (entry == nullptr) continue;
        if (!found.has_value() || entry->revoked_at < found->entry.revoked_at) {
          found = SignerRevocation{CertificateSubject(cert.ToPem()), *entry, file, i == 0};
        }
      }
    }
    if (found.has_value()) return found;
  }
  return absl::nullopt;
}

absl::StatusOr<CaChecks> LoadCaChecks(const std::vector<std::string>& ca_specs,
                                      const std::vector<std::string>& crl_files,
                                      absl::string_view ca_option, absl::string_view crl_option) {
  CaChecks checks;
  if (!ca_specs.empty()) {
    absl::StatusOr<std::unique_ptr<CountryAnchors>> loaded =
        CountryAnchors::Load(ca_specs, ca_option);
    if (!loaded.ok()) return loaded.status();
    checks.anchors = *std::move(loaded);
  }
  if (!crl_files.empty()) {
    if (checks.anchors == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          crl_option, " needs ", ca_option, ": a CRL is checked against the CA that signed it"));
    }
    absl::StatusOr<std::unique_ptr<SignerRevocations>> loaded =
        SignerRevocations::Load(checks.anchors->files(), crl_files, ca_option);
    if (!loaded.ok()) return loaded.status();
    checks.revocations = *std::move(loaded);
  }
  return checks;
}

std::string RevokedSignerText(const SignerRevocation& revocation, absl::string_view what,
                              absl::Time claimed_time) {
  const RevokedCertificate& entry = revocation.entry;
  return absl::StrCat(
      revocation.is_signer ? "signed by a certificate revoked on "
                           : "signed by a certificate whose issuing CA certificate was revoked on ",
      FormatRfc3339Seconds(entry.revoked_at), " (", revocation.subject, ", serial ",
      entry.serial_hex, entry.reason.empty() ? "" : absl::StrCat(", reason ", entry.reason),
      ", CRL ", revocation.crl_file, "); it says it was written at ",
      FormatRfc3339Seconds(claimed_time), ", but a ", what,
      "'s time is written by its signer and cannot prove it was signed before the revocation");
}

}  // namespace pasarela::audit
