// Data minimisation at the provider gateway: clears from a response every field the agreement does
// not allow to cross, and says which ones it withheld.
//
// A trimmer is compiled once per (agreement, method) from the agreement's allow-list of field
// paths against the method's response descriptor, and then applied to every response. It works
// through reflection, so it trims DynamicMessages built over a runtime DescriptorPool as well as
// generated messages. Immutable after Create: safe to use from any number of threads (each call
// trims its own message).
#ifndef PASARELA_GATEWAY_AGREEMENT_RESPONSE_TRIMMER_H_
#define PASARELA_GATEWAY_AGREEMENT_RESPONSE_TRIMMER_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pasarela {

// What a Trim withheld, as field paths from the response root in the allow-list's notation
// ("person.address", "person.identifiers.value"), each once, in the order met. Unknown fields
// (numbers the descriptor does not declare) are written "#<number>" ("person.#12"), extensions
// "[full.name]".
struct TrimReport {
  std::vector<std::string> withheld;
  bool trimmed() const { return !withheld.empty(); }
};

// Resolves a dotted path ("person.identifiers.value") in `message`: each step names a field of the
// message the previous step reached; a repeated message field may be entered (the path then
// applies to every element); a map field can only end a path. Returns the fields along the path, or
// INVALID_ARGUMENT saying where the path leaves the schema (with a "did you mean").
absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>> ResolveFieldPath(
    const google::protobuf::Descriptor* message, absl::string_view path);

class ResponseTrimmer {
 public:
  // Compiles `allowed_paths` against `response_type`. An allowed path keeps its whole subtree; a
  // message on the way to an allowed path keeps only its allowed children. An empty list allows
  // nothing. INVALID_ARGUMENT names the first path that does not resolve.
  // REQUIRES: `response_type` (and its pool) outlives the trimmer.
  static absl::StatusOr<std::unique_ptr<const ResponseTrimmer>> Create(
      const google::protobuf::Descriptor* response_type,
      const std::vector<std::string>& allowed_paths);

  ResponseTrimmer(const ResponseTrimmer&) = delete;
  ResponseTrimmer& operator=(const ResponseTrimmer&) = delete;

  // Clears from `response` everything not allowed, including unknown fields, and reports what it
  // cleared. A response of another type than the trimmer was compiled for is cleared entirely
  // (reported as "*"): nothing unchecked crosses.
  // REQUIRES: response != nullptr.
  TrimReport Trim(google::protobuf::Message* response) const;

  const google::protobuf::Descriptor* response_type() const { return response_type_; }

 private:
  // One level of the allow-list: either the whole subtree, or some fields by number.
  struct Node {
    bool keep_all = false;
    absl::flat_hash_map<int, std::unique_ptr<Node>> children;
  };

  ResponseTrimmer(const google::protobuf::Descriptor* response_type, std::unique_ptr<Node> root)
      : response_type_(response_type), root_(std::move(root)) {}

  static void TrimMessage(const Node& node, google::protobuf::Message* message,
                          const std::string& prefix, std::vector<std::string>* withheld);

  const google::protobuf::Descriptor* response_type_;
  std::unique_ptr<Node> root_;
};

using ResponseTrimmerPtr = std::unique_ptr<const ResponseTrimmer>;

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_AGREEMENT_RESPONSE_TRIMMER_H_
