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

// How many characters `text` holds, counted by their first bytes: every byte that is not a
// continuation byte (10xxxxxx) starts one, so that malformed text counts byte by byte rather than
// not at all. The display width of text without wide or combining characters.
inline size_t CountCharacters(absl::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_UTF8_H_
