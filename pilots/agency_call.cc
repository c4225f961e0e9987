// An agency calling its gateway with any unary method the descriptor sets know, the request given
// as protobuf JSON: the pilot's Argentine and Brazilian agencies use it to call in their national
// schemas, and a person can use it to try the pilot by hand.
//
//   agency_call --gateway HOST:PORT --cert F --key F --ca F --descriptor-set F [...]
//       --method /ar.renaper.v1.ConsultaPersonasService/ConsultarPersona
//       --target CL/GOV/registro-civil --agreement ID --purpose P --json '{"documento": ...}'
//
// Prints "status: OK" and the response as JSON (and what the agreement withheld or treated), or the
// error status, its message and the rule that refused the call. Exit status: 0 OK, 1 error status,
// 2 usage errors.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "pilots/client_support.h"

#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"--deadline-ms", "10000"}};
  std::vector<std::string> descriptor_sets;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--descriptor-set") {
      descriptor_sets.push_back(argv[i + 1]);
    } else {
      flags[argv[i]] = argv[i + 1];
    }
  }
  for (const char* required : {"--gateway", "--ca", "--method", "--target", "--json"}) {
    if (flags.count(required) == 0) {
      std::cerr << "agency_call: " << required << " is required\n";
      return 2;
    }
  }
  if (descriptor_sets.empty()) {
    std::cerr << "agency_call: at least one --descriptor-set is required\n";
    return 2;
  }
  google::protobuf::DescriptorPool pool;
  for (const std::string& path : descriptor_sets) {
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromString(pasarela::pilots::ReadFileOrExit(path, "agency_call"))) {
      std::cerr << "agency_call: " << path << " is not a descriptor set\n";
      return 2;
    }
    for (const auto& file : set.file()) {
      if (pool.FindFileByName(file.name()) == nullptr) pool.BuildFile(file);
    }
  }
  std::string method = flags["--method"];
  if (!method.empty() && method.front() == '/') method.erase(0, 1);
  size_t slash = method.find('/');
  const google::protobuf::ServiceDescriptor* service =
      slash == std::string::npos ? nullptr : pool.FindServiceByName(method.substr(0, slash));
  const google::protobuf::MethodDescriptor* descriptor =
      service == nullptr ? nullptr : service->FindMethodByName(method.substr(slash + 1));
  if (descriptor == nullptr) {
    std::cerr << "agency_call: unknown method " << flags["--method"] << "\n";
    return 2;
  }
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(descriptor->input_type())->New());
  auto parsed = google::protobuf::util::JsonStringToMessage(flags["--json"], request.get());
  if (!parsed.ok()) {
    std::cerr << "agency_call: --json is not a " << descriptor->input_type()->full_name() << ": "
              << parsed.message() << "\n";
    return 2;
  }

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = pasarela::pilots::ReadFileOrExit(flags["--ca"], "agency_call");
  if (flags.count("--cert")) {
    tls.pem_cert_chain = pasarela::pilots::ReadFileOrExit(flags["--cert"], "agency_call");
    tls.pem_private_key = pasarela::pilots::ReadFileOrExit(flags["--key"], "agency_call");
  }
  grpc::GenericStub stub(grpc::CreateChannel(flags["--gateway"], grpc::SslCredentials(tls)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(std::stoi(flags["--deadline-ms"])));
  context.AddMetadata("x-pasarela-target", flags["--target"]);
  if (flags.count("--purpose")) context.AddMetadata("x-pasarela-purpose", flags["--purpose"]);
  if (flags.count("--agreement")) context.AddMetadata("x-pasarela-agreement", flags["--agreement"]);

  std::string request_bytes = request->SerializeAsString();
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/" + method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();

  std::string withheld =
      pasarela::pilots::MetadataValue(context.GetServerTrailingMetadata(), "x-pasarela-withheld");
  if (!status.ok()) {
    std::cout << "status: " << pasarela::pilots::StatusCodeName(status.error_code())
              << "\nmessage: " << status.error_message() << "\n";
    std::string rule = pasarela::pilots::MetadataValue(context.GetServerTrailingMetadata(),
                                                       "x-pasarela-deny-rule");
    if (!rule.empty()) std::cout << "rule: " << rule << "\n";
    return 1;
  }
  std::vector<grpc::Slice> slices;
  (void)response_buffer.Dump(&slices);
  std::string response_bytes;
  for (const grpc::Slice& part : slices) {
    response_bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  std::unique_ptr<google::protobuf::Message> response(
      factory.GetPrototype(descriptor->output_type())->New());
  if (!response->ParseFromString(response_bytes)) {
    std::cout << "status: OK\nresponse: (not a " << descriptor->output_type()->full_name() << ")\n";
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(*response, &json, options);
  std::cout << "status: OK\nexchange: "
            << pasarela::pilots::MetadataValue(context.GetServerInitialMetadata(),
                                               "x-pasarela-exchange-id")
            << "\nresponse: " << json << "\n";
  // The trailer names removed fields by path, and personal data the agreement treated as
  // "path:category:treatment"; a masked field still arrives, so it is not called withheld.
  std::string removed, treated;
  std::stringstream items(withheld);
  for (std::string item; std::getline(items, item, ',');) {
    std::string& list = item.find(':') == std::string::npos ? removed : treated;
    list += (list.empty() ? "" : ",") + item;
  }
  if (!removed.empty()) std::cout << "withheld by the agreement: " << removed << "\n";
  if (!treated.empty()) {
    std::cout << "treated by the agreement (path:category:treatment): " << treated << "\n";
  }
  return 0;
}
