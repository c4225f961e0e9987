// What the benchmark's proxy processes (bare_proxy, stream_hop_proxy) share around their proxying:
// flags, one certificate for mutual TLS on both sides, the listener with its ready file, and
// running until SIGTERM or SIGINT. gRPC's defaults throughout: nothing here tunes a hop.
//
// Header-only; call BlockTerminationSignals before any thread starts (gRPC's included).
#ifndef PASARELA_BENCH_HOP_PROCESS_H_
#define PASARELA_BENCH_HOP_PROCESS_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace pasarela::bench {

// "--name value" pairs, or exits with status 2 naming the first of `required` that is missing.
inline std::map<std::string, std::string> HopFlags(const char* program, int argc, char** argv,
                                                   std::initializer_list<const char*> required) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  for (const char* name : required) {
    if (flags.count(name) == 0) {
      std::cerr << program << ": " << name << " is required\n";
      std::exit(2);
    }
  }
  return flags;
}

// Blocks SIGTERM and SIGINT in this thread and every thread it starts; WaitForTermination takes
// them.
inline sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

inline void WaitForTermination(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
}

// The certificate, key and CA of --cert, --key and --ca, read at once (exits with 2 if one cannot
// be read).
class HopTls {
 public:
  HopTls(const char* program, const std::map<std::string, std::string>& flags)
      : cert_(Read(program, flags.at("--cert"))),
        key_(Read(program, flags.at("--key"))),
        ca_(Read(program, flags.at("--ca"))) {}

  // A channel to `target` presenting the certificate.
  std::shared_ptr<grpc::Channel> Channel(const std::string& target) const {
    grpc::SslCredentialsOptions tls{ca_, key_, cert_};
    return grpc::CreateChannel(target, grpc::SslCredentials(tls));
  }

  // Serves `service` on `listen`, requiring a client certificate from the CA, and writes
  // {"port":N} to `ready_file` (unless empty) once it listens. Null when it cannot listen.
  std::unique_ptr<grpc::Server> Serve(const std::string& listen,
                                      grpc::CallbackGenericService* service,
                                      const std::string& ready_file) const {
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = ca_;
    tls.pem_key_cert_pairs.push_back({key_, cert_});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(listen, grpc::SslServerCredentials(tls), &port);
    builder.RegisterCallbackGenericService(service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (server == nullptr || port == 0) return nullptr;
    if (!ready_file.empty()) {
      const std::string temporary = ready_file + ".tmp";
      std::ofstream(temporary) << "{\"port\":" << port << "}\n";
      std::rename(temporary.c_str(), ready_file.c_str());
    }
    return server;
  }

 private:
  static std::string Read(const char* program, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << program << ": cannot read " << path << "\n";
      std::exit(2);
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }

  std::string cert_;
  std::string key_;
  std::string ca_;
};

}  // namespace pasarela::bench

#endif  // PASARELA_BENCH_HOP_PROCESS_H_
