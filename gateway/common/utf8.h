// Checks of UTF-8 text, byte by byte. Overlong forms, surrogates (U+D800..U+DFFF) and code points
// beyond U+10FFFF are not valid, as in RFC 3629. Pure functions, safe from any thread.
#ifndef PASARELA_GATEWAY_COMMON_UTF8_H_
#define PASARELA_GATEWAY_COMMON_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace pasarela {

// The length of the valid multi-byte UTF-8 sequence starting at text[i] (2 to 4), or 0 when the
// bytes there are not one (an ASCII byte included).
// REQUIRES: i < text.size().
size_t Utf8SequenceLength(absl::string_view text, size_t i);

// The offset of the first byte of `text` that is not part of valid UTF-8, or npos when all is.
size_t FirstInvalidUtf8(absl::string_view text);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_UTF8_H_
