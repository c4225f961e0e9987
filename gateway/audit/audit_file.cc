#include "gateway/audit/audit_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pasarela::audit {
namespace {

// The system's reason, after the operation when there is one worth naming: a failed plain write
// reads "No space left on device", a failed sync "fdatasync: Input/output error". Callers add
// the path.
absl::Status ErrnoStatus(int error_number, absl::string_view operation) {
  std::string reason = std::strerror(error_number);
  return absl::Status(absl::ErrnoToStatusCode(error_number),
                      operation.empty() ? reason : absl::StrCat(operation, ": ", reason));
}

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

class PosixAuditFile : public AuditFile {
 public:
  explicit PosixAuditFile(int fd) : fd_(fd) {}
  ~PosixAuditFile() override { ::close(fd_); }
  PosixAuditFile(const PosixAuditFile&) = delete;
  PosixAuditFile& operator=(const PosixAuditFile&) = delete;

  absl::Status Append(absl::string_view data) override { return WriteAll(fd_, data); }

  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "fdatasync");
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return ErrnoStatus(errno, "ftruncate");
    return absl::OkStatus();
  }

 private:
  const int fd_;
};

class PosixAuditFileSystem : public AuditFileSystem {
 public:
  absl::Status CreateDirectories(const std::string& dir) override {
    if (dir.empty()) return absl::InvalidArgumentError("empty directory name");
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
      if (pos != dir.size() && dir[pos] != '/') continue;
      std::string prefix = dir.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, absl::StrCat("mkdir ", prefix));
      }
    }
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return ErrnoStatus(errno, absl::StrCat("stat ", dir));
    if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(dir + " is not a directory");
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus(errno, absl::StrCat("opendir ", dir));
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    return names;
  }

  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
    std::string content;
    char buf[1 << 16];
    while (true) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int saved = errno;
        ::close(fd);
        return ErrnoStatus(saved, absl::StrCat("read ", path));
      }
      if (n == 0) break;
      content.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return content;
  }

  absl::StatusOr<std::unique_ptr<AuditFile>> OpenForAppend(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return ErrnoStatus(errno, "");
    return std::unique_ptr<AuditFile>(new PosixAuditFile(fd));
  }

  absl::Status SyncDirectory(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", dir));
    int rc = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(saved, absl::StrCat("fsync ", dir));
    return absl::OkStatus();
  }

  absl::Status Probe(const std::string& dir) override {
    const std::string path = dir + "/.audit-probe";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
    // One page: small, but enough to need a free block.
    std::string page(4096, '\0');
    absl::Status s = WriteAll(fd, page);
    if (s.ok() && ::fdatasync(fd) != 0) s = ErrnoStatus(errno, "fdatasync");
    ::close(fd);
    ::unlink(path.c_str());
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
    return absl::OkStatus();
  }
};

}  // namespace

std::shared_ptr<AuditFileSystem> NewPosixAuditFileSystem() {
  return std::make_shared<PosixAuditFileSystem>();
}

}  // namespace pasarela::audit
