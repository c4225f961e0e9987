// The gateway's checks of the certificate at the other end of a TLS handshake: the server's, when
// it calls a peer gateway or a provider; the client's, on its listeners.
//
// Both verifiers answer synchronously and log every refusal with its reason. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_CERTIFICATE_VERIFIERS_H_
#define PASARELA_GATEWAY_NET_CERTIFICATE_VERIFIERS_H_

#include <grpcpp/security/tls_certificate_verifier.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/identity/trust_store.h"
#include "gateway/net/caller_authenticator.h"
#include "gateway/net/gateway_runtime.h"
#include "gateway/net/handshake_refusals.h"

namespace pasarela {

// What a server the gateway calls (a peer gateway or a provider) must present: a certificate that
// chains to `roots` (the CA file of the peer's country or of the provider) and is within its
// validity, an end-entity certificate with a key of at least TrustStore::kMinKeySecurityBits,
// naming exactly `expected_uri` (a gateway's or provider's URI SAN), so that an impostor at the
// peer's address never receives a request, with an extended key usage that allows a TLS server
// (serverAuth or anyExtendedKeyUsage, or no such extension). A peer gateway's certificate must
// also pass `issuer_trust`, the trust store that holds its country's CA and CRL, and so must a
// provider's that services.yaml names a CRL for: not revoked, under a CRL that is readable, signed
// by the CA and not past its nextUpdate (TrustStore fails closed). Immutable; thread-safe.
class ServerCertificateCheck {
 public:
  // `ca_file` names the file `roots` were loaded from, for messages. `issuer_trust` may be null
  // (a provider whose services.yaml entry names no CRL).
  ServerCertificateCheck(std::string expected_uri, std::string ca_file,
                         std::shared_ptr<const audit::TrustAnchors> roots,
                         std::shared_ptr<const TrustStore> issuer_trust = nullptr)
      : expected_uri_(std::move(expected_uri)),
        ca_file_(std::move(ca_file)),
        roots_(std::move(roots)),
        issuer_trust_(std::move(issuer_trust)) {}

  // OK for a server that presented `leaf_pem` and `chain_pem` (its whole chain, leaf first; may
  // be empty) at `now`; otherwise UNAUTHENTICATED with the reason ("its certificate may not
  // authenticate a server: ...", "certificate revoked (serial ...").
  absl::Status Check(absl::string_view leaf_pem, absl::string_view chain_pem, absl::Time now) const;

 private:
  std::string expected_uri_;
  std::string ca_file_;
  std::shared_ptr<const audit::TrustAnchors> roots_;
  std::shared_ptr<const TrustStore> issuer_trust_;
};

// Client side: runs `check` in the handshake with every server the channel connects to. gRPC's
// own chain verification is off (MakeChannelCredentials) so that every refusal names its reason:
// "refused <description>: <reason>", logged and returned as UNAUTHENTICATED, which gRPC puts in
// the status of the calls that waited for the connection.
class PinnedIdentityVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  // `description` names the peer in log lines, e.g. "peer gateway CL at 127.0.0.1:7444". Each
  // refusal is counted in `refusals` (as kUpstream) when it is given.
  PinnedIdentityVerifier(ServerCertificateCheck check, std::string description,
                         std::shared_ptr<HandshakeRefusals> refusals = nullptr)
      : check_(std::move(check)),
        description_(std::move(description)),
        refusals_(std::move(refusals)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override;
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  ServerCertificateCheck check_;
  std::string description_;
  std::shared_ptr<HandshakeRefusals> refusals_;
};

// Server side: runs the listener's CallerAuthenticator, from the runtime in force, on the client's
// leaf certificate, so that a policy reload (a new country, a new CA) applies to new connections.
class ClientCertificateVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  // REQUIRES: `runtime` outlives this verifier.
  // Each refusal is counted in `refusals`, by the listener's role, when it is given.
  ClientCertificateVerifier(const CurrentRuntime& runtime, ListenerRole role,
                            std::shared_ptr<HandshakeRefusals> refusals = nullptr)
      : runtime_(runtime), role_(role), refusals_(std::move(refusals)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override;
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const CurrentRuntime& runtime_;
  ListenerRole role_;
  std::shared_ptr<HandshakeRefusals> refusals_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_CERTIFICATE_VERIFIERS_H_
