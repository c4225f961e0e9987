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
//
// The file may be longer than what was appended: the POSIX implementation writes zeros ahead of
// its appends (see kAuditFileReserveBytes), so that a sync after an append rewrites blocks the
// file already has instead of growing it. Readers take zero bytes after the last entry as the
// end (segment_format.h); Truncate(size) cuts the file to exactly `size`.
class AuditFile {
 public:
  virtual ~AuditFile() = default;

  // Appends `data` after what was appended before. On error some prefix of `data` may have been
  // written.
  virtual absl::Status Append(absl::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Cuts the file to `size` bytes, the space reserved ahead included; later appends continue
  // from there.
  virtual absl::Status Truncate(uint64_t size) = 0;
};

// How far ahead of its appends the POSIX implementation extends a segment with zeros, at a time.
// Growing a file makes each fdatasync commit the file system's journal too (the new size and
// blocks); rewriting blocks the file already has does not: on ext4, an append and fdatasync of
// 1 KiB into a file already that long took about two thirds of the time and half the CPU of one
// that grew the file (docs/PERFORMANCE.md). One 1 MiB extension serves a thousand or more records.
// Nothing is reserved on a file system with less than 16 MiB free, nor after zeros could not be
// written until the file is next truncated: the appends then grow the file as they would without.
inline constexpr uint64_t kAuditFileReserveBytes = uint64_t{1} << 20;

class AuditFileSystem {
 public:
  virtual ~AuditFileSystem() = default;

  // Creates `dir` and its missing parents (mode 0750 for new directories).
  virtual absl::Status CreateDirectories(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`.
  virtual absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) = 0;
  // The whole content of a file.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Opens `path` for appending after its last byte, creating it (mode 0640) if absent.
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
