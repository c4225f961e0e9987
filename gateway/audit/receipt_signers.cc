#include "gateway/audit/receipt_signers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/audit/timestamp.h"
#include "gateway/common/file.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"

namespace pasarela::audit {

ReceiptSigners::ReceiptSigners(std::vector<Signer> signers, std::unique_ptr<CountryAnchors> anchors,
                               std::unique_ptr<SignerRevocations> revocations)
    : signers_(std::move(signers)),
      anchors_(std::move(anchors)),
      revocations_(std::move(revocations)) {}

absl::StatusOr<std::unique_ptr<ReceiptSigners>> ReceiptSigners::Load(
    const std::vector<std::string>& certificate_files, const std::vector<std::string>& ca_specs,
    const std::vector<std::string>& crl_files) {
  absl::StatusOr<CaChecks> cas = LoadCaChecks(ca_specs, crl_files, "--peer-ca", "--peer-crl");
  if (!cas.ok()) return cas.status();
  std::vector<Signer> signers;
  for (const std::string& file : certificate_files) {
    absl::StatusOr<std::string> pem = ReadFileToString(file);
    if (!pem.ok()) return pem.status();
    absl::StatusOr<Certificate> certificate = Certificate::FromPem(*pem);
    if (!certificate.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": no PEM certificate"));
    }
    std::string gateway;
    for (const std::string& uri : certificate->UriSans()) {
      if (absl::StatusOr<std::string> country = ParseGatewayUri(uri); country.ok()) {
        gateway = *std::move(country);
        break;
      }
    }
    if (gateway.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": certificate ", CertificateSubject(*pem),
                       " is not a gateway's: it names no urn:pasarela:gateway:CC URI"));
    }
    absl::StatusOr<std::shared_ptr<const SignerKey>> key = SignerKey::FromPem(*pem);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": ", key.status().message()));
    }
    signers.push_back(Signer{file, std::move(gateway), *std::move(pem), *std::move(key)});
  }
  return std::unique_ptr<ReceiptSigners>(
      new ReceiptSigners(std::move(signers), std::move(cas->anchors), std::move(cas->revocations)));
}

bool ReceiptSigners::Knows(absl::string_view gateway) const {
  for (const Signer& signer : signers_) {
    if (signer.gateway == gateway) return true;
  }
  return false;
}

absl::StatusOr<absl::optional<CaVoucher>> ReceiptSigners::Verify(const v1::Receipt& receipt) const {
  absl::StatusOr<std::string> signed_bytes = ReceiptSignedBytes(receipt);
  if (!signed_bytes.ok()) return signed_bytes.status();
  std::vector<std::string> tried;
  for (const Signer& signer : signers_) {
    if (signer.gateway != receipt.gateway()) continue;
    if (signer.key->Verify(receipt.signature_algorithm(), *signed_bytes, receipt.signature())
            .ok()) {
      return CheckCertificate(signer, receipt);
    }
    tried.push_back(signer.file);
  }
  return absl::UnauthenticatedError(absl::StrCat(
      "signature does not verify against gateway ", receipt.gateway(), "'s ",
      tried.size() == 1 ? "certificate " : "certificates ", absl::StrJoin(tried, ", ")));
}

// The signature is the certificate's holder's; whether the holder was the peer gateway its
// country's CA vouched for, at the time the receipt states, is the CAs' to say.
absl::StatusOr<absl::optional<CaVoucher>> ReceiptSigners::CheckCertificate(
    const Signer& signer, const v1::Receipt& receipt) const {
  const absl::Time at = TimeOf(receipt.time());
  if (revocations_ != nullptr) {
    if (absl::optional<SignerRevocation> revocation = revocations_->Find(signer.pem)) {
      return absl::UnauthenticatedError(
          absl::StrCat("verifies against ", signer.file, ", but it was ",
                       RevokedSignerText(*revocation, "receipt", at)));
    }
  }
  if (anchors_ == nullptr) return absl::nullopt;
  absl::StatusOr<CaVoucher> vouched = anchors_->CheckChain(signer.pem, at, signer.gateway);
  if (vouched.ok()) return *vouched;
  if (vouched.status().code() == absl::StatusCode::kFailedPrecondition) {
    return absl::UnauthenticatedError(
        absl::StrCat("verifies against ", signer.file,
                     ", which no --peer-ca vouches for: ", vouched.status().message()));
  }
  return absl::UnauthenticatedError(
      absl::StrCat("verifies against ", signer.file, ", which no --peer-ca vouches for at ",
                   FormatRfc3339Seconds(at), ": ", vouched.status().message()));
}

}  // namespace pasarela::audit
