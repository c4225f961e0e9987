#include "gateway/net/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "gateway/common/file.h"

namespace pasarela {

absl::StatusOr<TlsIdentity> LoadTlsIdentity(const std::string& certificate_file,
                                            const std::string& key_file) {
  absl::StatusOr<std::string> certificate = ReadFileToString(certificate_file);
  if (!certificate.ok()) return certificate.status();
  absl::Status permissions = CheckSecretFilePermissions(key_file);
  if (!permissions.ok()) return permissions;
  absl::StatusOr<std::string> key = ReadFileToString(key_file);
  if (!key.ok()) return key.status();
  return TlsIdentity{*std::move(certificate), *std::move(key)};
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const std::string& key_file, const std::string& certificate_file, const std::string& roots_file,
    std::shared_ptr<grpc::experimental::CertificateVerifier> verifier) {
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      key_file, certificate_file, roots_file, kListenerCertificateRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  if (!roots_file.empty()) options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  // The client must present a certificate and prove it holds its key (TLS does that); the chain,
  // validity, revocation and identity are checked by `verifier`, which logs the precise reason
  // for a refusal ("expired at ...", "issued by an unknown CA") where OpenSSL would only say
  // "certificate verify failed".
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.set_certificate_verifier(std::move(verifier));
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(
    const TlsIdentity& identity, const std::string& root_pem,
    std::shared_ptr<grpc::experimental::CertificateVerifier> verifier) {
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      root_pem, std::vector<grpc::experimental::IdentityKeyCertPair>{
                    {identity.private_key_pem, identity.certificate_pem}});
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  // `verifier` verifies the chain and validity itself (against the same roots), so that a refusal
  // names its reason ("unsupported certificate purpose" would otherwise be all anyone saw, in
  // gRPC's log, not in the call's status).
  options.set_verify_server_certs(false);
  // The pinned URI identity replaces per-call host checks: peers are named by certificates.
  options.set_check_call_host(false);
  options.set_certificate_verifier(std::move(verifier));
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace pasarela
