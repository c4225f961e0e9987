// What every pilot agency's gRPC server shares: its flags, mutual TLS with the country's CA, a
// ready file, a log of the calls it received with the headers its gateway set, and a clean stop
// on SIGTERM.
#ifndef PASARELA_PILOTS_PILOT_SERVER_H_
#define PASARELA_PILOTS_PILOT_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <mutex>
#include <string>

namespace pasarela::pilots {

struct PilotServerOptions {
  std::string listen = "127.0.0.1:0";
  std::string cert;
  std::string key;
  std::string ca;
  std::string ready_file;
  std::string calls_log;
  // Makes every call slow, for tests of deadlines and draining.
  int delay_ms = 0;
};

// Parses --listen --cert --key --ca --ready-file --calls-log --delay-ms; exits 2 on a bad flag.
PilotServerOptions ParsePilotFlags(int argc, char** argv, const char* program);

// Appends one JSON line per call to the calls log: method, the caller's URI (the gateway's
// certificate), consumer, purpose, agreement and exchange id as the gateway set them, the
// subject asked about, and the names of every x-pasarela-* header received. Thread-safe.
class CallRecorder {
 public:
  explicit CallRecorder(const PilotServerOptions& options) : options_(options) {}
  void Record(grpc::ServerContext* context, const std::string& method, const std::string& subject);

 private:
  const PilotServerOptions& options_;
  std::mutex mu_;
};

// Serves `service` with mutual TLS until SIGTERM or SIGINT; writes the ready file once serving.
// Returns the process exit status.
int ServeUntilSignal(grpc::Service* service, const PilotServerOptions& options,
                     const char* program);

// The same for any services `register_services` adds to the builder (a generic service, say).
int ServeUntilSignal(const std::function<void(grpc::ServerBuilder&)>& register_services,
                     const PilotServerOptions& options, const char* program);

}  // namespace pasarela::pilots

#endif  // PASARELA_PILOTS_PILOT_SERVER_H_
