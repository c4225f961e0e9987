// Reads mapping and code-table files into specs, reporting every error at file:line:column.
// Internal to the loader.
#ifndef PASARELA_GATEWAY_MAPPING_PARSER_H_
#define PASARELA_GATEWAY_MAPPING_PARSER_H_

#include <string>
#include <vector>

#include "gateway/mapping/spec.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {
namespace mapping_internal {

struct ParsedFiles {
  std::vector<MappingSpec> mappings;
  std::vector<CodeTableSpec> tables;
};

// Parses one file and appends what it declares to *files.
void ParseMappingFile(const std::string& path, Diagnostics& diagnostics, ParsedFiles* files);

}  // namespace mapping_internal
}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_PARSER_H_
