#include "gateway/admin/reflection_service.h"

#include <google/protobuf/descriptor.pb.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace pasarela {
namespace {

using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

// Adds `file` and, after it, every file it imports, each once.
void AddFileWithDependencies(const google::protobuf::FileDescriptor* file,
                             std::set<std::string>* seen, ServerReflectionResponse* response) {
  if (file == nullptr || !seen->insert(file->name()).second) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  response->mutable_file_descriptor_response()->add_file_descriptor_proto(
      proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileWithDependencies(file->dependency(i), seen, response);
  }
}

class ReflectionReactor
    : public grpc::ServerBidiReactor<ServerReflectionRequest, ServerReflectionResponse> {
 public:
  explicit ReflectionReactor(const ReflectionService& service) : service_(service) {
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    response_ = service_.Answer(request_);
    StartWrite(&response_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNKNOWN, "reflection stream broken"));
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { std::unique_ptr<ReflectionReactor> self(this); }

 private:
  const ReflectionService& service_;
  ServerReflectionRequest request_;
  ServerReflectionResponse response_;
};

}  // namespace

ServerReflectionResponse ReflectionService::Answer(const ServerReflectionRequest& request) const {
  ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  const google::protobuf::DescriptorPool& pool = catalog_.pool();
  std::set<std::string> seen;
  auto not_found = [&response](const std::string& message) {
    response.mutable_error_response()->set_error_code(
        static_cast<int>(grpc::StatusCode::NOT_FOUND));
    response.mutable_error_response()->set_error_message(message);
  };
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kListServices: {
      for (const std::string& name : services_) {
        response.mutable_list_services_response()->add_service()->set_name(name);
      }
      break;
    }
    case ServerReflectionRequest::kFileByFilename: {
      const google::protobuf::FileDescriptor* file =
          pool.FindFileByName(request.file_by_filename());
      if (file == nullptr) {
        not_found(absl::StrCat("no file ", request.file_by_filename()));
      } else {
        AddFileWithDependencies(file, &seen, &response);
      }
      break;
    }
    case ServerReflectionRequest::kFileContainingSymbol: {
      const google::protobuf::FileDescriptor* file =
          pool.FindFileContainingSymbol(request.file_containing_symbol());
      if (file == nullptr) {
        not_found(absl::StrCat("no symbol ", request.file_containing_symbol()));
      } else {
        AddFileWithDependencies(file, &seen, &response);
      }
      break;
    }
    case ServerReflectionRequest::kFileContainingExtension: {
      const google::protobuf::Descriptor* type =
          pool.FindMessageTypeByName(request.file_containing_extension().containing_type());
      const google::protobuf::FieldDescriptor* extension =
          type == nullptr ? nullptr
                          : pool.FindExtensionByNumber(
                                type, request.file_containing_extension().extension_number());
      if (extension == nullptr) {
        not_found("no such extension");
      } else {
        AddFileWithDependencies(extension->file(), &seen, &response);
      }
      break;
    }
    case ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const google::protobuf::Descriptor* type =
          pool.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        not_found(absl::StrCat("no type ", request.all_extension_numbers_of_type()));
        break;
      }
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool.FindAllExtensions(type, &extensions);
      auto* numbers = response.mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* extension : extensions) numbers->add_extension_number(extension->number());
      break;
    }
    default:
      response.mutable_error_response()->set_error_code(
          static_cast<int>(grpc::StatusCode::UNIMPLEMENTED));
      response.mutable_error_response()->set_error_message("unknown reflection request");
  }
  return response;
}

grpc::ServerBidiReactor<ServerReflectionRequest, ServerReflectionResponse>*
ReflectionService::ServerReflectionInfo(grpc::CallbackServerContext*) {
  return std::make_unique<ReflectionReactor>(*this).release();
}

}  // namespace pasarela
