// An experiment beside the reference proxy: two hops like bare_proxy's, except that the hop between
// them carries every call as a frame on one long-lived bidirectional stream instead of one gRPC
// call each. The frames of calls that arrive while the stream's previous message is still being
// written go out together in the next message, so under load one gRPC message carries many calls.
// It measures what gateways would save by talking to each other that way (bench/stream-hops,
// docs/PERFORMANCE.md); no policy, bytes in, bytes out, mutual TLS on every connection.
//
//   stream_hop_proxy --mode front --listen HOST:PORT --upstream BACK_HOST:PORT --cert F --key F
//                    --ca F [--ready-file F]
//       serves unary calls and sends each as a frame to the back hop;
//   stream_hop_proxy --mode back --listen HOST:PORT --upstream PROVIDER_HOST:PORT ...
//       serves the stream and makes each frame a unary call to the provider.
//
// Frames, little-endian: a call is id (8 bytes), method length (4), method, request length (4),
// request; an answer is id (8), gRPC status code (4), length (4), the response or the status
// message. The front opens its stream at start-up; when the stream ends, the calls waiting on it
// and every later call end UNAVAILABLE (a measurement tool: it does not reconnect).
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench/hop_process.h"

namespace {

constexpr char kStreamMethod[] = "/pasarela.bench.StreamHop/Calls";

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

grpc::ByteBuffer BufferOf(std::string bytes) {
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

void PutU32(std::string* out, uint32_t value) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  out->append(bytes, 4);
}

void PutU64(std::string* out, uint64_t value) {
  PutU32(out, static_cast<uint32_t>(value));
  PutU32(out, static_cast<uint32_t>(value >> 32));
}

// Reads the frames of one message; every getter fails once the message is short.
class FrameReader {
 public:
  explicit FrameReader(const std::string& bytes)
      : rest_(bytes.data()), end_(rest_ + bytes.size()) {}
  bool done() const { return rest_ == end_; }
  bool U32(uint32_t* value) {
    if (end_ - rest_ < 4) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) *value |= uint32_t{static_cast<unsigned char>(rest_[i])} << (8 * i);
    rest_ += 4;
    return true;
  }
  bool U64(uint64_t* value) {
    uint32_t low = 0;
    uint32_t high = 0;
    if (!U32(&low) || !U32(&high)) return false;
    *value = (uint64_t{high} << 32) | low;
    return true;
  }
  bool Bytes(std::string* value) {
    uint32_t size = 0;
    if (!U32(&size) || static_cast<size_t>(end_ - rest_) < size) return false;
    value->assign(rest_, size);
    rest_ += size;
    return true;
  }

 private:
  const char* rest_;
  const char* end_;
};

// One message in flight per stream; frames queued meanwhile leave together in the next one.
class BatchingWriter {
 public:
  // Queues `frame`; true when the caller must start writing *message (nothing was in flight).
  bool Add(const std::string& frame, grpc::ByteBuffer* message) {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.append(frame);
    if (writing_) return false;
    writing_ = true;
    TakeQueued(message);
    return true;
  }
  // The message in flight was written: true when the caller must start writing *message.
  bool Written(grpc::ByteBuffer* message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_.empty()) {
      writing_ = false;
      return false;
    }
    TakeQueued(message);
    return true;
  }

 private:
  void TakeQueued(grpc::ByteBuffer* message) {
    *message = BufferOf(std::move(queued_));
    queued_.clear();
  }
  std::mutex mu_;
  std::string queued_;
  bool writing_ = false;
};

// Front hop: one unary call, answered from the stream.
class FrontCall final : public grpc::ServerGenericBidiReactor {
 public:
  using Sender = std::function<void(FrontCall*, const std::string& method, std::string request)>;
  FrontCall(grpc::GenericCallbackServerContext* context, Sender send)
      : context_(context), send_(std::move(send)) {
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    send_(this, context_->method(), BytesOf(request_));
  }
  void Answer(grpc::StatusCode code, std::string bytes) {
    if (code != grpc::StatusCode::OK) {
      Finish(grpc::Status(code, bytes));
      return;
    }
    response_ = BufferOf(std::move(bytes));
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { std::unique_ptr<FrontCall> self(this); }

 private:
  grpc::GenericCallbackServerContext* context_;
  Sender send_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// Front hop: the stream to the back hop, and the calls waiting for their answers on it.
class StreamToBack final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit StreamToBack(grpc::GenericStub* stub) {
    // The back hop may start after the front.
    context_.set_wait_for_ready(true);
    stub->PrepareBidiStreamingCall(&context_, kStreamMethod, grpc::StubOptions(), this);
    StartRead(&incoming_);
    StartCall();
  }

  void Send(FrontCall* call, const std::string& method, std::string request) {
    // Under the lock, so that no write starts after OnDone.
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) {
      call->Answer(grpc::StatusCode::UNAVAILABLE, "the stream to the back hop has ended");
      return;
    }
    const uint64_t id = next_id_++;
    waiting_[id] = call;
    std::string frame;
    frame.reserve(16 + method.size() + request.size());
    PutU64(&frame, id);
    PutU32(&frame, static_cast<uint32_t>(method.size()));
    frame.append(method);
    PutU32(&frame, static_cast<uint32_t>(request.size()));
    frame.append(request);
    if (writer_.Add(frame, &outgoing_)) StartWrite(&outgoing_);
  }

  void OnWriteDone(bool ok) override {
    if (ok && writer_.Written(&outgoing_)) StartWrite(&outgoing_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows with the stream's status.
    const std::string bytes = BytesOf(incoming_);
    FrameReader reader(bytes);
    std::vector<std::pair<FrontCall*, std::pair<uint32_t, std::string>>> answers;
    while (!reader.done()) {
      uint64_t id = 0;
      uint32_t code = 0;
      std::string body;
      if (!reader.U64(&id) || !reader.U32(&code) || !reader.Bytes(&body)) break;
      std::lock_guard<std::mutex> lock(mu_);
      auto waiting = waiting_.find(id);
      if (waiting == waiting_.end()) continue;
      answers.push_back({waiting->second, {code, std::move(body)}});
      waiting_.erase(waiting);
    }
    StartRead(&incoming_);
    for (auto& [call, answer] : answers) {
      call->Answer(static_cast<grpc::StatusCode>(answer.first), std::move(answer.second));
    }
  }

  void OnDone(const grpc::Status& status) override {
    std::unordered_map<uint64_t, FrontCall*> waiting;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      waiting.swap(waiting_);
    }
    std::cerr << "stream_hop_proxy: the stream to the back hop ended: " << status.error_message()
              << "\n";
    for (auto& [id, call] : waiting) {
      call->Answer(grpc::StatusCode::UNAVAILABLE, "the stream to the back hop has ended");
    }
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer incoming_;
  grpc::ByteBuffer outgoing_;
  BatchingWriter writer_;
  std::mutex mu_;
  bool ended_ = false;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, FrontCall*> waiting_;
};

class Front final : public grpc::CallbackGenericService {
 public:
  explicit Front(std::shared_ptr<grpc::Channel> channel)
      : stub_(std::move(channel)), stream_(std::make_unique<StreamToBack>(&stub_)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    auto send = [stream = stream_.get()](FrontCall* call, const std::string& method,
                                         std::string request) {
      stream->Send(call, method, std::move(request));
    };
    return std::make_unique<FrontCall>(context, std::move(send)).release();  // owned by gRPC
  }

 private:
  grpc::GenericStub stub_;
  std::unique_ptr<StreamToBack> stream_;
};

// Back hop: one stream from the front hop; each frame becomes a unary call to the provider.
class StreamFromFront final : public grpc::ServerGenericBidiReactor {
 public:
  explicit StreamFromFront(grpc::GenericStub* provider) : provider_(provider) {
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      std::lock_guard<std::mutex> lock(mu_);
      front_closed_ = true;
      FinishWhenIdle();
      return;
    }
    const std::string bytes = BytesOf(incoming_);
    FrameReader reader(bytes);
    std::vector<std::unique_ptr<ProviderCall>> calls;
    while (!reader.done()) {
      auto call = std::make_unique<ProviderCall>();
      if (!reader.U64(&call->id) || !reader.Bytes(&call->method) || !reader.Bytes(&call->request)) {
        std::lock_guard<std::mutex> lock(mu_);
        front_closed_ = true;
        malformed_ = true;
        FinishWhenIdle();
        return;
      }
      calls.push_back(std::move(call));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      outstanding_ += calls.size();
    }
    StartRead(&incoming_);
    for (std::unique_ptr<ProviderCall>& owned : calls) {
      ProviderCall* call = owned.release();  // reclaimed in the callback
      call->request_buffer = BufferOf(std::move(call->request));
      provider_->UnaryCall(&call->context, call->method, grpc::StubOptions(), &call->request_buffer,
                           &call->response, [this, call](grpc::Status status) {
                             std::unique_ptr<ProviderCall> done(call);
                             Answered(*done, status);
                           });
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (ok && writer_.Written(&outgoing_)) {
      StartWrite(&outgoing_);
      return;
    }
    // A failed write means the stream is gone: the answers still to come are dropped.
    if (!ok) broken_ = true;
    writing_ = false;
    FinishWhenIdle();
  }

  void OnDone() override { std::unique_ptr<StreamFromFront> self(this); }

 private:
  struct ProviderCall {
    uint64_t id = 0;
    std::string method;
    std::string request;
    grpc::ByteBuffer request_buffer;
    grpc::ByteBuffer response;
    grpc::ClientContext context;
  };

  void Answered(const ProviderCall& call, const grpc::Status& status) {
    std::string frame;
    PutU64(&frame, call.id);
    PutU32(&frame, static_cast<uint32_t>(status.error_code()));
    const std::string body = status.ok() ? BytesOf(call.response) : status.error_message();
    PutU32(&frame, static_cast<uint32_t>(body.size()));
    frame.append(body);
    std::lock_guard<std::mutex> lock(mu_);
    --outstanding_;
    if (!broken_ && writer_.Add(frame, &outgoing_)) {
      writing_ = true;
      StartWrite(&outgoing_);
    }
    FinishWhenIdle();
  }

  // Ends the stream once the front hop closed its side (or the stream broke) and every answer
  // went out. Under mu_.
  void FinishWhenIdle() {
    if (!(front_closed_ || broken_) || finished_ || writing_ || outstanding_ > 0) return;
    finished_ = true;
    Finish(malformed_ ? grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed frame")
                      : grpc::Status::OK);
  }

  grpc::GenericStub* provider_;
  grpc::ByteBuffer incoming_;
  grpc::ByteBuffer outgoing_;
  BatchingWriter writer_;
  std::mutex mu_;
  size_t outstanding_ = 0;
  bool writing_ = false;
  bool broken_ = false;
  bool front_closed_ = false;
  bool malformed_ = false;
  bool finished_ = false;
};

class Back final : public grpc::CallbackGenericService {
 public:
  explicit Back(std::shared_ptr<grpc::Channel> channel) : provider_(std::move(channel)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    if (context->method() != kStreamMethod) {
      return std::make_unique<Refusal>().release();  // owned by gRPC
    }
    return std::make_unique<StreamFromFront>(&provider_).release();  // owned by gRPC
  }

 private:
  class Refusal final : public grpc::ServerGenericBidiReactor {
   public:
    Refusal() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "only the stream")); }
    void OnDone() override { std::unique_ptr<Refusal> self(this); }
  };
  grpc::GenericStub provider_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::string> flags =
      pasarela::bench::HopFlags("stream_hop_proxy", argc, argv,
                                {"--mode", "--listen", "--upstream", "--cert", "--key", "--ca"});
  const std::string& mode = flags.at("--mode");
  if (mode != "front" && mode != "back") {
    std::cerr << "stream_hop_proxy: --mode is front or back\n";
    return 2;
  }
  const sigset_t signals = pasarela::bench::BlockTerminationSignals();
  const pasarela::bench::HopTls tls("stream_hop_proxy", flags);
  std::shared_ptr<grpc::Channel> upstream = tls.Channel(flags.at("--upstream"));
  std::unique_ptr<grpc::CallbackGenericService> service;
  if (mode == "front") {
    service = std::make_unique<Front>(std::move(upstream));
  } else {
    service = std::make_unique<Back>(std::move(upstream));
  }
  std::unique_ptr<grpc::Server> server =
      tls.Serve(flags.at("--listen"), service.get(),
                flags.count("--ready-file") ? flags.at("--ready-file") : "");
  if (server == nullptr) {
    std::cerr << "stream_hop_proxy: cannot listen on " << flags.at("--listen") << "\n";
    return 1;
  }
  pasarela::bench::WaitForTermination(signals);
  // The front's stream and the back's provider calls hold the server's threads: end without
  // waiting for them, as the measurement is over.
  std::_Exit(0);
}
