// Typographic spaces and dashes that print like the ASCII separators of identifiers, dates and
// phone numbers: word processors and forms write "12.531.909‐2" with U+2010 and "20 123 456" with
// no-break spaces. The detectors' patterns are written for ASCII; DetectorSet::Scan folds these
// characters first, and the validators drop them with the other separators.
//
// Pure functions of their arguments: safe from any thread.

#ifndef PASARELA_GATEWAY_CLASSIFY_TYPOGRAPHIC_H_
#define PASARELA_GATEWAY_CLASSIFY_TYPOGRAPHIC_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pasarela::classify {

// The UTF-8 length of the typographic space or dash that starts at text[pos], 0 if none does.
// On a match, *ascii is its ASCII stand-in: ' ' for U+00A0, U+2000-U+200A, U+202F, U+205F and
// U+3000; '-' for U+2010-U+2015, U+2212, U+FE58, U+FE63 and U+FF0D.
size_t TypographicSeparatorAt(absl::string_view text, size_t pos, char* ascii);

// `text` with every typographic space and dash replaced by its ASCII stand-in. Returns false, and
// leaves both outputs untouched, when `text` holds none. Otherwise `*folded` is the folded text
// and `*origin` has folded->size() + 1 entries: the byte offset in `text` at which each byte of
// `*folded` starts, then text.size().
bool FoldTypographicSeparators(absl::string_view text, std::string* folded,
                               std::vector<size_t>* origin);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_TYPOGRAPHIC_H_
