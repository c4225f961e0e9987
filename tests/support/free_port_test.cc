#include "tests/support/free_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace pasarela::testing {
namespace {

// True when some process holds the reservation of `port` (this one included: the check opens the
// lock file anew, and its own locks do not count).
bool Reserved(int port) {
  int fd = ::open(PortReservationFile().c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = port;
  lock.l_len = 1;
  bool reserved = ::fcntl(fd, F_OFD_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  ::close(fd);
  return reserved;
}

bool CanListen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
            ::listen(fd, 1) == 0;
  ::close(fd);
  return ok;
}

TEST(FreePortTest, PortsAreDistinctListenableAndOutsideTheEphemeralRange) {
  int ephemeral_low = 0;
  int ephemeral_high = 0;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low >> ephemeral_high;
  std::set<int> ports;
  for (int i = 0; i < 200; ++i) {
    int port = PickFreePort();
    EXPECT_TRUE(ports.insert(port).second) << "port " << port << " handed out twice";
    EXPECT_GE(port, 20000);
    if (ephemeral_low - 20000 >= 1000) {
      EXPECT_TRUE(port < ephemeral_low || port > ephemeral_high) << port;
    }
    EXPECT_TRUE(CanListen(port)) << port;
    EXPECT_TRUE(Reserved(port)) << port;
  }
}

TEST(FreePortTest, PortsHeldByAnotherTestProcessStayReservedUntilItExits) {
  std::string log = MakeTempDir("port-holder") + "/output";
  ChildProcess holder({PORT_HOLDER_PATH, "30"}, log);
  ASSERT_TRUE(holder.running());
  std::vector<int> held;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    std::string output = ReadFileOrEmpty(log);
    if (absl::StrContains(output, "held\n")) {
      for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
        int port = 0;
        if (absl::SimpleAtoi(line, &port)) held.push_back(port);
      }
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(held.size(), 30u) << ReadFileOrEmpty(log);
  for (int port : held) EXPECT_TRUE(Reserved(port)) << port;

  std::set<int> mine;
  for (int i = 0; i < 500; ++i) mine.insert(PickFreePort());
  for (int port : held) EXPECT_EQ(mine.count(port), 0u) << "port " << port << " handed out twice";

  holder.Stop(SIGKILL, absl::Seconds(5));
  for (int port : held) EXPECT_FALSE(Reserved(port)) << port;
}

}  // namespace
}  // namespace pasarela::testing
