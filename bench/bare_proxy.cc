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
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "bare_proxy: cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

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
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  for (const char* required : {"--listen", "--upstream", "--cert", "--key", "--ca"}) {
    if (flags.count(required) == 0) {
      std::cerr << "bare_proxy: " << required << " is required\n";
      return 2;
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string cert = ReadFile(flags["--cert"]);
  std::string key = ReadFile(flags["--key"]);
  std::string ca = ReadFile(flags["--ca"]);
  grpc::SslCredentialsOptions client_tls{ca, key, cert};
  Proxy proxy(grpc::CreateChannel(flags["--upstream"], grpc::SslCredentials(client_tls)));
  grpc::SslServerCredentialsOptions server_tls(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  server_tls.pem_root_certs = ca;
  server_tls.pem_key_cert_pairs.push_back({key, cert});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags["--listen"], grpc::SslServerCredentials(server_tls), &port);
  builder.RegisterCallbackGenericService(&proxy);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "bare_proxy: cannot listen on " << flags["--listen"] << "\n";
    return 1;
  }
  if (flags.count("--ready-file")) {
    std::string temporary = flags["--ready-file"] + ".tmp";
    std::ofstream(temporary) << "{\"port\":" << port << "}\n";
    std::rename(temporary.c_str(), flags["--ready-file"].c_str());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
