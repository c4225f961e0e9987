#include "pilots/pilot_server.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gateway/net/grpc_shutdown_guard.h"

namespace pasarela::pilots {
namespace {

std::string ReadFile(const std::string& path, const char* program) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << program << ": cannot read " << path << "\n";
    std::exit(2);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string JsonEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

}  // namespace

PilotServerOptions ParsePilotFlags(int argc, char** argv, const char* program) {
  PilotServerOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--listen") {
      options.listen = value;
    } else if (flag == "--cert") {
      options.cert = value;
    } else if (flag == "--key") {
      options.key = value;
    } else if (flag == "--ca") {
      options.ca = value;
    } else if (flag == "--ready-file") {
      options.ready_file = value;
    } else if (flag == "--calls-log") {
      options.calls_log = value;
    } else if (flag == "--delay-ms") {
      options.delay_ms = std::stoi(value);
    } else {
      std::cerr << program << ": unknown flag " << flag << "\n";
      std::exit(2);
    }
  }
  if (options.cert.empty() || options.key.empty() || options.ca.empty()) {
    std::cerr << "usage: " << program
              << " --cert F --key F --ca F [--listen ADDR] [--ready-file F] [--calls-log F]"
                 " [--delay-ms N]\n";
    std::exit(2);
  }
  return options;
}

void CallRecorder::Record(grpc::ServerContext* context, const std::string& method,
                          const std::string& subject) {
  if (options_.delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));
  }
  auto header = [&](const char* key) {
    auto it = context->client_metadata().find(key);
    return it == context->client_metadata().end()
               ? std::string()
               : std::string(it->second.data(), it->second.size());
  };
  std::string caller;
  for (const auto& uri : context->auth_context()->FindPropertyValues("peer_uri")) {
    caller = std::string(uri.data(), uri.size());
  }
  // The names of every Pasarela header that reached the provider, so that a test can see that a
  // header an agency set on its own never crosses.
  std::vector<std::string> pasarela_headers;
  for (const auto& [key, value] : context->client_metadata()) {
    if (key.starts_with("x-pasarela-")) {
      pasarela_headers.push_back(
          absl::StrCat("\"", JsonEscape(std::string(key.data(), key.size())), "\""));
    }
  }
  std::sort(pasarela_headers.begin(), pasarela_headers.end());
  std::string line = absl::StrCat(
      "{\"method\":\"", method, "\",\"caller\":\"", JsonEscape(caller), "\",\"consumer\":\"",
      JsonEscape(header("x-pasarela-consumer")), "\",\"purpose\":\"",
      JsonEscape(header("x-pasarela-purpose")), "\",\"agreement\":\"",
      JsonEscape(header("x-pasarela-agreement")), "\",\"exchange_id\":\"",
      JsonEscape(header("x-pasarela-exchange-id")), "\",\"subject\":\"", JsonEscape(subject),
      "\",\"headers\":[", absl::StrJoin(pasarela_headers, ","), "]}\n");
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.calls_log.empty()) return;
  std::ofstream out(options_.calls_log, std::ios::app);
  out << line;
}

int ServeUntilSignal(grpc::Service* service, const PilotServerOptions& options,
                     const char* program) {
  return ServeUntilSignal(
      [service](grpc::ServerBuilder& builder) { builder.RegisterService(service); }, options,
      program);
}

int ServeUntilSignal(const std::function<void(grpc::ServerBuilder&)>& register_services,
                     const PilotServerOptions& options, const char* program) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Declared before the server, so destroyed after it: gRPC has stopped before the process exits.
  GrpcShutdownGuard grpc_library;

  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = ReadFile(options.ca, program);
  tls.pem_key_cert_pairs.push_back(
      {ReadFile(options.key, program), ReadFile(options.cert, program)});
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::SslServerCredentials(tls), &port);
  register_services(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << program << ": cannot listen on " << options.listen << "\n";
    return 1;
  }
  std::string address =
      absl::StrCat(options.listen.substr(0, options.listen.rfind(':')), ":", port);
  std::cerr << program << ": serving on " << address << "\n";
  if (!options.ready_file.empty()) {
    std::string temporary = options.ready_file + ".tmp";
    std::ofstream(temporary) << "{\"address\":\"" << address << "\",\"pid\":" << getpid() << "}\n";
    std::rename(temporary.c_str(), options.ready_file.c_str());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace pasarela::pilots
