// The gateway's own certificate and private key (gateway.yaml `tls.certificate_file` and
// `tls.key_file`): what its listeners and channels present, and what signs its receipts and audit
// checkpoints. The files may be replaced while the gateway runs; a new pair is taken only whole
// and checked, and the running pair stays in force otherwise.
//
// A pair is accepted when the key file is readable by its owner only, the key matches the first
// certificate of the certificate file, and that certificate names this gateway
// (urn:pasarela:gateway:CC) and may authenticate both a TLS server and a TLS client (its extended
// key usage, if any, lists serverAuth and clientAuth). The caller adds its own checks (chain to the
// country's CA, validity, revocation) when it installs a replacement.
//
// Every pair ever installed is kept until the object is destroyed: audit records queued before a
// replacement still name the signer they were queued with (receipts are signed on the audit
// writer's thread). Replacements are rare, so this costs a few kilobytes per rotation.
//
// Thread safety: current() and IsOriginal() may be called from any thread; Check and Install from
// one thread at a time.
#ifndef PASARELA_GATEWAY_NET_GATEWAY_IDENTITY_H_
#define PASARELA_GATEWAY_NET_GATEWAY_IDENTITY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/net/tls.h"

namespace pasarela {

// One checked pair. Immutable.
struct GatewayCredentials {
  TlsIdentity tls;
  std::shared_ptr<const audit::CheckpointSigner> signer;
  // Of the certificate, for log lines and metrics.
  std::string serial_hex;
  absl::Time not_after;
};

class GatewayIdentity {
 public:
  // Reads and checks the pair named in gateway.yaml for the gateway of `country`.
  static absl::StatusOr<std::unique_ptr<GatewayIdentity>> Load(std::string country,
                                                               std::string certificate_file,
                                                               std::string key_file);

  // The pair in force.
  std::shared_ptr<const GatewayCredentials> current() const;

  // Whether `credentials` is the pair the gateway started with. Until a first replacement, that
  // pair is what every connection of the listeners presents, so a peer already holds the
  // certificate of anything it signs.
  bool IsOriginal(const GatewayCredentials& credentials) const {
    return &credentials == original_.get();
  }

  // Reads the files again. Returns null when they hold the pair in force, or the pair that a
  // previous Check already refused (each bad state is reported once, not on every look);
  // a checked new pair, not yet installed; or the reason the new contents are refused.
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> Check();

  // Makes `credentials` (from Check) the pair in force.
  void Install(std::shared_ptr<const GatewayCredentials> credentials);

  // Records that the caller refused the pair Check returned, so that Check stays quiet about
  // those same contents.
  void Refuse(const GatewayCredentials& credentials);

  const std::string& certificate_file() const { return certificate_file_; }
  const std::string& key_file() const { return key_file_; }

 private:
  GatewayIdentity(std::string country, std::string certificate_file, std::string key_file)
      : country_(std::move(country)),
        certificate_file_(std::move(certificate_file)),
        key_file_(std::move(key_file)) {}

  // Checks a pair read from the files.
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> Parse(TlsIdentity tls) const;

  const std::string country_;
  const std::string certificate_file_;
  const std::string key_file_;
  // Set by Load before the object is shared; never changed after.
  std::shared_ptr<const GatewayCredentials> original_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const GatewayCredentials> current_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const GatewayCredentials>> installed_ ABSL_GUARDED_BY(mu_);

  // Check's own state (one caller at a time): the files' contents last refused, or the error
  // that kept them from being read.
  std::string refused_contents_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_GATEWAY_IDENTITY_H_
