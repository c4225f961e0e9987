#ifndef PASARELA_TESTS_SUPPORT_FREE_PORT_H_
#define PASARELA_TESTS_SUPPORT_FREE_PORT_H_

#include <string>

namespace pasarela::testing {

// A TCP port on 127.0.0.1 that nothing listens on and that no other test process will be handed
// until this process exits.
//
// Tests pick a port, write it into a policy, and the gateway binds it a moment later. A port the
// kernel picked (bind to port 0, then close) is in its ephemeral range, where any process's
// outgoing connection or bind(0) may take it in that moment. So ports come from outside that
// range, and each is reserved by a lock on one byte of a lock file shared by every test process
// (the lock goes with the process). A port is never handed out twice in one process.
//
// Thread-safe. Throws std::runtime_error when no port is left.
int PickFreePort();

// The lock file that reservations share: one byte per port, write-locked while reserved.
std::string PortReservationFile();

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_FREE_PORT_H_
