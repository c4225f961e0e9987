// Who is calling, from the verified client certificate alone, and whether that caller may use this
// listener: the agency listener takes agencies of the gateway's own country; the federation
// listener takes the gateways of the other federation countries.
//
// Runs twice for every connection: in the TLS handshake (so that a refused certificate never opens
// a connection) and again on every call (so that a certificate revoked or expired since the
// handshake is refused on a connection opened before). Immutable after construction; thread-safe.
#ifndef PASARELA_GATEWAY_NET_CALLER_AUTHENTICATOR_H_
#define PASARELA_GATEWAY_NET_CALLER_AUTHENTICATOR_H_

#include <grpcpp/security/auth_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/identity/trust_store.h"

namespace pasarela {

enum class ListenerRole { kAgency, kFederation };

// "agency" or "federation".
const char* ListenerRoleName(ListenerRole role);

class CallerAuthenticator {
 public:
  // `other_listener_trust`, when given, is the other listener's trust store: a certificate that
  // verifies there, not here, is refused saying which listener its holder should call.
  // REQUIRES: both trust stores outlive this object.
  CallerAuthenticator(ListenerRole role, std::string own_country, const TrustStore& trust_store,
                      const TrustStore* other_listener_trust = nullptr)
      : role_(role),
        own_country_(std::move(own_country)),
        trust_store_(trust_store),
        other_listener_trust_(other_listener_trust) {}

  // Verifies the leaf certificate (PEM). UNAUTHENTICATED for a certificate that does not verify
  // or whose extended key usage does not allow a TLS client (RFC 5280: no extension allows any),
  // PERMISSION_DENIED for a verified caller that this listener does not serve (an agency of
  // another country, a gateway on the agency listener, an agency on the federation listener).
  absl::StatusOr<VerifiedPeer> AuthenticatePem(absl::string_view leaf_pem, absl::Time now) const;
  // The same, reading the leaf from the call's TLS auth context.
  absl::StatusOr<VerifiedPeer> Authenticate(const grpc::AuthContext& auth_context,
                                            absl::Time now) const;

  ListenerRole role() const { return role_; }

 private:
  // OK when this listener serves `peer`.
  absl::Status CheckServed(const VerifiedPeer& peer) const;

  ListenerRole role_;
  std::string own_country_;
  const TrustStore& trust_store_;
  const TrustStore* other_listener_trust_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_CALLER_AUTHENTICATOR_H_
