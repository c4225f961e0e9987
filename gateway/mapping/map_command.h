// `pasarela map`: tries a mapping offline on one message, as an administrator does before
// deploying it and as the tests do.
//
//   pasarela map --policy DIR --mapping ID [--reverse] [--descriptor-set FILE]... [--example]
//
// Loads DIR/mappings (mappings and code tables) against the descriptor sets (by default the
// canonical and national sets installed beside the binary), reads one message of the mapping's
// source type (its target type with --reverse) as protobuf JSON on `in`, and prints the mapped
// message as protobuf JSON (proto field names) on `out`. --example prints, instead, an input the
// mapping accepts. Warnings go to `err`.
// Returns 0 on success, 1 when the policy, the input or the mapping fails (the errors are on
// `err`, and name the field and the problem without repeating any value of the input, which may
// be personal data), 2 on a usage error.
#ifndef PASARELA_GATEWAY_MAPPING_MAP_COMMAND_H_
#define PASARELA_GATEWAY_MAPPING_MAP_COMMAND_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace pasarela {

// `args` are the arguments after "map".
int RunMapCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                  std::ostream& err);

// The national schemas' descriptor set installed beside the binary:
// <bin>/../share/pasarela/national.desc.
std::string DefaultNationalDescriptorSetPath();

// The sets a mapping needs by default: the canonical set, then the national set.
std::vector<std::string> DefaultMappingDescriptorSetPaths();

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_MAPPING_MAP_COMMAND_H_
