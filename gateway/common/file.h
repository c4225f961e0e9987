// Whole-file reads with errors as values.
#ifndef PASARELA_GATEWAY_COMMON_FILE_H_
#define PASARELA_GATEWAY_COMMON_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// The most ReadFileToString reads by default: policy files, certificates, keys, CRLs and
// descriptor sets are all far smaller, and a path that points at something endless (a device, a
// file that keeps growing) must end in an error, not in all of the memory.
inline constexpr uint64_t kMaxReadFileBytes = uint64_t{64} << 20;

// Returns the file's bytes, or NOT_FOUND / PERMISSION_DENIED / FAILED_PRECONDITION (a directory,
// a FIFO, a device or a socket: opening a FIFO for reading would wait for a writer forever, a
// device may never end) / RESOURCE_EXHAUSTED (more than `max_bytes`) / INTERNAL, each naming the
// path. Never blocks on anything but the disk.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             uint64_t max_bytes = kMaxReadFileBytes);

// What a file of this mode is, for messages: "a directory", "a FIFO", "a character device", ...
std::string DescribeFileType(mode_t mode);

// FAILED_PRECONDITION "<path> is not a regular file (a FIFO)" unless `fd` is a regular file.
absl::Status CheckRegularFile(int fd, const std::string& path);

// Resolves `path` against the directory of `relative_to_file` unless it is absolute.
std::string ResolvePath(absl::string_view relative_to_file, absl::string_view path);

// Refuses a secret file (private key, HMAC key) that group or others may read.
absl::Status CheckSecretFilePermissions(const std::string& path);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_FILE_H_
