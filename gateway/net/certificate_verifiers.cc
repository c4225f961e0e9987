#include "gateway/net/certificate_verifiers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gateway/common/log.h"
#include "gateway/identity/certificate.h"

namespace pasarela {

bool PinnedIdentityVerifier::Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
                                    std::function<void(grpc::Status)>, grpc::Status* sync_status) {
  grpc::string_ref leaf = request->peer_cert();
  grpc::string_ref chain = request->peer_cert_full_chain();
  absl::Status checked = check_.Check(absl::string_view(leaf.data(), leaf.size()),
                                      absl::string_view(chain.data(), chain.size()), absl::Now());
  if (checked.ok()) {
    *sync_status = grpc::Status::OK;
    return true;
  }
  std::string message = absl::StrCat("refused ", description_, ": ", checked.message());
  LogWarning(message);
  if (refusals_ != nullptr) refusals_->Record(HandshakeRefusals::Side::kUpstream);
  *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, message);
  return true;
}

absl::Status ServerCertificateCheck::Check(absl::string_view leaf_pem, absl::string_view chain_pem,
                                           absl::Time now) const {
  absl::StatusOr<Certificate> leaf = Certificate::FromPem(leaf_pem);
  if (!leaf.ok()) return absl::UnauthenticatedError("it presented no certificate that parses");
  // Intermediates the server sent may lead to a root; they are never trusted by themselves.
  if (absl::Status chain = roots_->CheckChain(chain_pem.empty() ? leaf_pem : chain_pem, now);
      !chain.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("its certificate (issued by ", leaf->IssuerText(),
                     ") does not verify against the CA in ", ca_file_, ": ", chain.message()));
  }
  const std::vector<std::string> presented = leaf->UriSans();
  if (std::find(presented.begin(), presented.end(), expected_uri_) == presented.end()) {
    return absl::UnauthenticatedError(absl::StrCat("it presented [", absl::StrJoin(presented, ", "),
                                                   "], expected ", expected_uri_));
  }
  if (leaf->IsCa()) {
    return absl::UnauthenticatedError(
        "its certificate is a CA certificate (basicConstraints CA:TRUE), not an end-entity one");
  }
  if (int bits = leaf->KeySecurityBits(); bits < TrustStore::kMinKeySecurityBits) {
    return absl::UnauthenticatedError(absl::StrCat(
        "its certificate's key is too weak to trust (", leaf->KeyText(), ", ", bits,
        "-bit security): at least ", TrustStore::kMinKeySecurityBits, "-bit security is required"));
  }
  // A certificate issued for clients only (RFC 5280 4.2.1.12) must not pass for a server.
  if (!leaf->AllowsTlsServer()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "its certificate may not authenticate a server: its extended key usage (",
        leaf->ExtendedKeyUsageText(), ") has neither serverAuth nor anyExtendedKeyUsage"));
  }
  if (issuer_trust_ != nullptr) {
    absl::Status trusted = issuer_trust_->Check(leaf_pem, now);
    if (!trusted.ok()) return absl::UnauthenticatedError(trusted.message());
  }
  return absl::OkStatus();
}

bool ClientCertificateVerifier::Verify(
    grpc::experimental::TlsCustomVerificationCheckRequest* request,
    std::function<void(grpc::Status)>, grpc::Status* sync_status) {
  grpc::string_ref leaf = request->peer_cert();
  GatewayRuntimePtr runtime = runtime_.Get();
  absl::StatusOr<VerifiedPeer> peer = runtime->authenticator(role_).AuthenticatePem(
      absl::string_view(leaf.data(), leaf.size()), absl::Now());
  if (peer.ok()) {
    *sync_status = grpc::Status::OK;
    return true;
  }
  LogWarning(absl::StrCat("refused handshake on ", ListenerRoleName(role_),
                          " listener: ", peer.status().message()));
  if (refusals_ != nullptr) {
    refusals_->Record(role_ == ListenerRole::kAgency
                          ? HandshakeRefusals::Side::kAgencyListener
                          : HandshakeRefusals::Side::kFederationListener);
  }
  *sync_status =
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(peer.status().message()));
  return true;
}

}  // namespace pasarela
