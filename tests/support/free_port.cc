#include "tests/support/free_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace pasarela::testing {
namespace {

// Ports below this are left alone: well-known services, and the pilot's fixed ports (17xxx).
constexpr int kLowestPort = 20000;
constexpr int kHighestPort = 65535;

// The range [first, last] to pick from: below the kernel's ephemeral range where there is room,
// else above it, else (a machine that gives every port to outgoing connections) all of it.
std::pair<int, int> PickableRange() {
  int ephemeral_low = 32768;
  int ephemeral_high = 60999;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> ephemeral_low >> ephemeral_high;
  if (ephemeral_low - kLowestPort >= 1000) return {kLowestPort, ephemeral_low - 1};
  if (kHighestPort - ephemeral_high >= 1000) return {ephemeral_high + 1, kHighestPort};
  return {kLowestPort, kHighestPort};
}

bool NothingListensOn(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  // Without SO_REUSEADDR the bind also fails on a port that still has connections in TIME_WAIT;
  // such a port is skipped rather than risked.
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return free;
}

class PortReservations {
 public:
  PortReservations() : range_(PickableRange()) {
    // Every test process opens the same file; the locks on it are what is shared.
    lock_fd_ = ::open(PortReservationFile().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock_fd_ >= 0) ::fchmod(lock_fd_, 0666);
  }
  ~PortReservations() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }
  PortReservations(const PortReservations&) = delete;
  PortReservations& operator=(const PortReservations&) = delete;

  int Reserve() {
    std::lock_guard<std::mutex> hold(mutex_);
    const int count = range_.second - range_.first + 1;
    // Each process starts somewhere else in the range, so that they rarely contend.
    std::uniform_int_distribution<int> start(0, count - 1);
    const int offset = start(random_);
    for (int i = 0; i < count; ++i) {
      int port = range_.first + (offset + i) % count;
      if (handed_out_.count(port) > 0) continue;
      if (!LockByte(port)) continue;
      if (!NothingListensOn(port)) {
        UnlockByte(port);
        continue;
      }
      handed_out_.insert(port);
      return port;
    }
    throw std::runtime_error("no free TCP port left on 127.0.0.1");
  }

 private:
  // Open-file-description locks: they conflict between processes (and between two opens in one),
  // are released when the process exits however it exits, and are not inherited by a child.
  bool LockByte(int port) {
    if (lock_fd_ < 0) return true;  // no shared file: the bind check alone
    return SetByteLock(F_WRLCK, port);
  }
  void UnlockByte(int port) {
    if (lock_fd_ >= 0) SetByteLock(F_UNLCK, port);
  }
  bool SetByteLock(short type, int port) {
    struct flock lock {};
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = port;
    lock.l_len = 1;
    return ::fcntl(lock_fd_, F_OFD_SETLK, &lock) == 0;
  }

  const std::pair<int, int> range_;
  int lock_fd_ = -1;
  std::mutex mutex_;
  std::mt19937 random_{std::random_device{}()};
  std::set<int> handed_out_;
};

}  // namespace

std::string PortReservationFile() {
  std::error_code error;
  std::filesystem::path directory = std::filesystem::temp_directory_path(error);
  if (error) directory = "/tmp";
  return (directory / "pasarela-test-ports.lock").string();
}

int PickFreePort() {
  static PortReservations reservations;
  return reservations.Reserve();
}

}  // namespace pasarela::testing
