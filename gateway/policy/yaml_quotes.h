// Where the quoted scalars of a YAML text begin and end, found in the text itself.
//
// yaml-cpp 0.7 reads a double-quoted value that is never closed to the end of the file without an
// error (`name: "Brasil` swallows every line after it), and when a quote further down closes it,
// reports a syntax error lines away from the missing quote. This scanner finds the quoted scalars
// that run past their line so that the reader can name the quote that opened them. It knows
// enough YAML for that: comments, block scalars (`|`, `>`) and flow collections; a quote inside a
// plain scalar (`it's`) opens nothing. Pure function, safe from any thread.
#ifndef PASARELA_GATEWAY_POLICY_YAML_QUOTES_H_
#define PASARELA_GATEWAY_POLICY_YAML_QUOTES_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace pasarela {

struct MultiLineQuote {
  int line = 0;      // of the opening quote, from 1
  int column = 0;    // from 1, in bytes
  char quote = '"';  // '"' or '\''
  int end_line = 0;  // of the closing quote, from 1; 0 when the text ends first
};

// The quoted scalars of `text` whose closing quote is not on the line of their opening one (or
// that are never closed), in the order of the text. A byte-order mark is not counted in columns,
// as in yaml-cpp's marks.
std::vector<MultiLineQuote> FindMultiLineQuotes(absl::string_view text);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_YAML_QUOTES_H_
