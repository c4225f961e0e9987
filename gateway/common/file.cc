#include "gateway/common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pasarela {

std::string DescribeFileType(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

absl::Status CheckRegularFile(int fd, const std::string& path) {
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    return absl::InternalError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if (S_ISREG(info.st_mode)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(path, " is not a regular file (", DescribeFileType(info.st_mode), ")"));
}

namespace {

// Closes the descriptor when the read ends, however it ends.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer; it changes nothing
  // for a regular file.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    std::string message = absl::StrCat("cannot read ", path, ": ", std::strerror(err));
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
    if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  struct stat info;
  if (::fstat(fd.get(), &info) != 0) {
    return absl::InternalError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": is a directory, not a file"));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read ", path, ": is not a regular file (", DescribeFileType(info.st_mode), ")"));
  }
  const auto too_large = [&] {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot read ", path, ": larger than ", max_bytes, " bytes, the most read"));
  };
  if (static_cast<uint64_t>(info.st_size) > max_bytes) return too_large();
  std::string contents;
  contents.reserve(static_cast<size_t>(info.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    // A file that grows while read (or a file of /proc, whose size says 0) is still bounded.
    if (contents.size() + static_cast<uint64_t>(n) > max_bytes) return too_large();
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
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
