#include "gateway/policy/descriptor_catalog.h"

#include <google/protobuf/descriptor.pb.h>
#include <limits.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"

namespace pasarela {

absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> DescriptorCatalog::Load(
    const std::vector<std::string>& descriptor_set_paths) {
  std::unique_ptr<DescriptorCatalog> catalog(new DescriptorCatalog());
  catalog->pool_ = std::make_unique<google::protobuf::DescriptorPool>();
  for (const std::string& path : descriptor_set_paths) {
    absl::StatusOr<std::string> bytes = ReadFileToString(path);
    if (!bytes.ok()) return bytes.status();
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromString(*bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a protobuf FileDescriptorSet (protoc --descriptor_set_out)"));
    }
    catalog->raw_bytes_ += *bytes;
    for (const google::protobuf::FileDescriptorProto& file : set.file()) {
      // A file already loaded from an earlier set (descriptor.proto, say) is skipped.
      if (catalog->pool_->FindFileByName(file.name()) != nullptr) continue;
      if (catalog->pool_->BuildFile(file) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": file ", file.name(),
            " does not link (a dependency missing or listed after it; use --include_imports)"));
      }
      catalog->file_names_.push_back(file.name());
    }
  }
  for (const std::string& file_name : catalog->file_names_) {
    const google::protobuf::FileDescriptor* file = catalog->pool_->FindFileByName(file_name);
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        catalog->methods_.emplace(
            absl::StrCat(service->full_name(), "/", service->method(m)->name()),
            service->method(m));
      }
    }
  }
  return std::unique_ptr<const DescriptorCatalog>(std::move(catalog));
}

const google::protobuf::MethodDescriptor* DescriptorCatalog::FindMethod(
    absl::string_view name) const {
  auto it = methods_.find(CanonicalMethodName(name));
  return it == methods_.end() ? nullptr : it->second;
}

std::vector<std::string> DescriptorCatalog::ServiceNames() const {
  std::vector<std::string> names;
  for (const std::string& file_name : file_names_) {
    const google::protobuf::FileDescriptor* file = pool_->FindFileByName(file_name);
    for (int i = 0; i < file->service_count(); ++i) names.push_back(file->service(i)->full_name());
  }
  return names;
}

absl::string_view CanonicalMethodName(absl::string_view grpc_path) {
  if (!grpc_path.empty() && grpc_path.front() == '/') grpc_path.remove_prefix(1);
  return grpc_path;
}

std::string DefaultDescriptorSetPath() {
  char buffer[PATH_MAX];
  ssize_t size = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (size <= 0) return "share/pasarela/pasarela.desc";
  std::string exe(buffer, static_cast<size_t>(size));
  std::string bin_dir = exe.substr(0, exe.rfind('/'));
  return absl::StrCat(bin_dir, "/../share/pasarela/pasarela.desc");
}

}  // namespace pasarela

namespace pasarela {

std::vector<std::string> DefaultDescriptorSetPaths() {
  std::string canonical = DefaultDescriptorSetPath();
  std::vector<std::string> paths = {canonical};
  std::string national = canonical.substr(0, canonical.rfind('/') + 1) + "national.desc";
  if (::access(national.c_str(), R_OK) == 0) paths.push_back(national);
  return paths;
}

}  // namespace pasarela
