#include "gateway/net/caller_authenticator.h"

#include <grpc/grpc_security_constants.h>

#include "absl/strings/str_cat.h"

namespace pasarela {

const char* ListenerRoleName(ListenerRole role) {
  return role == ListenerRole::kAgency ? "agency" : "federation";
}

absl::StatusOr<VerifiedPeer> CallerAuthenticator::AuthenticatePem(absl::string_view leaf_pem,
                                                                  absl::Time now) const {
  if (leaf_pem.empty()) return absl::UnauthenticatedError("no client certificate presented");
  absl::StatusOr<VerifiedPeer> peer = trust_store_.Verify(leaf_pem, now);
  if (!peer.ok()) {
    // Each listener trusts only the CAs of the callers it serves, so a caller at the wrong door
    // would read "unknown CA": say instead whom it is and where it belongs.
    if (other_listener_trust_ != nullptr) {
      absl::StatusOr<VerifiedPeer> elsewhere = other_listener_trust_->Verify(leaf_pem, now);
      if (elsewhere.ok()) {
        absl::Status served = CheckServed(*elsewhere);
        if (!served.ok()) return served;
      }
    }
    return peer;
  }
  // A certificate issued for a server only (RFC 5280 4.2.1.12) must not open a client's door.
  if (!peer->allows_tls_client) {
    return absl::UnauthenticatedError(
        absl::StrCat("certificate of ", peer->Describe(),
                     " may not authenticate a client: its extended key usage (",
                     peer->extended_key_usage, ") has neither clientAuth nor anyExtendedKeyUsage"));
  }
  absl::Status served = CheckServed(*peer);
  if (!served.ok()) return served;
  return peer;
}

absl::Status CallerAuthenticator::CheckServed(const VerifiedPeer& peer) const {
  if (role_ == ListenerRole::kAgency) {
    if (peer.is_gateway()) {
      return absl::PermissionDeniedError(absl::StrCat(
          peer.Describe(), " called the agency listener; gateways use the federation listener"));
    }
    if (peer.participant->country() != own_country_) {
      return absl::PermissionDeniedError(absl::StrCat(peer.Describe(), " is not an agency of ",
                                                      own_country_,
                                                      ": it must call its own country's gateway"));
    }
  } else {
    if (!peer.is_gateway()) {
      return absl::PermissionDeniedError(absl::StrCat(
          peer.Describe(), " called the federation listener, which serves only peer gateways"));
    }
    if (peer.gateway_country == own_country_) {
      return absl::PermissionDeniedError(
          absl::StrCat("gateway ", own_country_, " does not take calls from itself"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifiedPeer> CallerAuthenticator::Authenticate(
    const grpc::AuthContext& auth_context, absl::Time now) const {
  std::vector<grpc::string_ref> certs =
      auth_context.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (certs.empty()) return absl::UnauthenticatedError("no client certificate presented");
  return AuthenticatePem(absl::string_view(certs.front().data(), certs.front().size()), now);
}

}  // namespace pasarela
