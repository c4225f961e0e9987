// The reference pass-through gRPC proxy of the benchmark: the thinnest gateway one can write with
// gRPC's callback generic API, with default settings. Bytes in, bytes out: it forwards each unary
// call's request to one upstream channel under the same method name and relays the answer, with
// no policy, no parsing and no metadata of its own. Mutual TLS on both sides with one certificate.
// It is the yardstick a gRPC-based gateway is compared with; do not tune it.
//
//   bare_proxy --listen HOST:PORT --upstream HOST:PORT --cert F --key F --ca F
//              [--ready-file F]
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "bench/hop_process.h"

namespace {

// One call: read the request, call upstream, write the answer. Deletes itself in OnDone.
class ProxyCall final : public grpc::ServerGenericBidiReactor {
 public:
  ProxyCall(grpc::GenericCallbackServerContext* context, grpc::GenericStub* upstream)
      : context_(context), upstream_(upstream) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    upstream_context_ = grpc::ClientContext::FromCallbackServerContext(*context_);
    upstream_->UnaryCall(upstream_context_.get(), context_->method(), grpc::StubOptions(),
                         &request_, &response_, [this](grpc::Status status) {
                           if (status.ok()) {
                             StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
                           } else {
                             Finish(status);
                           }
                         });
  }

  void OnDone() override { std::unique_ptr<ProxyCall> self(this); }

 private:
  grpc::GenericCallbackServerContext* context_;
  grpc::GenericStub* upstream_;
  std::unique_ptr<grpc::ClientContext> upstream_context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class Proxy final : public grpc::CallbackGenericService {
 public:
  explicit Proxy(std::shared_ptr<grpc::Channel> channel) : upstream_(std::move(channel)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return std::make_unique<ProxyCall>(context, &upstream_).release();  // owned by gRPC
  }

 private:
  grpc::GenericStub upstream_;
};

}  // namespace

int main(int argc, char** argv) {
  using pasarela::bench::HopFlags;
  const std::map<std::string, std::string> flags =
      HopFlags("bare_proxy", argc, argv, {"--listen", "--upstream", "--cert", "--key", "--ca"});
  const sigset_t signals = pasarela::bench::BlockTerminationSignals();
  const pasarela::bench::HopTls tls("bare_proxy", flags);
  Proxy proxy(tls.Channel(flags.at("--upstream")));
  std::unique_ptr<grpc::Server> server = tls.Serve(
      flags.at("--listen"), &proxy, flags.count("--ready-file") ? flags.at("--ready-file") : "");
  if (server == nullptr) {
    std::cerr << "bare_proxy: cannot listen on " << flags.at("--listen") << "\n";
    return 1;
  }
  pasarela::bench::WaitForTermination(signals);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
