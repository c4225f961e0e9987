// The certificates an auditor gives `pasarela audit verify --peer-cert` to check the receipts a
// consumer gateway kept in its records: each a certificate a peer gateway signed receipts with,
// known by the gateway its urn:pasarela:gateway:CC URI names. A peer that replaced its key while
// running signed under several; any one of a gateway's certificates may verify its receipts.
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
#include "gateway/audit/audit_crypto.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

class ReceiptSigners {
 public:
  // Reads the first certificate of each PEM file. INVALID_ARGUMENT naming the file when it cannot
  // be read, holds no certificate, has a key no gateway signs with, or names no gateway
  // (urn:pasarela:gateway:CC).
  static absl::StatusOr<ReceiptSigners> Load(const std::vector<std::string>& files);

  // Whether a certificate of gateway `gateway` was given.
  bool Knows(absl::string_view gateway) const;

  // Checks the signature of `receipt` (its batch proof included) with the certificates of the
  // gateway it names. REQUIRES: Knows(receipt.gateway()). UNAUTHENTICATED naming the files tried
  // when none verifies it or its proof does not fit its position.
  absl::Status Verify(const v1::Receipt& receipt) const;

 private:
  struct Signer {
    std::string file;
    std::string gateway;  // country code
    std::shared_ptr<const SignerKey> key;
  };
  explicit ReceiptSigners(std::vector<Signer> signers) : signers_(std::move(signers)) {}

  std::vector<Signer> signers_;
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_RECEIPT_SIGNERS_H_
