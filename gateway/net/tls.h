// Mutual-TLS credentials for the gateway's listeners and upstream channels.
//
// Every listener requires and verifies a client certificate; every channel presents the gateway's
// certificate and pins the identity the peer must present. There is no plaintext path.
#ifndef PASARELA_GATEWAY_NET_TLS_H_
#define PASARELA_GATEWAY_NET_TLS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_verifier.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace pasarela {

// The gateway's own certificate chain and private key, as PEM.
struct TlsIdentity {
  std::string certificate_pem;
  std::string private_key_pem;
};

// Reads the certificate and key; refuses a key file that group or others can read.
absl::StatusOr<TlsIdentity> LoadTlsIdentity(const std::string& certificate_file,
                                            const std::string& key_file);

// How often the listeners look at their certificate files (gRPC counts in whole seconds).
inline constexpr unsigned int kListenerCertificateRefreshSeconds = 1;

// Server credentials that require a client certificate and accept it only if `verifier` does (it
// must check the chain, validity and revocation). The listener's key, certificate and the CA
// bundle it names to clients (`roots_file`, may be empty for none) are read from files that gRPC
// re-reads every kListenerCertificateRefreshSeconds: a replaced certificate is presented from the
// next handshake on (see LiveTlsFiles). TLS 1.2 and 1.3 only: gRPC offers nothing older.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const std::string& key_file, const std::string& certificate_file, const std::string& roots_file,
    std::shared_ptr<grpc::experimental::CertificateVerifier> verifier);

// Channel credentials that present `identity` and accept the server only if `verifier` does: it
// must verify the server's chain (against `root_pem`) and validity, and pin the identity the server
// must present (PinnedIdentityVerifier). gRPC's own chain verification is off, so that the
// verifier can name the reason for a refusal.
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(
    const TlsIdentity& identity, const std::string& root_pem,
    std::shared_ptr<grpc::experimental::CertificateVerifier> verifier);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_TLS_H_
