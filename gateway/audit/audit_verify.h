// AuditVerifier checks an audit trail written by AuditLog: the framing of every entry, the hash
// chain, the continuity of sequence numbers across segments, each checkpoint's seal and
// signature, optionally that each checkpoint certificate was issued under a given CA, and that
// that CA has not revoked it. It names the first bad entry by segment, record number and byte
// offset. Each receipt a consumer-side record keeps must be the provider gateway's statement of
// that exchange (its id, the provider's country, the request and response digests), and with
// the peers' certificates given its signature must verify. RunAuditVerify is the
// `pasarela audit verify` command built on it.
//
// Thread safety: an AuditVerifier is immutable once created; Verify may be called concurrently.

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_VERIFY_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_VERIFY_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pasarela::audit {

class CountryAnchors;
class ReceiptSigners;
class SignerRevocations;

struct AuditVerifyOptions {
  // PEM files of CA certificates, each "FILE" or "CC=FILE" (a CA that vouches only for gateway
  // CC's certificates; see CountryAnchors). When not empty, each checkpoint's certificate must
  // chain to one that may vouch for the checkpoint's gateway (validity judged at the checkpoint's
  // time), so a trail signed under successive gateway keys verifies against the country's CA
  // alone, and must name the checkpoint's gateway (urn:pasarela:gateway:CC), since the CA vouches
  // for its agencies too.
  std::vector<std::string> ca_files;
  // CRL files (PEM or DER), each signed by a CA of ca_files (which must then not be empty). A
  // checkpoint whose certificate, or a CA certificate it chains through, one of them lists fails,
  // whatever its time: the time is written by the key's holder and cannot show it signed before the
  // revocation.
  std::vector<std::string> crl_files;
  // PEM files, each a certificate a peer gateway signed receipts with (urn:pasarela:gateway:CC
  // names the gateway). The receipt each record keeps from that gateway must verify under one of
  // its certificates; receipts of a gateway none names are checked against their records only.
  // Without peer_ca_files the certificates are taken as given.
  std::vector<std::string> peer_certificate_files;
  // PEM files of the peers' CA certificates, "FILE" or "CC=FILE" as for ca_files (they need
  // peer_certificate_files). The certificate that verifies a receipt must chain to one that may
  // vouch for the receipt's gateway, valid at the receipt's time.
  std::vector<std::string> peer_ca_files;
  // CRL files (PEM or DER), each signed by a CA of peer_ca_files (which must then not be empty).
  // A receipt whose certificate, or a CA certificate it chains through, one of them lists fails,
  // whatever its time, as for checkpoints.
  std::vector<std::string> peer_crl_files;
  // Records after the last checkpoint are a failure instead of a warning.
  bool strict = false;
};

struct AuditVerifyReport {
  // Failures in trail order; the first names the first bad entry. Empty when the trail verifies.
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
  uint64_t segments = 0;
  uint64_t records = 0;
  uint64_t checkpoints = 0;  // checkpoints that verified
  // Checkpoints whose seal and signature hold but whose certificate chains to none of the CA
  // files (a problem each); the records they seal count as sealed, not unsealed.
  uint64_t untrusted = 0;
  // Checkpoints that chain to a CA given but are signed by a certificate one of the CRLs revokes
  // (a problem each); the records they seal count as sealed, as for untrusted ones.
  uint64_t revoked = 0;
  uint64_t unsealed = 0;  // records after the last checkpoint that verified or was untrusted
  // Records that keep a peer's receipt, and of those, the receipts whose signature verified
  // under a certificate of peer_certificate_files (one the peers' CAs vouch for, when given).
  uint64_t receipts = 0;
  uint64_t receipts_verified = 0;
  // Whether peer certificates were given: the summary then counts the receipts verified.
  bool receipts_checked = false;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;

  bool ok() const { return problems.empty(); }
  // One line: "audit verify: OK: 1234 records in 3 segments, 25 checkpoints, 0 unsealed" (with
  // ", 612 receipts verified" after it when peer certificates were given) or
  // "audit verify: FAILED: ...".
  std::string Summary() const;
};

class AuditVerifier {
 public:
  // Fails when a CA file cannot be read or holds no certificate, when a CRL file cannot be read,
  // is not a CRL (PEM or DER) or is signed by none of the CAs, when CRLs are given without CAs,
  // when a peer certificate file cannot be read or is not a gateway's, and likewise for the
  // peers' CAs and CRLs (which need peer certificates).
  static absl::StatusOr<std::unique_ptr<AuditVerifier>> Create(AuditVerifyOptions options);
  ~AuditVerifier();
  AuditVerifier(const AuditVerifier&) = delete;
  AuditVerifier& operator=(const AuditVerifier&) = delete;

  // Verifies the trail at `path`: a segment directory, or one segment file (whose first record
  // then anchors the chain). Fails only when the trail cannot be read; what is wrong inside it
  // is in the report.
  // `path` may also be "postgresql:CONNINFO_FILE[#GATEWAY]": the chain of that gateway in the
  // database (see postgres_trail.h), entries named by position.
  absl::StatusOr<AuditVerifyReport> Verify(const std::string& path) const;

 private:
  absl::StatusOr<AuditVerifyReport> VerifyDatabase(const std::string& path) const;
  AuditVerifier(AuditVerifyOptions options, std::unique_ptr<CountryAnchors> anchors,
                std::unique_ptr<SignerRevocations> revocations,
                std::unique_ptr<ReceiptSigners> receipt_signers);

  const AuditVerifyOptions options_;
  const std::unique_ptr<CountryAnchors> anchors_;          // null without CA files
  const std::unique_ptr<SignerRevocations> revocations_;   // null without CRL files
  const std::unique_ptr<ReceiptSigners> receipt_signers_;  // null without peer certificates
};

// `pasarela audit verify PATH [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert FILE]...
// [--peer-ca [CC=]FILE]... [--peer-crl FILE]... [--strict]`; `args` are the words after "verify".
// Writes each problem and warning, then the summary line, to `out`; usage errors to `err`.
// Returns 0 when the trail verifies, 1 when it does not (or cannot be read), 2 on a usage error.
int RunAuditVerify(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_VERIFY_H_
