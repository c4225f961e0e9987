#include "gateway/net/grpc_shutdown_guard.h"

#include <grpc/grpc.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/common/log.h"

namespace pasarela {

GrpcShutdownGuard::GrpcShutdownGuard(absl::Duration wait_at_most) : wait_at_most_(wait_at_most) {
  grpc_init();
}

GrpcShutdownGuard::~GrpcShutdownGuard() { (void)Release(); }

bool GrpcShutdownGuard::Release() {
  if (released_) return !grpc_is_initialized();
  released_ = true;
  // On this thread, which is none of gRPC's, the last reference cleans up before returning.
  grpc_shutdown();
  // gRPC counts itself initialised until a clean-up begun on one of its own threads has ended.
  const absl::Time deadline = absl::Now() + wait_at_most_;
  while (grpc_is_initialized()) {
    if (absl::Now() >= deadline) {
      LogWarning(absl::StrCat("gRPC had not finished shutting down after ",
                              absl::FormatDuration(wait_at_most_), "; exiting all the same"));
      return false;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace pasarela
