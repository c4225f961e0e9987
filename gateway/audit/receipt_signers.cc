#include "gateway/audit/receipt_signers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/common/file.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"

namespace pasarela::audit {

absl::StatusOr<ReceiptSigners> ReceiptSigners::Load(const std::vector<std::string>& files) {
  std::vector<Signer> signers;
  for (const std::string& file : files) {
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
    signers.push_back(Signer{file, std::move(gateway), *std::move(key)});
  }
  return ReceiptSigners(std::move(signers));
}

bool ReceiptSigners::Knows(absl::string_view gateway) const {
  for (const Signer& signer : signers_) {
    if (signer.gateway == gateway) return true;
  }
  return false;
}

absl::Status ReceiptSigners::Verify(const v1::Receipt& receipt) const {
  absl::StatusOr<std::string> signed_bytes = ReceiptSignedBytes(receipt);
  if (!signed_bytes.ok()) return signed_bytes.status();
  std::vector<std::string> tried;
  for (const Signer& signer : signers_) {
    if (signer.gateway != receipt.gateway()) continue;
    if (signer.key->Verify(receipt.signature_algorithm(), *signed_bytes, receipt.signature())
            .ok()) {
      return absl::OkStatus();
    }
    tried.push_back(signer.file);
  }
  return absl::UnauthenticatedError(absl::StrCat(
      "signature does not verify against gateway ", receipt.gateway(), "'s ",
      tried.size() == 1 ? "certificate " : "certificates ", absl::StrJoin(tried, ", ")));
}

}  // namespace pasarela::audit
