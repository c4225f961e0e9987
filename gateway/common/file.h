// Whole-file reads with errors as values.
#ifndef PASARELA_GATEWAY_COMMON_FILE_H_
#define PASARELA_GATEWAY_COMMON_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// Returns the file's bytes, or NOT_FOUND / PERMISSION_DENIED / FAILED_PRECONDITION (a directory) /
// INTERNAL naming the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Resolves `path` against the directory of `relative_to_file` unless it is absolute.
std::string ResolvePath(absl::string_view relative_to_file, absl::string_view path);

// Refuses a secret file (private key, HMAC key) that group or others may read.
absl::Status CheckSecretFilePermissions(const std::string& path);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_FILE_H_
