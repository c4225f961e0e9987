#include "gateway/net/grpc_shutdown_guard.h"

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(GrpcShutdownGuardTest, TheLastReferenceCleansUpBeforeReleaseReturns) {
  GrpcShutdownGuard guard;
  {
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
    EXPECT_TRUE(grpc_is_initialized());
  }
  EXPECT_TRUE(grpc_is_initialized());
  EXPECT_TRUE(guard.Release());
  EXPECT_FALSE(grpc_is_initialized());
  // Once released, the destructor has nothing left to do.
  EXPECT_TRUE(guard.Release());
}

TEST(GrpcShutdownGuardTest, ReleaseWaitsForAnObjectStillHeldElsewhere) {
  auto guard = std::make_unique<GrpcShutdownGuard>(absl::Seconds(20));
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  std::thread holder([held = std::move(channel)]() mutable {
    absl::SleepFor(absl::Milliseconds(300));
    held.reset();
  });
  const absl::Time start = absl::Now();
  EXPECT_TRUE(guard->Release());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  EXPECT_FALSE(grpc_is_initialized());
  holder.join();
}

TEST(GrpcShutdownGuardTest, AWaitThatRunsOutIsReportedNotHung) {
  GrpcShutdownGuard guard(absl::Milliseconds(50));
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  EXPECT_FALSE(guard.Release());
  EXPECT_TRUE(grpc_is_initialized());
  channel.reset();
  EXPECT_FALSE(grpc_is_initialized());
}

}  // namespace
}  // namespace pasarela
