// Keeps the gRPC library initialised for as long as a program serves, and makes its end orderly.
//
// gRPC cleans itself up when the last of its objects goes. When that last object is released on
// one of gRPC's own threads (a call's completion running on the executor after the server is
// gone), the clean-up runs on a detached thread of its own, and a process that returns from main
// meanwhile runs its static destructors and exits while gRPC's threads still free memory: a race
// that ends in a double free or a report cut short. A guard declared before a program's gRPC
// objects is destroyed after them; it releases the last reference from the program's own thread,
// where gRPC cleans up at once, and waits for a clean-up begun elsewhere to end.
//
// One per program, on the main thread; not copyable.
#ifndef PASARELA_GATEWAY_NET_GRPC_SHUTDOWN_GUARD_H_
#define PASARELA_GATEWAY_NET_GRPC_SHUTDOWN_GUARD_H_

#include "absl/time/time.h"

namespace pasarela {

class GrpcShutdownGuard {
 public:
  // `wait_at_most` bounds the wait for gRPC's clean-up when the guard goes; a wait that runs out
  // is logged, and the program goes on to exit.
  explicit GrpcShutdownGuard(absl::Duration wait_at_most = absl::Seconds(15));
  ~GrpcShutdownGuard();
  GrpcShutdownGuard(const GrpcShutdownGuard&) = delete;
  GrpcShutdownGuard& operator=(const GrpcShutdownGuard&) = delete;

  // Releases the guard's reference and waits as the destructor does; true when gRPC has finished
  // cleaning up. Later calls (and the destructor) do nothing more.
  bool Release();

 private:
  absl::Duration wait_at_most_;
  bool released_ = false;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_NET_GRPC_SHUTDOWN_GUARD_H_
