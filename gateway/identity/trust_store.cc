#include "gateway/identity/trust_store.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/log.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/revocation_list.h"

namespace pasarela {
namespace {

constexpr absl::string_view kPasarelaUriPrefix = "urn:pasarela:";

// Bounds the verdict cache against a peer that presents endless distinct certificates.
constexpr size_t kMaxCachedVerdicts = 10000;

}  // namespace

std::string VerifiedPeer::Describe() const {
  if (uri.empty()) return issuer_country;
  if (is_gateway()) return absl::StrCat("gateway ", gateway_country);
  return absl::StrCat("agency ", participant.has_value() ? participant->ToString() : uri);
}

TrustStore::TrustStore(std::vector<Anchor> anchors, IdentityRules rules)
    : rules_(rules), anchors_(std::move(anchors)) {}

absl::StatusOr<std::unique_ptr<TrustStore>> TrustStore::Create(
    std::vector<TrustAnchorConfig> configs, IdentityRules rules) {
  std::vector<Anchor> anchors;
  for (TrustAnchorConfig& config : configs) {
    absl::StatusOr<Certificate> ca = Certificate::FromPemFile(config.ca_file);
    if (!ca.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("CA of ", config.country, ": ", ca.status().message()));
    }
    RevocationState revocation = ReadRevocationList(config, *ca);
    if (!revocation.status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("CRL of ", config.country, ": ", revocation.status.message()));
    }
    anchors.push_back(Anchor{std::move(config), *std::move(ca), std::move(revocation)});
  }
  return std::unique_ptr<TrustStore>(new TrustStore(std::move(anchors), rules));
}

TrustStore::RevocationState TrustStore::ReadRevocationList(const TrustAnchorConfig& config,
                                                           const Certificate& ca) {
  RevocationState state;
  struct stat info;
  if (::stat(config.crl_file.c_str(), &info) == 0) {
    state.inode = info.st_ino;
    state.size = info.st_size;
    state.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  }
  absl::StatusOr<RevocationList> crl = RevocationList::FromFile(config.crl_file);
  if (!crl.ok()) {
    state.status = crl.status();
    return state;
  }
  if (!crl->IsSignedBy(ca.x509())) {
    state.status = absl::InvalidArgumentError(
        absl::StrCat(config.crl_file, ": CRL is not signed by the CA of ", config.country));
    return state;
  }
  state.list = *std::move(crl);
  return state;
}

void TrustStore::RefreshRevocationLists() {
  absl::MutexLock lock(&mu_);
  bool changed = false;
  for (Anchor& anchor : anchors_) {
    struct stat info;
    bool readable = ::stat(anchor.config.crl_file.c_str(), &info) == 0;
    if (readable && anchor.revocation.status.ok() && info.st_ino == anchor.revocation.inode &&
        info.st_size == anchor.revocation.size &&
        static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec ==
            anchor.revocation.mtime_ns) {
      continue;
    }
    RevocationState fresh = ReadRevocationList(anchor.config, anchor.ca);
    if (fresh.status.ok()) {
      if (!anchor.revocation.status.ok()) {
        LogInfo(absl::StrCat("CRL of ", anchor.config.country,
                             " readable again: ", anchor.config.crl_file));
      }
      LogInfo(absl::StrCat("loaded CRL of ", anchor.config.country, ": ",
                           fresh.list->revoked().size(), " revoked, next update ",
                           FormatRfc3339Seconds(fresh.NextUpdate())));
    } else if (anchor.revocation.status.ok() ||
               anchor.revocation.status.message() != fresh.status.message()) {
      LogError(absl::StrCat("CRL of ", anchor.config.country,
                            " unusable, refusing its certificates: ", fresh.status.message()));
    }
    anchor.revocation = std::move(fresh);
    changed = true;
  }
  if (changed) cache_.clear();
}

absl::Status TrustStore::CheckCachedAt(const CachedVerdict& verdict, absl::Time now) const {
  if (!verdict.peer.ok()) return verdict.peer.status();
  if (now < verdict.not_before) {
    return absl::UnauthenticatedError(absl::StrCat("certificate of ", verdict.peer->Describe(),
                                                   " is not valid before ",
                                                   FormatRfc3339Seconds(verdict.not_before)));
  }
  if (now > verdict.not_after) {
    return absl::UnauthenticatedError(absl::StrCat("certificate of ", verdict.peer->Describe(),
                                                   " expired at ",
                                                   FormatRfc3339Seconds(verdict.not_after)));
  }
  // The CRL's own freshness is checked per call too: a stale CRL must start failing on time.
  for (const Anchor& anchor : anchors_) {
    if (anchor.config.country == verdict.peer->issuer_country &&
        now > anchor.revocation.NextUpdate()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "CRL of ", anchor.config.country, " is past its next update (",
          FormatRfc3339Seconds(anchor.revocation.NextUpdate()), "): refusing its certificates"));
    }
  }
  return absl::OkStatus();
}

absl::Status TrustStore::Check(absl::string_view leaf_pem, absl::Time now) const {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = cache_.find(leaf_pem);
    if (it != cache_.end()) return CheckCachedAt(it->second, now);
  }
  return Verify(leaf_pem, now).status();
}

absl::StatusOr<VerifiedPeer> TrustStore::Verify(absl::string_view leaf_pem, absl::Time now) const {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = cache_.find(leaf_pem);
    if (it != cache_.end()) {
      absl::Status at_now = CheckCachedAt(it->second, now);
      if (!at_now.ok()) return at_now;
      return it->second.peer;
    }
  }
  absl::StatusOr<Certificate> leaf = Certificate::FromPem(leaf_pem);
  if (!leaf.ok()) return absl::UnauthenticatedError("peer certificate cannot be parsed");
  CachedVerdict verdict{absl::UnauthenticatedError("unverified"), leaf->not_before(),
                        leaf->not_after()};
  {
    absl::ReaderMutexLock lock(&mu_);
    verdict.peer = VerifyUncached(*leaf);
  }
  {
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= kMaxCachedVerdicts) cache_.clear();
    cache_.emplace(std::string(leaf_pem), verdict);
  }
  return Verify(leaf_pem, now);
}

absl::StatusOr<VerifiedPeer> TrustStore::VerifyUncached(const Certificate& leaf) const {
  const Anchor* issuer = nullptr;
  for (const Anchor& anchor : anchors_) {
    if (X509_check_issued(anchor.ca.x509(), leaf.x509()) == X509_V_OK) {
      issuer = &anchor;
      break;
    }
  }
  if (issuer == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat("certificate issued by an unknown CA (", leaf.IssuerText(), ")"));
  }
  EvpKeyPtr ca_key(X509_get_pubkey(issuer->ca.x509()));
  if (ca_key == nullptr || X509_verify(leaf.x509(), ca_key.get()) != 1) {
    ERR_clear_error();
    return absl::UnauthenticatedError(absl::StrCat(
        "certificate signature does not verify against the CA of ", issuer->config.country));
  }
  if (!issuer->revocation.status.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("CRL of ", issuer->config.country, " unusable (",
                                                   issuer->revocation.status.message(),
                                                   "): refusing its certificates"));
  }
  std::string serial = leaf.SerialHex();
  if (issuer->revocation.list->Find(serial) != nullptr) {
    return absl::UnauthenticatedError(absl::StrCat("certificate revoked (serial ", serial,
                                                   " is on the CRL of ", issuer->config.country,
                                                   ", ", issuer->config.crl_file, ")"));
  }
  VerifiedPeer peer;
  peer.issuer_country = issuer->config.country;
  peer.serial_hex = serial;
  peer.allows_tls_client = leaf.AllowsTlsClient();
  peer.allows_tls_server = leaf.AllowsTlsServer();
  peer.extended_key_usage = leaf.ExtendedKeyUsageText();
  if (rules_ == IdentityRules::kPinnedByCaller) return peer;
  // A URN's scheme and namespace are case-insensitive (RFC 8141), so URN:Pasarela:... names a
  // Pasarela identity as well: counted, so that a certificate never names two, and refused unless
  // spelled as documented, so that no other spelling reaches the audit trail or the agreements.
  std::vector<std::string> pasarela_uris;
  for (std::string& uri : leaf.UriSans()) {
    if (absl::StartsWithIgnoreCase(uri, kPasarelaUriPrefix)) {
      pasarela_uris.push_back(std::move(uri));
    }
  }
  if (pasarela_uris.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "certificate must name exactly one urn:pasarela: URI SAN, found ", pasarela_uris.size(),
        pasarela_uris.empty() ? "" : absl::StrCat(" (", absl::StrJoin(pasarela_uris, ", "), ")")));
  }
  if (!absl::StartsWith(pasarela_uris.front(), kPasarelaUriPrefix)) {
    return absl::UnauthenticatedError(absl::StrCat("certificate names '", pasarela_uris.front(),
                                                   "': a Pasarela URI begins ", kPasarelaUriPrefix,
                                                   " in lower case"));
  }
  peer.uri = pasarela_uris.front();
  std::string named_country;
  if (absl::StartsWith(peer.uri, "urn:pasarela:gateway:")) {
    absl::StatusOr<std::string> country = ParseGatewayUri(peer.uri);
    if (!country.ok()) return absl::UnauthenticatedError(country.status().message());
    peer.gateway_country = *country;
    named_country = *country;
  } else {
    absl::StatusOr<ParticipantId> participant = ParticipantId::FromUri(peer.uri);
    if (!participant.ok()) return absl::UnauthenticatedError(participant.status().message());
    named_country = participant->country();
    peer.participant = *std::move(participant);
  }
  if (named_country != issuer->config.country) {
    return absl::UnauthenticatedError(
        absl::StrCat("certificate names ", peer.uri, " but was issued by the CA of ",
                     issuer->config.country, ": a CA vouches only for its own country"));
  }
  if (leaf.IsCa()) {
    return absl::UnauthenticatedError(
        absl::StrCat("certificate of ", peer.Describe(),
                     " is a CA certificate (basicConstraints CA:TRUE): a gateway or an agency is "
                     "named by an end-entity certificate"));
  }
  if (int bits = leaf.KeySecurityBits(); bits < kMinKeySecurityBits) {
    return absl::UnauthenticatedError(
        absl::StrCat("certificate of ", peer.Describe(), " has a key too weak to trust (",
                     leaf.KeyText(), ", ", bits, "-bit security): at least ", kMinKeySecurityBits,
                     "-bit security is required, such as RSA 2048 or EC P-256"));
  }
  return peer;
}

std::string TrustStore::RootBundlePem() const {
  absl::ReaderMutexLock lock(&mu_);
  std::string bundle;
  for (const Anchor& anchor : anchors_) bundle += anchor.ca.ToPem();
  return bundle;
}

std::string TrustStore::RootPem(absl::string_view country) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const Anchor& anchor : anchors_) {
    if (anchor.config.country == country) return anchor.ca.ToPem();
  }
  return "";
}

std::vector<std::pair<std::string, absl::Time>> TrustStore::CrlNextUpdates() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::pair<std::string, absl::Time>> updates;
  for (const Anchor& anchor : anchors_) {
    updates.emplace_back(anchor.config.country, anchor.revocation.NextUpdate());
  }
  return updates;
}

std::vector<std::string> TrustStore::Countries() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> countries;
  for (const Anchor& anchor : anchors_) countries.push_back(anchor.config.country);
  return countries;
}

}  // namespace pasarela
