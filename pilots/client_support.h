// What the pilot's command-line clients share: reading certificate files, naming status codes and
// reading metadata values.
#ifndef PASARELA_PILOTS_CLIENT_SUPPORT_H_
#define PASARELA_PILOTS_CLIENT_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <string>

namespace pasarela::pilots {

// The file's bytes; exits with status 2 naming the file when it cannot be read.
std::string ReadFileOrExit(const std::string& path, const char* program);
// "PERMISSION_DENIED" for grpc::StatusCode::PERMISSION_DENIED.
std::string StatusCodeName(grpc::StatusCode code);
// The value of `key` in `metadata`, or empty.
std::string MetadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                          const char* key);

}  // namespace pasarela::pilots

#endif  // PASARELA_PILOTS_CLIENT_SUPPORT_H_
