#include "gateway/net/gateway_identity.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"

namespace pasarela {

absl::StatusOr<std::unique_ptr<GatewayIdentity>> GatewayIdentity::Load(std::string country,
                                                                       std::string certificate_file,
                                                                       std::string key_file) {
  std::unique_ptr<GatewayIdentity> identity(
      new GatewayIdentity(std::move(country), std::move(certificate_file), std::move(key_file)));
  absl::StatusOr<TlsIdentity> tls =
      LoadTlsIdentity(identity->certificate_file_, identity->key_file_);
  if (!tls.ok()) return tls.status();
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> credentials =
      identity->Parse(*std::move(tls));
  if (!credentials.ok()) return credentials.status();
  identity->original_ = *credentials;
  identity->Install(*std::move(credentials));
  return identity;
}

std::shared_ptr<const GatewayCredentials> GatewayIdentity::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::StatusOr<std::shared_ptr<const GatewayCredentials>> GatewayIdentity::Parse(
    TlsIdentity tls) const {
  // The certificate must name this gateway: a misplaced file is caught here, not by peers.
  absl::StatusOr<Certificate> certificate = Certificate::FromPem(tls.certificate_pem);
  if (!certificate.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(certificate_file_, ": ", certificate.status().message()));
  }
  const std::vector<std::string> uris = certificate->UriSans();
  if (std::find(uris.begin(), uris.end(), GatewayUri(country_)) == uris.end()) {
    return absl::InvalidArgumentError(absl::StrCat(certificate_file_, " does not name ",
                                                   GatewayUri(country_),
                                                   ": it is not this gateway's certificate"));
  }
  // The gateway presents the certificate as a server (its listeners) and as a client (to its
  // peers and providers): either end would refuse one whose extended key usage leaves it out.
  if (!certificate->AllowsTlsServer() || !certificate->AllowsTlsClient()) {
    return absl::InvalidArgumentError(absl::StrCat(
        certificate_file_, ": its extended key usage (", certificate->ExtendedKeyUsageText(),
        ") must allow both a TLS server and a TLS client (serverAuth and clientAuth): the gateway "
        "presents it on its listeners and to its peers and providers"));
  }
  // Also checks that the key matches the certificate.
  absl::StatusOr<std::unique_ptr<audit::CheckpointSigner>> signer =
      audit::CheckpointSigner::FromPem(tls.private_key_pem, tls.certificate_pem, key_file_,
                                       certificate_file_);
  if (!signer.ok()) return signer.status();
  auto credentials = std::make_shared<GatewayCredentials>();
  credentials->tls = std::move(tls);
  credentials->signer = *std::move(signer);
  credentials->serial_hex = certificate->SerialHex();
  credentials->not_after = certificate->not_after();
  return std::shared_ptr<const GatewayCredentials>(std::move(credentials));
}

absl::StatusOr<std::shared_ptr<const GatewayCredentials>> GatewayIdentity::Check() {
  // Says each refusal once per distinct state of the files (what they hold, or why they cannot
  // be read), so that a look every second does not repeat it.
  auto refuse_once =
      [this](const absl::Status& status,
             std::string state) -> absl::StatusOr<std::shared_ptr<const GatewayCredentials>> {
    if (state == refused_contents_) return std::shared_ptr<const GatewayCredentials>();
    refused_contents_ = std::move(state);
    return status;
  };
  absl::StatusOr<TlsIdentity> tls = LoadTlsIdentity(certificate_file_, key_file_);
  if (!tls.ok()) return refuse_once(tls.status(), std::string(tls.status().message()));
  std::shared_ptr<const GatewayCredentials> in_force = current();
  // Most looks find the files unchanged: compare bytes before parsing anything.
  if (tls->certificate_pem == in_force->tls.certificate_pem &&
      tls->private_key_pem == in_force->tls.private_key_pem) {
    refused_contents_.clear();
    return std::shared_ptr<const GatewayCredentials>();
  }
  std::string contents = tls->certificate_pem + tls->private_key_pem;
  if (contents == refused_contents_) return std::shared_ptr<const GatewayCredentials>();
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> parsed = Parse(*std::move(tls));
  if (!parsed.ok()) return refuse_once(parsed.status(), std::move(contents));
  return parsed;
}

void GatewayIdentity::Refuse(const GatewayCredentials& credentials) {
  refused_contents_ = credentials.tls.certificate_pem + credentials.tls.private_key_pem;
}

void GatewayIdentity::Install(std::shared_ptr<const GatewayCredentials> credentials) {
  absl::MutexLock lock(&mu_);
  installed_.push_back(credentials);
  current_ = std::move(credentials);
  refused_contents_.clear();
}

}  // namespace pasarela
