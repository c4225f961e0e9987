// An agency's client: calls its own country's gateway over mutual TLS with a typed canonical stub
// and prints what came back, so that a person (or the pilot script) sees what crossed.
//
//   agency_client --gateway 127.0.0.1:7443 --cert a.crt --key a.key --ca ca.crt
//       --target CL/GOV/registro-civil --purpose border-control --method GetPerson
//       --scheme CL-RUN --id 12531909-2 [--agreement ID] [--deadline-ms N] [--claim-birth-date D]
// Exit status: 0 when the call succeeded, 1 when it ended with an error status, 2 on usage errors.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "pilots/client_support.h"

#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "pasarela/identity/v1/identity.grpc.pb.h"

namespace {

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"--method", "GetPerson"},
                                              {"--deadline-ms", "10000"}};
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  for (const char* required : {"--gateway", "--ca", "--target", "--id"}) {
    if (flags.count(required) == 0) {
      std::cerr << "agency_client: " << required << " is required\n";
      return 2;
    }
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = pasarela::pilots::ReadFileOrExit(flags["--ca"], "agency_client");
  if (flags.count("--cert")) {
    tls.pem_cert_chain = pasarela::pilots::ReadFileOrExit(flags["--cert"], "agency_client");
    tls.pem_private_key = pasarela::pilots::ReadFileOrExit(flags["--key"], "agency_client");
  }
  auto channel = grpc::CreateChannel(flags["--gateway"], grpc::SslCredentials(tls));
  auto stub = pasarela::identity::v1::IdentityService::NewStub(channel);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(std::stoi(flags["--deadline-ms"])));
  context.AddMetadata("x-pasarela-target", flags["--target"]);
  if (flags.count("--purpose")) context.AddMetadata("x-pasarela-purpose", flags["--purpose"]);
  if (flags.count("--agreement")) context.AddMetadata("x-pasarela-agreement", flags["--agreement"]);

  pasarela::identity::v1::PersonIdentifier identifier;
  identifier.set_issuing_country(flags["--target"].substr(0, 2));
  identifier.set_scheme(flags.count("--scheme") ? flags["--scheme"] : "CL-RUN");
  identifier.set_value(flags["--id"]);

  grpc::Status status;
  std::string answer;
  if (flags["--method"] == "VerifyIdentity") {
    pasarela::identity::v1::VerifyIdentityRequest request;
    *request.mutable_identifier() = identifier;
    if (flags.count("--claim-birth-date")) {
      request.mutable_claims()->set_birth_date(flags["--claim-birth-date"]);
    }
    if (flags.count("--claim-family-name")) {
      request.mutable_claims()->add_family_names(flags["--claim-family-name"]);
    }
    pasarela::identity::v1::VerifyIdentityResponse response;
    status = stub->VerifyIdentity(&context, request, &response);
    answer = ToJson(response);
  } else {
    pasarela::identity::v1::GetPersonRequest request;
    *request.mutable_identifier() = identifier;
    pasarela::identity::v1::GetPersonResponse response;
    status = stub->GetPerson(&context, request, &response);
    answer = ToJson(response);
  }
  auto value = [](const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                  const char* key) {
    auto it = metadata.find(key);
    return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
  };
  std::string exchange_id = value(context.GetServerInitialMetadata(), "x-pasarela-exchange-id");
  std::string withheld = value(context.GetServerTrailingMetadata(), "x-pasarela-withheld");
  std::string deny_rule = value(context.GetServerTrailingMetadata(), "x-pasarela-deny-rule");
  if (status.ok()) {
    std::cout << "status: OK\nexchange: " << exchange_id << "\nresponse: " << answer << "\n";
    if (!withheld.empty()) std::cout << "withheld by the agreement: " << withheld << "\n";
    return 0;
  }
  std::cout << "status: " << pasarela::pilots::StatusCodeName(status.error_code())
            << "\nmessage: " << status.error_message() << "\n";
  if (!deny_rule.empty()) std::cout << "rule: " << deny_rule << "\n";
  return 1;
}
