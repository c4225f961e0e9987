// The certificates an auditor gives `pasarela audit verify --peer-cert` to check the receipts a
// consumer gateway kept in its records: each a certificate a peer gateway signed receipts with,
// known by the gateway its urn:pasarela:gateway:CC URI names. A peer that replaced its key while
// running signed under several; any one of a gateway's certificates may verify its receipts.
// With the peers' CA certificates given (--peer-ca), the certificate that verifies a receipt must
// also chain to one of them, valid at the receipt's time, and with their CRLs (--peer-crl) not be
// revoked: otherwise the certificates are taken as given. A CA given with a country
// (`--peer-ca CL=FILE`) vouches only for that country's gateway, as the gateway's own trust
// configuration binds each CA to its country; one given without (`--peer-ca FILE`) for any
// gateway's certificate, so that with several such CAs one peer's CA could vouch for a
// certificate that names another peer's gateway.
//
// Immutable once loaded; safe to use from several threads at once.
#ifndef PASARELA_GATEWAY_AUDIT_RECEIPT_SIGNERS_H_
#define PASARELA_GATEWAY_AUDIT_RECEIPT_SIGNERS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/country_anchors.h"
#include "gateway/audit/signer_revocations.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

class ReceiptSigners {
 public:
  // Reads the first certificate of each PEM file of `certificate_files`, every CA certificate of
  // `ca_specs` ("FILE", or "CC=FILE" for a CA that vouches only for gateway CC) and each CRL (PEM
  // or DER) of `crl_files`. INVALID_ARGUMENT naming the file when a certificate cannot be read,
  // holds no certificate, has a key no gateway signs with, or names no gateway
  // (urn:pasarela:gateway:CC); when a CA file holds no certificate; when a CA spec's country is not
  // two capital letters; when a CRL is signed by none of the CAs; and when CRLs come without CAs.
  static absl::StatusOr<std::unique_ptr<ReceiptSigners>> Load(
      const std::vector<std::string>& certificate_files, const std::vector<std::string>& ca_specs,
      const std::vector<std::string>& crl_files);

  // Whether a certificate of gateway `gateway` was given.
  bool Knows(absl::string_view gateway) const;

  // Whether the certificates are checked against CAs (ca_specs was not empty).
  bool checks_chains() const { return anchors_ != nullptr; }

  // How many CA files were given without a country.
  size_t any_gateway_ca_files() const {
    return anchors_ == nullptr ? 0 : anchors_->any_gateway_files();
  }

  // Checks the signature of `receipt` (its batch proof included) with the certificates of the
  // gateway it names, and the certificate that verifies it against the CAs and CRLs given: those
  // given for its gateway first, then those given without a country. REQUIRES:
  // Knows(receipt.gateway()). UNAUTHENTICATED naming the files tried when none verifies it or its
  // proof does not fit its position, naming the certificate when it does not chain to a CA that
  // may vouch for its gateway at the receipt's time (and naming the country whose CA it chains to
  // instead, if one does) or a CRL revokes it (whatever that time). On success, what vouched for
  // the certificate; nullopt when no CA was given and it was taken as given.
  absl::StatusOr<absl::optional<CaVoucher>> Verify(const v1::Receipt& receipt) const;

 private:
  struct Signer {
    std::string file;
    std::string gateway;  // country code
    std::string pem;
    std::shared_ptr<const SignerKey> key;
  };
  ReceiptSigners(std::vector<Signer> signers, std::unique_ptr<CountryAnchors> anchors,
                 std::unique_ptr<SignerRevocations> revocations);

  absl::StatusOr<absl::optional<CaVoucher>> CheckCertificate(const Signer& signer,
                                                             const v1::Receipt& receipt) const;

  const std::vector<Signer> signers_;
  const std::unique_ptr<CountryAnchors> anchors_;         // null without CA files
  const std::unique_ptr<SignerRevocations> revocations_;  // null without CRL files
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_RECEIPT_SIGNERS_H_
