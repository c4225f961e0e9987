// A civil registry that answers the canonical identity service over mutual TLS, from a small
// seeded set of synthetic persons (no real person). It records every call it receives, with the
// Pasarela headers the gateway set, as one JSON line in --calls-log, so that a test or a person can
// see exactly what reached the provider.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"

namespace {

using pasarela::identity::v1::GetPersonRequest;
using pasarela::identity::v1::GetPersonResponse;
using pasarela::identity::v1::IdentityService;
using pasarela::identity::v1::Person;
using pasarela::identity::v1::VerifyIdentityRequest;
using pasarela::identity::v1::VerifyIdentityResponse;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "identity_provider: cannot read " << path << "\n";
    std::exit(2);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string JsonEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

Person MakePerson(const std::string& run, std::vector<std::string> given,
                  std::vector<std::string> family, const std::string& birth_date,
                  pasarela::identity::v1::Sex sex, const std::string& place) {
  Person person;
  auto* identifier = person.add_identifiers();
  identifier->set_issuing_country("CL");
  identifier->set_scheme("CL-RUN");
  identifier->set_value(run);
  for (auto& name : given) person.add_given_names(name);
  for (auto& name : family) person.add_family_names(name);
  person.set_birth_date(birth_date);
  person.set_sex(sex);
  person.add_nationalities("CL");
  person.set_place_of_birth(place);
  person.mutable_address()->add_lines("Avenida Libertador Bernardo O'Higgins 1302");
  person.mutable_address()->set_locality("Santiago");
  person.mutable_address()->set_country("CL");
  return person;
}

class Registry final : public IdentityService::Service {
 public:
  Registry(std::string calls_log, int delay_ms)
      : calls_log_(std::move(calls_log)), delay_ms_(delay_ms) {
    using pasarela::identity::v1::SEX_FEMALE;
    using pasarela::identity::v1::SEX_MALE;
    // RUNs with valid check digits (modulo 11), all synthetic.
    for (Person person : {MakePerson("12531909-2", {"Valentina", "Isidora"}, {"González", "Muñoz"},
                                     "1985-03-12", SEX_FEMALE, "Valparaíso"),
                          MakePerson("7086428-2", {"Juan", "Pablo"}, {"Rojas", "Díaz"},
                                     "1961-11-02", SEX_MALE, "Concepción"),
                          MakePerson("16351474-5", {"Camila"}, {"Soto", "Pérez"}, "1990-07-25",
                                     SEX_FEMALE, "Temuco")}) {
      persons_[person.identifiers(0).value()] = person;
    }
  }

  grpc::Status GetPerson(grpc::ServerContext* context, const GetPersonRequest* request,
                         GetPersonResponse* response) override {
    Record(context, "GetPerson", request->identifier().value());
    auto it = persons_.find(request->identifier().value());
    if (it == persons_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("no person with ", request->identifier().scheme(), " ",
                                       request->identifier().value()));
    }
    *response->mutable_person() = it->second;
    return grpc::Status::OK;
  }

  grpc::Status VerifyIdentity(grpc::ServerContext* context, const VerifyIdentityRequest* request,
                              VerifyIdentityResponse* response) override {
    Record(context, "VerifyIdentity", request->identifier().value());
    auto it = persons_.find(request->identifier().value());
    response->set_person_found(it != persons_.end());
    if (it == persons_.end()) return grpc::Status::OK;
    const Person& person = it->second;
    auto verdict = [&](const char* attribute, bool match) {
      auto* entry = response->add_verdicts();
      entry->set_attribute(attribute);
      entry->set_verdict(match ? pasarela::identity::v1::VERDICT_MATCH
                               : pasarela::identity::v1::VERDICT_NO_MATCH);
    };
    const auto& claims = request->claims();
    if (!claims.birth_date().empty())
      verdict("birth_date", claims.birth_date() == person.birth_date());
    if (claims.family_names_size() > 0) {
      bool match = claims.family_names_size() == person.family_names_size();
      for (int i = 0; match && i < claims.family_names_size(); ++i) {
        match = absl::AsciiStrToLower(claims.family_names(i)) ==
                absl::AsciiStrToLower(person.family_names(i));
      }
      verdict("family_names", match);
    }
    return grpc::Status::OK;
  }

 private:
  void Record(grpc::ServerContext* context, const char* method, const std::string& subject) {
    // A slow registry, for tests of deadlines and graceful shutdown.
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
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
    std::string line =
        absl::StrCat("{\"method\":\"", method, "\",\"caller\":\"", JsonEscape(caller),
                     "\",\"consumer\":\"", JsonEscape(header("x-pasarela-consumer")),
                     "\",\"purpose\":\"", JsonEscape(header("x-pasarela-purpose")),
                     "\",\"agreement\":\"", JsonEscape(header("x-pasarela-agreement")),
                     "\",\"exchange_id\":\"", JsonEscape(header("x-pasarela-exchange-id")),
                     "\",\"subject\":\"", JsonEscape(subject), "\"}\n");
    std::lock_guard<std::mutex> lock(mu_);
    if (calls_log_.empty()) return;
    std::ofstream out(calls_log_, std::ios::app);
    out << line;
  }

  std::string calls_log_;
  int delay_ms_ = 0;
  std::map<std::string, Person> persons_;
  std::mutex mu_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0", cert, key, ca, ready_file, calls_log;
  int delay_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--listen")
      listen = value;
    else if (flag == "--cert")
      cert = value;
    else if (flag == "--key")
      key = value;
    else if (flag == "--ca")
      ca = value;
    else if (flag == "--ready-file")
      ready_file = value;
    else if (flag == "--calls-log")
      calls_log = value;
    else if (flag == "--delay-ms")
      delay_ms = std::stoi(value);
    else {
      std::cerr << "identity_provider: unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (cert.empty() || key.empty() || ca.empty()) {
    std::cerr << "usage: identity_provider --cert F --key F --ca F [--listen ADDR] "
                 "[--ready-file F] [--calls-log F] [--delay-ms N]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ReadFile(ca);
  options.pem_key_cert_pairs.push_back({ReadFile(key), ReadFile(cert)});
  Registry registry(calls_log, delay_ms);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::SslServerCredentials(options), &port);
  builder.RegisterService(&registry);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "identity_provider: cannot listen on " << listen << "\n";
    return 1;
  }
  std::string address = absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  std::cerr << "identity_provider: serving on " << address << "\n";
  if (!ready_file.empty()) {
    std::string temporary = ready_file + ".tmp";
    std::ofstream(temporary) << "{\"address\":\"" << address << "\",\"pid\":" << getpid() << "}\n";
    std::rename(temporary.c_str(), ready_file.c_str());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
