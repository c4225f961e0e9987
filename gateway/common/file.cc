#include "gateway/common/file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pasarela {

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  // An ifstream opens a directory and reads nothing from it, which would look like an empty file.
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": is a directory, not a file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string message = absl::StrCat("cannot read ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string ResolvePath(absl::string_view relative_to_file, absl::string_view path) {
  if (path.empty() || path.front() == '/') return std::string(path);
  size_t slash = relative_to_file.rfind('/');
  if (slash == absl::string_view::npos) return std::string(path);
  return absl::StrCat(relative_to_file.substr(0, slash + 1), path);
}

absl::Status CheckSecretFilePermissions(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s is readable by group or others (mode %04o): a secret must be mode 0600 or 0400", path,
        info.st_mode & 07777));
  }
  return absl::OkStatus();
}

}  // namespace pasarela
