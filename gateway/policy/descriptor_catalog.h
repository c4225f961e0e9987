// The protobuf descriptors the gateway knows at run time: the canonical services and national
// schemas, loaded from descriptor sets (protoc --descriptor_set_out --include_imports), so that an
// administrator adds a schema without a rebuild. Immutable after Load; safe to share across
// threads.
#ifndef PASARELA_GATEWAY_POLICY_DESCRIPTOR_CATALOG_H_
#define PASARELA_GATEWAY_POLICY_DESCRIPTOR_CATALOG_H_

#include <google/protobuf/descriptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela {

class DescriptorCatalog {
 public:
  // Loads and links every file of every set, in order. An error names the set and the file.
  static absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> Load(
      const std::vector<std::string>& descriptor_set_paths);

  const google::protobuf::DescriptorPool& pool() const { return *pool_; }
  // Finds "package.Service/Method" (a leading '/' is accepted), or null. One hash lookup, no
  // allocation: the data plane asks for each call's method several times.
  const google::protobuf::MethodDescriptor* FindMethod(absl::string_view name) const;
  // Every service of every loaded file, by full name.
  std::vector<std::string> ServiceNames() const;
  // The serialized FileDescriptorProto of each loaded file, by file name.
  const std::vector<std::string>& file_names() const { return file_names_; }
  // SHA-256 input: the raw bytes of the sets.
  const std::string& raw_bytes() const { return raw_bytes_; }

 private:
  DescriptorCatalog() = default;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::vector<std::string> file_names_;
  std::string raw_bytes_;
  // Every method of every loaded file, by "package.Service/Method".
  absl::flat_hash_map<std::string, const google::protobuf::MethodDescriptor*> methods_;
};

// "pasarela.identity.v1.IdentityService/GetPerson" from
// "/pasarela.identity.v1.IdentityService/GetPerson".
absl::string_view CanonicalMethodName(absl::string_view grpc_path);

// The descriptor set installed beside the binary: <bin>/../share/pasarela/pasarela.desc.
std::string DefaultDescriptorSetPath();
// The sets used when none is configured: pasarela.desc (the canonical services), then
// national.desc (the pilot countries' schemas) when it is installed beside it.
std::vector<std::string> DefaultDescriptorSetPaths();

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_DESCRIPTOR_CATALOG_H_
