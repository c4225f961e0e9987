// Helpers the mapping tests share: the descriptor catalog of the canonical and national sets, the
// pilot's mappings, dynamic messages from JSON, and throwaway mapping directories.
#ifndef PASARELA_TESTS_MAPPING_MAPPING_TEST_SUPPORT_H_
#define PASARELA_TESTS_MAPPING_MAPPING_TEST_SUPPORT_H_

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <map>
#include <memory>
#include <string>

#include "gateway/mapping/mapping.h"
#include "gateway/policy/descriptor_catalog.h"

namespace pasarela {
namespace testing {

std::string SourceDir();
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& contents);

// The canonical and national descriptor sets, loaded once per process.
const DescriptorCatalog& Catalog();
// policies/mappings of the repository, loaded once per process.
const MappingSet& PilotMappings();

// A new, empty message of `type` (full name) from the catalog's pool.
std::unique_ptr<google::protobuf::Message> NewMessage(const std::string& type);
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type);
// Parses `json` as a message of `type`; dies on a parse error.
std::unique_ptr<google::protobuf::Message> FromJson(const std::string& type,
                                                    const std::string& json);
std::string ToJson(const google::protobuf::Message& message);

// A fresh directory under the test's temporary directory, holding `files` (name -> contents).
std::string MakeMappingDir(const std::map<std::string, std::string>& files);

}  // namespace testing
}  // namespace pasarela

#endif  // PASARELA_TESTS_MAPPING_MAPPING_TEST_SUPPORT_H_
