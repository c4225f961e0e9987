// Text from a record or a file, made safe to print on one line of a terminal, a TSV row or a
// table cell: a value cannot break the line, shift a column or send escape sequences to the
// reader's terminal. Pure function, safe from any thread.
#ifndef PASARELA_GATEWAY_COMMON_ONE_LINE_H_
#define PASARELA_GATEWAY_COMMON_ONE_LINE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace pasarela {

// `text` with a backslash written as \\, tab, line feed and carriage return as \t, \n and \r,
// and every other control character (U+0000..U+001F, U+007F) and every byte that is not part of
// valid UTF-8 as \xNN (two lower-case hex digits), and the C1 controls (U+0080..U+009F) as
// \uNNNN. Other valid UTF-8 is kept as it is, and text with none of these comes back unchanged.
std::string EscapeForOneLine(absl::string_view text);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_ONE_LINE_H_
