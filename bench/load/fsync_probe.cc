#include "bench/load/fsync_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace pasarela::bench {
namespace {

// Closes the probe's file and removes it, whatever happens.
class ProbeFile {
 public:
  explicit ProbeFile(std::string path)
      : path_(std::move(path)), fd_(::open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600)) {}
  ~ProbeFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(path_.c_str());
    }
  }
  ProbeFile(const ProbeFile&) = delete;
  ProbeFile& operator=(const ProbeFile&) = delete;
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

absl::StatusOr<LatencyHistogram> MeasureFdatasync(const std::string& directory, int count,
                                                  size_t bytes) {
  ProbeFile file(absl::StrCat(directory, "/fdatasync-probe-", ::getpid()));
  if (file.fd() < 0) {
    return absl::InternalError(
        absl::StrCat("cannot create a file in ", directory, ": ", std::strerror(errno)));
  }
  std::string record(bytes, 'a');
  LatencyHistogram latency;
  for (int i = 0; i < count; ++i) {
    if (::write(file.fd(), record.data(), record.size()) != static_cast<ssize_t>(record.size())) {
      return absl::InternalError(absl::StrCat("write in ", directory, ": ", std::strerror(errno)));
    }
    auto started = std::chrono::steady_clock::now();
    if (::fdatasync(file.fd()) != 0) {
      return absl::InternalError(
          absl::StrCat("fdatasync in ", directory, ": ", std::strerror(errno)));
    }
    latency.Record(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::steady_clock::now() - started)
                                             .count()));
  }
  return latency;
}

}  // namespace pasarela::bench
