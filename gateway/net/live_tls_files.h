// The files the gateway's listeners take their certificate, key and CA hints from while running.
//
// gRPC's file-watching certificate provider re-reads these files every second and uses what it
// finds for new TLS handshakes. The gateway writes them only with a pair it has checked, so a
// listener never presents a certificate that the gateway refused (the administrator's own files
// may be half-written, mismatched, or name another gateway).
//
// Layout: a private directory (mode 0700) in memory-backed storage where there is one, holding
// numbered generations (files mode 0600) and `current`, a symlink to the generation in force,
// replaced by rename. gRPC reads the key, then the certificate, and compares their modification
// times before and after; each generation's files carry a modification time later, in whole
// seconds, than the generation before, so a read that straddles a switch is noticed and retried
// rather than pairing one generation's key with another's certificate.
//
// The directory is removed on destruction. Directories left by gateway processes that no longer
// exist (a crash, kill -9) are removed by the next one that starts under the same parent.
//
// Thread-compatible: Publish is called by one thread at a time (the gateway's reload lock).
#ifndef PASARELA_GATEWAY_NET_LIVE_TLS_FILES_H_
#define PASARELA_GATEWAY_NET_LIVE_TLS_FILES_H_

#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/net/tls.h"

namespace pasarela {

class LiveTlsFiles {
 public:
  // Makes a new private directory under `parent`; empty picks /dev/shm when it is a writable
  // directory, else $TMPDIR, else /tmp.
  static absl::StatusOr<std::unique_ptr<LiveTlsFiles>> Create(const std::string& parent = "");
  ~LiveTlsFiles();
  LiveTlsFiles(const LiveTlsFiles&) = delete;
  LiveTlsFiles& operator=(const LiveTlsFiles&) = delete;

  // Writes a new generation with `identity` and one CA bundle per entry of `roots` (name ->
  // PEM), then makes it current. The previous generation stays until the next Publish, for a
  // reader that opened it just before the switch; older ones are removed.
  absl::Status Publish(const TlsIdentity& identity,
                       const std::map<std::string, std::string>& roots);

  // Paths through `current`, for the file-watching provider.
  std::string key_file() const { return directory_ + "/current/key.pem"; }
  std::string certificate_file() const { return directory_ + "/current/certificate.pem"; }
  std::string roots_file(const std::string& name) const {
    return directory_ + "/current/" + name + "-roots.pem";
  }
  const std::string& directory() const { return directory_; }

 private:
  explicit LiveTlsFiles(std::string directory) : directory_(std::move(directory)) {}

  const std::string directory_;
  int generation_ = 0;
  time_t last_mtime_ = 0;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_LIVE_TLS_FILES_H_
