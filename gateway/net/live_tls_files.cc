#include "gateway/net/live_tls_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace pasarela {
namespace {

constexpr char kPrefix[] = "pasarela-tls-";

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

bool IsWritableDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::access(path.c_str(), W_OK | X_OK) == 0;
}

std::string DefaultParent() {
  if (IsWritableDirectory("/dev/shm")) return "/dev/shm";
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir != nullptr && *tmpdir != '\0') return tmpdir;
  return "/tmp";
}

// Removes the directories of this user's gateways that are gone: they hold copies of keys.
void RemoveAbandoned(const std::string& parent) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(parent.c_str()), &::closedir);
  if (dir == nullptr) return;
  std::vector<std::string> abandoned;
  while (const dirent* entry = ::readdir(dir.get())) {
    absl::string_view name = entry->d_name;
    if (!absl::ConsumePrefix(&name, kPrefix)) continue;
    const size_t dash = name.find('-');
    int pid = 0;
    if (dash == absl::string_view::npos || !absl::SimpleAtoi(name.substr(0, dash), &pid) ||
        pid <= 0) {
      continue;
    }
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    const std::string path = absl::StrCat(parent, "/", entry->d_name);
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid()) {
      abandoned.push_back(path);
    }
  }
  for (const std::string& path : abandoned) {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
}

absl::Status WritePrivateFile(const std::string& path, const std::string& contents, time_t mtime) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create", path);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status error = ErrnoError("cannot write", path);
      ::close(fd);
      return error;
    }
    written += static_cast<size_t>(n);
  }
  const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  if (::futimens(fd, times) != 0) {
    absl::Status error = ErrnoError("cannot set the modification time of", path);
    ::close(fd);
    return error;
  }
  if (::close(fd) != 0) return ErrnoError("cannot close", path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LiveTlsFiles>> LiveTlsFiles::Create(const std::string& parent) {
  const std::string base = parent.empty() ? DefaultParent() : parent;
  RemoveAbandoned(base);
  std::string pattern = absl::StrCat(base, "/", kPrefix, ::getpid(), "-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return ErrnoError("cannot create the directory of the listeners' certificate,", pattern);
  }
  return std::unique_ptr<LiveTlsFiles>(new LiveTlsFiles(std::string(buffer.data())));
}

LiveTlsFiles::~LiveTlsFiles() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

absl::Status LiveTlsFiles::Publish(const TlsIdentity& identity,
                                   const std::map<std::string, std::string>& roots) {
  const int generation = generation_ + 1;
  const std::string name = absl::StrCat("gen-", generation);
  const std::string path = absl::StrCat(directory_, "/", name);
  if (::mkdir(path.c_str(), 0700) != 0) return ErrnoError("cannot create", path);
  const time_t mtime = std::max(::time(nullptr), last_mtime_ + 1);
  // Key first: a certificate on disk always has its key.
  absl::Status written = WritePrivateFile(path + "/key.pem", identity.private_key_pem, mtime);
  if (written.ok()) {
    written = WritePrivateFile(path + "/certificate.pem", identity.certificate_pem, mtime);
  }
  for (auto it = roots.begin(); written.ok() && it != roots.end(); ++it) {
    written = WritePrivateFile(absl::StrCat(path, "/", it->first, "-roots.pem"), it->second, mtime);
  }
  const std::string link = directory_ + "/current.new";
  if (written.ok()) {
    ::unlink(link.c_str());
    if (::symlink(name.c_str(), link.c_str()) != 0) written = ErrnoError("cannot create", link);
  }
  if (written.ok() && ::rename(link.c_str(), (directory_ + "/current").c_str()) != 0) {
    written = ErrnoError("cannot replace", directory_ + "/current");
  }
  std::error_code ignored;
  if (!written.ok()) {
    std::filesystem::remove_all(path, ignored);
    return written;
  }
  generation_ = generation;
  last_mtime_ = mtime;
  if (generation > 2) {
    std::filesystem::remove_all(absl::StrCat(directory_, "/gen-", generation - 2), ignored);
  }
  return absl::OkStatus();
}

}  // namespace pasarela
