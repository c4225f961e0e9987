#include "bench/load/load_generator.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace pasarela::bench {
namespace {

// Answers every call with `status`, echoing the request when the status is OK.
class AnswerCall final : public grpc::ServerGenericBidiReactor {
 public:
  explicit AnswerCall(grpc::Status status) : status_(std::move(status)) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
    } else if (status_.ok()) {
      StartWriteAndFinish(&request_, grpc::WriteOptions(), status_);
    } else {
      Finish(status_);
    }
  }

  void OnDone() override { std::unique_ptr<AnswerCall> self(this); }

 private:
  const grpc::Status status_;
  grpc::ByteBuffer request_;
};

class AnsweringService final : public grpc::CallbackGenericService {
 public:
  explicit AnsweringService(grpc::Status status) : status_(std::move(status)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return std::make_unique<AnswerCall>(status_).release();  // owned by gRPC until OnDone
  }

 private:
  const grpc::Status status_;
};

class LoadGeneratorTest : public ::testing::Test {
 protected:
  void Serve(grpc::Status status) {
    service_ = std::make_unique<AnsweringService>(std::move(status));
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::shared_ptr<grpc::Channel> Channel() {
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                               grpc::InsecureChannelCredentials());
  }

  LoadOptions Options(std::shared_ptr<grpc::Channel> channel) {
    LoadOptions options;
    options.channels = {std::move(channel)};
    options.method = "/test.Echo/Call";
    options.request = "request bytes";
    options.warmup = absl::Milliseconds(50);
    options.duration = absl::Milliseconds(200);
    options.deadline = absl::Seconds(5);
    return options;
  }

  std::unique_ptr<AnsweringService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(LoadGeneratorTest, ClosedLoopCountsEveryAnsweredCall) {
  Serve(grpc::Status::OK);
  LoadOptions options = Options(Channel());
  options.concurrency = 4;
  absl::StatusOr<LoadResult> result = RunLoad(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->ok, 0u);
  EXPECT_TRUE(result->errors.empty());
  EXPECT_EQ(result->latency.count(), result->ok);
  EXPECT_EQ(result->response_bytes, result->ok * options.request.size());
  EXPECT_EQ(result->calls_total, result->ok_total);
  EXPECT_GE(result->calls_total, result->ok);
  EXPECT_EQ(result->abandoned, 0u);
}

TEST_F(LoadGeneratorTest, ErrorsAreCountedByTheirCode) {
  Serve(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no agreement"));
  LoadOptions options = Options(Channel());
  options.concurrency = 2;
  absl::StatusOr<LoadResult> result = RunLoad(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->ok, 0u);
  EXPECT_EQ(result->ok_total, 0u);
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_GT(result->errors.at(grpc::StatusCode::PERMISSION_DENIED), 0u);
  EXPECT_EQ(result->latency.count(), 0u);
}

TEST_F(LoadGeneratorTest, OpenLoopStartsOneCallPerDueInstant) {
  Serve(grpc::Status::OK);
  LoadOptions options = Options(Channel());
  options.rate = 200;  // one call every 5 ms, due from the start of the warm-up to the window's end
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(500);
  absl::StatusOr<LoadResult> result = RunLoad(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->calls_total, 100u);
  EXPECT_EQ(result->ok_total, 100u);
  EXPECT_EQ(result->abandoned, 0u);
}

// The channels must be let go of last by the thread that ran the load: the last reference dropped
// on a gRPC callback thread shuts gRPC down on a detached thread, racing the program's exit.
TEST_F(LoadGeneratorTest, ReturnsWithNoCallStillHoldingTheChannel) {
  Serve(grpc::Status::OK);
  for (int round = 0; round < 20; ++round) {
    std::shared_ptr<grpc::Channel> channel = Channel();
    {
      LoadOptions options = Options(channel);
      options.concurrency = 16;
      options.warmup = absl::ZeroDuration();
      options.duration = absl::Milliseconds(20);
      absl::StatusOr<LoadResult> result = RunLoad(options);
      ASSERT_TRUE(result.ok()) << result.status();
      ASSERT_EQ(result->abandoned, 0u);
    }
    EXPECT_EQ(channel.use_count(), 1) << "round " << round;
  }
}

TEST_F(LoadGeneratorTest, RefusesOptionsThatAreNotOneLoop) {
  LoadOptions options;
  options.method = "/test.Echo/Call";
  options.concurrency = 1;
  EXPECT_EQ(RunLoad(options).status().code(), absl::StatusCode::kInvalidArgument);  // no channel
  options.channels = {grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials())};
  options.rate = 10;
  EXPECT_EQ(RunLoad(options).status().code(), absl::StatusCode::kInvalidArgument);  // both
  options.rate = 0;
  options.duration = absl::ZeroDuration();
  EXPECT_EQ(RunLoad(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pasarela::bench
