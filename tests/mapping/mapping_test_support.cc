#include "tests/mapping/mapping_test_support.h"

#include <google/protobuf/util/json_util.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace pasarela {
namespace testing {

std::string SourceDir() { return PASARELA_SOURCE_DIR; }

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFileOrDie(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

const DescriptorCatalog& Catalog() {
  static const DescriptorCatalog* const catalog = [] {
    auto loaded =
        DescriptorCatalog::Load({PASARELA_DESCRIPTOR_SET, PASARELA_NATIONAL_DESCRIPTOR_SET});
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", std::string(loaded.status().message()).c_str());
      std::abort();
    }
    return loaded->release();
  }();
  return *catalog;
}

const MappingSet& PilotMappings() {
  static const MappingSet* const set = [] {
    Diagnostics diagnostics;
    std::unique_ptr<const MappingSet> loaded =
        LoadMappings(SourceDir() + "/policies/mappings", Catalog(), diagnostics);
    if (loaded == nullptr) {
      std::fprintf(stderr, "%s\n", diagnostics.ToString().c_str());
      std::abort();
    }
    return loaded.release();
  }();
  return *set;
}

std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type) {
  static google::protobuf::DynamicMessageFactory* const factory =
      new google::protobuf::DynamicMessageFactory(&Catalog().pool());
  return std::unique_ptr<google::protobuf::Message>(factory->GetPrototype(type)->New());
}

std::unique_ptr<google::protobuf::Message> NewMessage(const std::string& type) {
  const google::protobuf::Descriptor* descriptor = Catalog().pool().FindMessageTypeByName(type);
  if (descriptor == nullptr) {
    ADD_FAILURE() << "no message type " << type;
    std::abort();
  }
  return NewMessage(descriptor);
}

std::unique_ptr<google::protobuf::Message> FromJson(const std::string& type,
                                                    const std::string& json) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(type);
  auto status = google::protobuf::util::JsonStringToMessage(json, message.get());
  EXPECT_TRUE(status.ok()) << type << ": " << status.message() << "\n" << json;
  return message;
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string MakeMappingDir(const std::map<std::string, std::string>& files) {
  static int counter = 0;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string base = tmp != nullptr ? tmp : ::testing::TempDir();
  if (!base.empty() && base.back() == '/') base.pop_back();
  std::string dir = absl::StrCat(base, "/mapping_", ::getpid(), "_", counter++);
  ::mkdir(dir.c_str(), 0755);
  RemoveAtTheEndOfAPassingProgram(dir);
  for (const auto& [name, contents] : files) {
    size_t slash = name.rfind('/');
    if (slash != std::string::npos) ::mkdir((dir + "/" + name.substr(0, slash)).c_str(), 0755);
    WriteFileOrDie(dir + "/" + name, contents);
  }
  return dir;
}

}  // namespace testing
}  // namespace pasarela
