// The checks the gateway adds to the TLS handshake, on top of gRPC's chain verification.
//
// Both verifiers answer synchronously and log every refusal with its reason. Thread-safe.
#ifndef PASARELA_GATEWAY_NET_CERTIFICATE_VERIFIERS_H_
#define PASARELA_GATEWAY_NET_CERTIFICATE_VERIFIERS_H_

#include <grpcpp/security/tls_certificate_verifier.h>

#include <memory>
#include <string>

#include "gateway/net/caller_authenticator.h"
#include "gateway/net/gateway_runtime.h"

namespace pasarela {

// Client side: the server must present exactly `expected_uri` (a gateway's or provider's URI SAN),
// so that an impostor at the peer's address never receives a request.
class PinnedIdentityVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  // `description` names the peer in log lines, e.g. "peer gateway CL at 127.0.0.1:7444".
  PinnedIdentityVerifier(std::string expected_uri, std::string description)
      : expected_uri_(std::move(expected_uri)), description_(std::move(description)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override;
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  std::string expected_uri_;
  std::string description_;
};

// Server side: runs the listener's CallerAuthenticator, from the runtime in force, on the client's
// leaf certificate, so that a policy reload (a new country, a new CA) applies to new connections.
class ClientCertificateVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  // REQUIRES: `runtime` outlives this verifier.
  ClientCertificateVerifier(const CurrentRuntime& runtime, ListenerRole role)
      : runtime_(runtime), role_(role) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override;
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const CurrentRuntime& runtime_;
  ListenerRole role_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_CERTIFICATE_VERIFIERS_H_
