// The certificate authorities a listener trusts, their revocation lists, and the per-call check of
// a peer's leaf certificate.
//
// gRPC checks CRLs only during the TLS handshake, and an HTTP/2 connection lives on after it; so
// every call's leaf certificate is checked here again against the current CRLs and validity dates.
// Verdicts are cached by certificate and CRL generation, so a call pays a hash lookup.
//
// A CA whose CRL cannot be read, does not verify, or is past its nextUpdate fails closed: every
// certificate it issued is refused with that reason, never silently accepted.
//
// Thread-safe: Verify() may run concurrently with itself and with RefreshRevocationLists().
#ifndef PASARELA_GATEWAY_IDENTITY_TRUST_STORE_H_
#define PASARELA_GATEWAY_IDENTITY_TRUST_STORE_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"
#include "gateway/identity/revocation_list.h"

namespace pasarela {

// One country's root of trust.
struct TrustAnchorConfig {
  // The country; in a store of IdentityRules::kPinnedByCaller, a label for messages.
  std::string country;
  std::string ca_file;
  std::string crl_file;
};

// Who a verified certificate names. Exactly one of `gateway_country` / `participant` is set.
struct VerifiedPeer {
  // Country of the CA that issued the certificate; always equal to the named country.
  std::string issuer_country;
  // The certificate's urn:pasarela: URI SAN.
  std::string uri;
  // Set when the certificate names a gateway (urn:pasarela:gateway:CC).
  std::string gateway_country;
  // Set when the certificate names an agency (urn:pasarela:CC:CLASS:MEMBER).
  absl::optional<ParticipantId> participant;
  std::string serial_hex;
  // What the certificate's extended key usage lets it authenticate (see Certificate): a TLS
  // client, a TLS server; and the usages it lists, for messages.
  bool allows_tls_client = true;
  bool allows_tls_server = true;
  std::string extended_key_usage;

  bool is_gateway() const { return !gateway_country.empty(); }
  // "gateway CL" or "agency AR/GOV/migraciones", for log lines; the anchor's label when the store
  // does not read identities (IdentityRules::kPinnedByCaller).
  std::string Describe() const;
};

class TrustStore {
 public:
  // The weakest key accepted, in bits of security: 112 is RSA 2048 (NIST SP 800-131A), the level
  // of OpenSSL's security level 2.
  static constexpr int kMinKeySecurityBits = 112;

  // Whether Verify() reads the certificate's identity: the Pasarela rules below (the listeners and
  // the peer gateways), or none, for a server whose identity the caller pins itself (a provider,
  // whose URI SAN services.yaml names).
  enum class IdentityRules { kPasarela, kPinnedByCaller };

  // Loads every CA and its CRL. Fails (naming the file) if a CA or CRL cannot be read or parsed,
  // or a CRL is not signed by its CA.
  static absl::StatusOr<std::unique_ptr<TrustStore>> Create(
      std::vector<TrustAnchorConfig> anchors, IdentityRules rules = IdentityRules::kPasarela);

  // Checks that `leaf_pem` was issued by one of the anchors, is within its validity at `now`, is
  // not revoked, names exactly one Pasarela identity (a URI SAN spelled urn:pasarela: in lower
  // case) of the issuing CA's own country, is an end-entity certificate (not CA:TRUE) and has a
  // key of at least kMinKeySecurityBits. Errors are UNAUTHENTICATED with a message that names the
  // reason. What the certificate may authenticate (its extended key usage) is the caller's to
  // check: a client certificate and a server certificate need different ones. Under
  // IdentityRules::kPinnedByCaller only the issuer, the signature, the validity and the CRL are
  // checked (the peer's `uri` is empty): the rest is the caller's (ServerCertificateCheck).
  absl::StatusOr<VerifiedPeer> Verify(absl::string_view leaf_pem, absl::Time now) const;
  // Verify's verdict alone, for a caller that needs no identity: the same checks and errors,
  // without copying the peer (no allocation once the certificate's verdict is cached).
  absl::Status Check(absl::string_view leaf_pem, absl::Time now) const;

  // Re-reads the CRL files whose modification time or size changed. A CRL that cannot be read
  // puts its CA in the fail-closed state until a good one is read.
  void RefreshRevocationLists();

  // The PEM of every CA, concatenated: the trust bundle to give the TLS stack.
  std::string RootBundlePem() const;
  // The PEM of the CA of `country`, or empty.
  std::string RootPem(absl::string_view country) const;
  // Each country's CRL nextUpdate (infinite past when its CRL is unusable), for metrics.
  std::vector<std::pair<std::string, absl::Time>> CrlNextUpdates() const;
  // Countries in this store.
  std::vector<std::string> Countries() const;

 private:
  struct RevocationState {
    absl::Status status;                  // not OK: the CA fails closed with this reason
    absl::optional<RevocationList> list;  // the CRL read, when `status` is OK
    // The CRL's nextUpdate; the infinite past when it is unusable.
    absl::Time NextUpdate() const {
      return list.has_value() ? list->next_update() : absl::InfinitePast();
    }
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = -1;
  };
  struct Anchor {
    TrustAnchorConfig config;
    Certificate ca;
    RevocationState revocation;
  };
  struct CachedVerdict {
    absl::StatusOr<VerifiedPeer> peer;
    absl::Time not_before;
    absl::Time not_after;
  };

  TrustStore(std::vector<Anchor> anchors, IdentityRules rules);
  static RevocationState ReadRevocationList(const TrustAnchorConfig& config, const Certificate& ca);
  absl::StatusOr<VerifiedPeer> VerifyUncached(const Certificate& leaf) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // A cached verdict at `now`: its refusal, or the checks that depend on the time (validity, the
  // CRL's freshness).
  absl::Status CheckCachedAt(const CachedVerdict& verdict, absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const IdentityRules rules_;
  mutable absl::Mutex mu_;
  std::vector<Anchor> anchors_ ABSL_GUARDED_BY(mu_);
  mutable absl::flat_hash_map<std::string, CachedVerdict> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_IDENTITY_TRUST_STORE_H_
