#include "gateway/common/one_line.h"

#include "absl/strings/str_format.h"
#include "gateway/common/utf8.h"

namespace pasarela {

std::string EscapeForOneLine(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text, i);
      // C1 controls (U+0080..U+009F) are valid UTF-8 that some terminals obey.
      const unsigned char next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
      if (length == 2 && c == 0xC2 && next < 0xA0) {
        absl::StrAppendFormat(&out, "\\u%04x", next);
        i += 2;
        continue;
      }
      if (length > 0) {
        out.append(text.data() + i, length);
        i += length;
        continue;
      }
    }
    ++i;
    switch (c) {
      case '\\':
        out += "\\\\";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f || c >= 0x80) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace pasarela
