// Where a text stops being JSON (RFC 8259), so that an error can point at the place: protobuf's
// JSON parser says only that its input is malformed. Checks the syntax alone: names, types and
// values are for the parser that reads the text afterwards. Names the place and what was
// expected there, never the text itself (it may hold personal data).
//
// Thread safety: a pure function.
#ifndef PASARELA_GATEWAY_COMMON_JSON_SYNTAX_H_
#define PASARELA_GATEWAY_COMMON_JSON_SYNTAX_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace pasarela {

struct JsonSyntaxError {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in characters (UTF-8 code points) of its line
  // "expected ':' after the field name", "a string that is never closed", ...
  std::string problem;
};

// The first place where `text` is not a single JSON value (with whitespace around it), or nullopt
// when it is one. Values nested deeper than 1,000 levels are reported as an error too.
absl::optional<JsonSyntaxError> FindJsonSyntaxError(absl::string_view text);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_JSON_SYNTAX_H_
