// A provider that misbehaves on purpose, for fault tests of the gateway in front of it. It takes
// the pilot agencies' flags (mutual TLS with its agency certificate, ready file, calls log) and
// answers every method the same way, chosen by --mode:
//
//   hang     never answers; the call ends only when the caller cancels it (its deadline)
//   garbage  answers OK with bytes that are no protobuf message at all
//   huge     answers OK with a message of --bytes bytes (default 5 MiB, beyond gRPC's 4 MiB)
//   unavailable  answers UNAVAILABLE with a message that names a person (kUnavailableMessage):
//            free text of the provider's own, which must not leave the gateway in front of it
//   slow     answers OK with an empty message (every field at its default) --delay-ms
//            milliseconds (default 2000) after the request arrived, so that a test can change
//            something while the call is under way
//
// Each call adds a line {"method":...,"event":"received"} to the calls log, and a hanging call
// a second line with "event":"cancelled" when its caller gives up, so a test can see that the
// gateway passed the cancellation on.
#include <grpc/support/time.h>
#include <grpcpp/alarm.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pilots/pilot_server.h"

namespace {

enum class Mode { kHang, kGarbage, kHuge, kUnavailable, kSlow };

constexpr char kUnavailableMessage[] =
    "the record of Juan Carlos Pérez, RUN 12.531.909-2, is locked for maintenance";

class CallsLog {
 public:
  explicit CallsLog(std::string path) : path_(std::move(path)) {}
  void Append(const std::string& method, const char* event) {
    std::lock_guard<std::mutex> lock(mu_);
    if (path_.empty()) return;
    std::ofstream(path_, std::ios::app)
        << "{\"method\":\"" << method << "\",\"event\":\"" << event << "\"}\n";
  }

 private:
  std::mutex mu_;
  std::string path_;
};

// One call. Owns itself: gRPC hands it back in OnDone.
class MisbehavingReactor : public grpc::ServerGenericBidiReactor {
 public:
  MisbehavingReactor(grpc::GenericCallbackServerContext* context, Mode mode, size_t huge_bytes,
                     int delay_ms, CallsLog& log)
      : method_(context->method()),
        mode_(mode),
        huge_bytes_(huge_bytes),
        delay_ms_(delay_ms),
        log_(log) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    log_.Append(method_, "received");
    std::string bytes;
    switch (mode_) {
      case Mode::kHang:
        return;  // OnCancel finishes it.
      case Mode::kGarbage:
        // 0x0f is field 1 with wire type 7, which does not exist: no parser accepts this.
        bytes = "\x0f\xff\xfe not a protobuf message";
        break;
      case Mode::kHuge:
        bytes = HugeMessage();
        break;
      case Mode::kUnavailable:
        FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, kUnavailableMessage));
        return;
      case Mode::kSlow: {
        grpc::Slice empty("");
        response_ = grpc::ByteBuffer(&empty, 1);
        // The reactor lives until both the alarm has fired and gRPC is done with the call.
        holders_.fetch_add(1);
        alarm_.Set(gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                gpr_time_from_millis(delay_ms_, GPR_TIMESPAN)),
                   [this](bool) {
                     if (!finished_.exchange(true)) {
                       StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
                     }
                     Release();
                   });
        return;
      }
    }
    grpc::Slice slice(bytes);
    response_ = grpc::ByteBuffer(&slice, 1);
    if (!finished_.exchange(true)) {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
  }

  void OnCancel() override {
    if (mode_ == Mode::kHang) log_.Append(method_, "cancelled");
    FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled"));
  }

  void OnWriteDone(bool) override {}

  void OnDone() override { Release(); }

 private:
  void Release() {
    if (holders_.fetch_sub(1) == 1) std::unique_ptr<MisbehavingReactor> self(this);
  }

  void FinishOnce(const grpc::Status& status) {
    if (!finished_.exchange(true)) Finish(status);
  }

  // Field 1 (length-delimited) holding huge_bytes_ bytes: well-formed framing, too big to take.
  std::string HugeMessage() const {
    std::string message = "\x0a";
    for (size_t length = huge_bytes_;; length >>= 7) {
      if (length < 0x80) {
        message.push_back(static_cast<char>(length));
        break;
      }
      message.push_back(static_cast<char>((length & 0x7f) | 0x80));
    }
    message.append(huge_bytes_, 'x');
    return message;
  }

  std::string method_;
  Mode mode_;
  size_t huge_bytes_;
  int delay_ms_;
  CallsLog& log_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::atomic<bool> finished_{false};
  grpc::Alarm alarm_;
  std::atomic<int> holders_{1};  // gRPC until OnDone, and a pending alarm
};

class MisbehavingService final : public grpc::CallbackGenericService {
 public:
  MisbehavingService(Mode mode, size_t huge_bytes, int delay_ms, const std::string& calls_log)
      : mode_(mode), huge_bytes_(huge_bytes), delay_ms_(delay_ms), log_(calls_log) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    // gRPC takes ownership and returns it through OnDone.
    return std::make_unique<MisbehavingReactor>(context, mode_, huge_bytes_, delay_ms_, log_)
        .release();
  }

 private:
  Mode mode_;
  size_t huge_bytes_;
  int delay_ms_;
  CallsLog log_;
};

}  // namespace

int main(int argc, char** argv) {
  constexpr char kProgram[] = "misbehaving_provider";
  Mode mode = Mode::kHang;
  size_t huge_bytes = 5 * 1024 * 1024;
  int delay_ms = 2000;
  // --mode, --bytes and --delay-ms are ours; the rest are the pilot agencies' flags.
  std::vector<char*> pilot_args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if ((flag == "--mode" || flag == "--bytes" || flag == "--delay-ms") && i + 1 < argc) {
      std::string value = argv[++i];
      if (flag == "--bytes") {
        huge_bytes = std::stoul(value);
      } else if (flag == "--delay-ms") {
        delay_ms = std::stoi(value);
      } else if (value == "hang") {
        mode = Mode::kHang;
      } else if (value == "garbage") {
        mode = Mode::kGarbage;
      } else if (value == "huge") {
        mode = Mode::kHuge;
      } else if (value == "unavailable") {
        mode = Mode::kUnavailable;
      } else if (value == "slow") {
        mode = Mode::kSlow;
      } else {
        std::cerr << kProgram << ": --mode is hang, garbage, huge, unavailable or slow, not "
                  << value << "\n";
        return 2;
      }
      continue;
    }
    pilot_args.push_back(argv[i]);
  }
  pasarela::pilots::PilotServerOptions options = pasarela::pilots::ParsePilotFlags(
      static_cast<int>(pilot_args.size()), pilot_args.data(), kProgram);
  MisbehavingService service(mode, huge_bytes, delay_ms, options.calls_log);
  return pasarela::pilots::ServeUntilSignal(
      [&service](grpc::ServerBuilder& builder) {
        builder.RegisterCallbackGenericService(&service);
      },
      options, kProgram);
}
