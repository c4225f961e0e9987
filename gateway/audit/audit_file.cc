#include "gateway/audit/audit_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"

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

absl::Status WriteAllAt(int fd, absl::string_view data, uint64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "");
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

// Appends at `end_`, the end of what was appended; the file's zeros reach `size_`.
class PosixAuditFile : public AuditFile {
 public:
  PosixAuditFile(int fd, uint64_t size) : fd_(fd), end_(size), size_(size) {}
  ~PosixAuditFile() override { ::close(fd_); }
  PosixAuditFile(const PosixAuditFile&) = delete;
  PosixAuditFile& operator=(const PosixAuditFile&) = delete;

  absl::Status Append(absl::string_view data) override {
    if (end_ + data.size() > size_ && reserving_) Reserve(end_ + data.size());
    absl::Status s = WriteAllAt(fd_, data, end_);
    // Whatever part was written is there; the caller truncates back to its last durable entry.
    end_ += data.size();
    if (end_ > size_) size_ = end_;
    return s;
  }

  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "fdatasync");
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return ErrnoStatus(errno, "ftruncate");
    end_ = size_ = size;
    reserving_ = true;  // after a failure, the writer's recovery cuts the file: try again then
    return absl::OkStatus();
  }

 private:
  // Extends the file with zeros past `needed`, to the next multiple of kAuditFileReserveBytes.
  // Only a saving: on a file system with little space left it reserves nothing, and when the
  // zeros cannot be written it cuts them back and reserves nothing more until the file is next
  // truncated; the appends then grow the file themselves, as if nothing had been reserved.
  void Reserve(uint64_t needed) {
    const uint64_t target = (needed / kAuditFileReserveBytes + 1) * kAuditFileReserveBytes;
    // Zeros that would take the last free space would make other writers, and the appends
    // themselves, fail sooner than they must.
    struct statvfs fs;
    if (::fstatvfs(fd_, &fs) != 0 ||
        static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize < kReserveOnlyAbove) {
      return;
    }
    static constexpr char kZeros[1 << 16] = {};
    for (uint64_t at = size_; at < target;) {
      const uint64_t n = std::min<uint64_t>(sizeof kZeros, target - at);
      if (!WriteAllAt(fd_, absl::string_view(kZeros, n), at).ok()) {
        reserving_ = false;
        if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
          // The zeros written stay; readers take them as the end, and they are reserved space.
          size_ = at;
        }
        return;
      }
      at += n;
    }
    size_ = target;
  }

  // Free space below which nothing is reserved.
  static constexpr uint64_t kReserveOnlyAbove = 16 * kAuditFileReserveBytes;

  const int fd_;
  uint64_t end_;
  uint64_t size_;
  bool reserving_ = true;
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
    // O_NONBLOCK: a FIFO would otherwise hold the open until a writer came.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
    if (absl::Status regular = CheckRegularFile(fd, path); !regular.ok()) {
      ::close(fd);
      return regular;
    }
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
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return ErrnoStatus(errno, "");
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int saved = errno;
      ::close(fd);
      return ErrnoStatus(saved, "fstat");
    }
    return std::unique_ptr<AuditFile>(new PosixAuditFile(fd, static_cast<uint64_t>(st.st_size)));
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
