#include "pilots/client_support.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/status/status.h"

namespace pasarela::pilots {

std::string ReadFileOrExit(const std::string& path, const char* program) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << program << ": cannot read " << path << "\n";
    std::exit(2);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string StatusCodeName(grpc::StatusCode code) {
  // gRPC's codes are absl's, number for number.
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? "UNKNOWN" : name;
}

std::string MetadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                          const char* key) {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace pasarela::pilots
