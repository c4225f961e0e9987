// The file operations the audit writer needs, behind a small interface so that tests can make
// them fail on demand (a full disk, an I/O error) without root, mounts or quotas.
//
// NewPosixAuditFileSystem() is the real implementation. An AuditFileSystem is safe for concurrent
// use; an AuditFile is used by one thread at a time (the audit writer thread).

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_FILE_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela::audit {

// A segment file open for appending. Errors carry the operating system's reason in their
// message (e.g. "No space left on device"); the caller adds the path.
class AuditFile {
 public:
  virtual ~AuditFile() = default;

  // Appends `data` at the end of the file. On error some prefix of `data` may have been written.
  virtual absl::Status Append(absl::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Cuts the file to `size` bytes; later appends continue from there.
  virtual absl::Status Truncate(uint64_t size) = 0;
};

class AuditFileSystem {
 public:
  virtual ~AuditFileSystem() = default;

  // Creates `dir` and its missing parents (mode 0750 for new directories).
  virtual absl::Status CreateDirectories(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`.
  virtual absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) = 0;
  // The whole content of a file.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Opens `path` for appending, creating it (mode 0640) if absent.
  virtual absl::StatusOr<std::unique_ptr<AuditFile>> OpenForAppend(const std::string& path) = 0;
  // Makes the creation of files in `dir` durable (fsync of the directory).
  virtual absl::Status SyncDirectory(const std::string& dir) = 0;
  // Checks that `dir` accepts a small durable write, then removes what it wrote. Used to decide
  // that a failed trail may be written again.
  virtual absl::Status Probe(const std::string& dir) = 0;
};

// The operating system's file system.
std::shared_ptr<AuditFileSystem> NewPosixAuditFileSystem();

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_FILE_H_
