#include "gateway/mapping/text.h"

#include <cstdint>
#include <vector>

namespace pasarela {
namespace text {
namespace {

// Decodes one code point at text[*pos] and advances; an invalid byte decodes as itself (so that
// nothing is lost), U+FFFD is never invented.
uint32_t Next(absl::string_view text, size_t* pos) {
  unsigned char lead = static_cast<unsigned char>(text[*pos]);
  int length = lead < 0x80           ? 1
               : (lead >> 5) == 0x6  ? 2
               : (lead >> 4) == 0xE  ? 3
               : (lead >> 3) == 0x1E ? 4
                                     : 0;
  if (length == 0 || *pos + length > text.size()) {
    ++*pos;
    return lead | 0x80000000u;  // marks a raw byte
  }
  uint32_t code = length == 1 ? lead : lead & (0x7F >> length);
  for (int i = 1; i < length; ++i) {
    unsigned char continuation = static_cast<unsigned char>(text[*pos + i]);
    if ((continuation >> 6) != 0x2) {
      ++*pos;
      return lead | 0x80000000u;
    }
    code = (code << 6) | (continuation & 0x3F);
  }
  *pos += length;
  return code;
}

void Append(uint32_t code, std::string* out) {
  if (code & 0x80000000u) {
    out->push_back(static_cast<char>(code & 0xFF));
  } else if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

bool IsSpace(uint32_t code) {
  return code == ' ' || code == '\t' || code == '\n' || code == '\r' || code == '\f' ||
         code == '\v' || code == 0xA0;
}

// Latin Extended-A (U+0100..U+017F): in these ranges the upper-case letter is the even code point
// and its lower case the next one; from U+0139 to U+0148 and U+0179 to U+017E it is the odd one.
bool ExtendedAUpperIsEven(uint32_t code) {
  return (code >= 0x100 && code <= 0x137) || (code >= 0x14A && code <= 0x177);
}
bool ExtendedAUpperIsOdd(uint32_t code) {
  return (code >= 0x139 && code <= 0x148) || (code >= 0x179 && code <= 0x17E);
}

uint32_t Upper(uint32_t code) {
  if (code & 0x80000000u) return code;
  if (code >= 'a' && code <= 'z') return code - 32;
  if (code >= 0xE0 && code <= 0xFE && code != 0xF7) return code - 32;
  if (code == 0xFF) return 0x178;
  if (code == 0x131) return 'I';
  if (code == 0x17F) return 'S';
  if (ExtendedAUpperIsEven(code) && (code & 1)) return code - 1;
  if (ExtendedAUpperIsOdd(code) && !(code & 1)) return code - 1;
  return code;
}

uint32_t Lower(uint32_t code) {
  if (code & 0x80000000u) return code;
  if (code >= 'A' && code <= 'Z') return code + 32;
  if (code >= 0xC0 && code <= 0xDE && code != 0xD7) return code + 32;
  if (code == 0x178) return 0xFF;
  if (code == 0x130) return 'i';
  if (ExtendedAUpperIsEven(code) && !(code & 1)) return code + 1;
  if (ExtendedAUpperIsOdd(code) && (code & 1)) return code + 1;
  return code;
}

// Base letters of U+00C0..U+00FF; "" keeps the character (U+00D7, U+00F7).
const char* const kLatin1Fold[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",
    "D", "N", "O", "O", "O", "O", "O",  "",  "O", "U", "U", "U", "U", "Y", "TH", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// Base letters of U+0100..U+017F.
const char* const kExtendedAFold[128] = {
    "A", "a", "A",  "a",  "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    "D", "d", "E",  "e",  "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    "G", "g", "G",  "g",  "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    "l", "L", "l",  "N",  "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    "S", "s", "T",  "t",  "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    "U", "u", "U",  "u",  "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s"};

template <typename F>
std::string MapCodes(absl::string_view text, F f) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    // An ASCII byte is its own code point, and case mapping keeps it ASCII: no decoding needed.
    const unsigned char byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      out.push_back(static_cast<char>(f(byte)));
      ++pos;
      continue;
    }
    Append(f(Next(text, &pos)), &out);
  }
  return out;
}

}  // namespace

std::string Trim(absl::string_view text) {
  size_t pos = 0;
  size_t begin = text.size();
  size_t end = 0;
  while (pos < text.size()) {
    size_t start = pos;
    uint32_t code = Next(text, &pos);
    if (!IsSpace(code)) {
      if (begin == text.size()) begin = start;
      end = pos;
    }
  }
  if (begin >= end) return "";
  return std::string(text.substr(begin, end - begin));
}

bool IsBlank(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (!IsSpace(Next(text, &pos))) return false;
  }
  return true;
}

std::string CollapseSpaces(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char byte = static_cast<unsigned char>(text[pos]);
    const uint32_t code = byte < 0x80 ? text[pos++] : Next(text, &pos);  // ASCII: no decoding
    if (IsSpace(code)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    Append(code, &out);
  }
  return out;
}

std::string ToUpper(absl::string_view text) { return MapCodes(text, Upper); }

std::string ToLower(absl::string_view text) { return MapCodes(text, Lower); }

std::string ToTitle(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool start_of_word = true;
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t code = Next(text, &pos);
    Append(start_of_word ? Upper(code) : Lower(code), &out);
    start_of_word = IsSpace(code) || code == '-' || code == '\'' || code == 0x2019;
  }
  return out;
}

std::string FoldAccents(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t code = Next(text, &pos);
    const char* base = nullptr;
    if (code >= 0xC0 && code <= 0xFF) base = kLatin1Fold[code - 0xC0];
    if (code >= 0x100 && code <= 0x17F) base = kExtendedAFold[code - 0x100];
    if (base != nullptr && *base != '\0') {
      out += base;
    } else {
      Append(code, &out);
    }
  }
  return out;
}

std::string RemoveCharacters(absl::string_view text, absl::string_view characters) {
  std::vector<uint32_t> removed;
  size_t pos = 0;
  while (pos < characters.size()) removed.push_back(Next(characters, &pos));
  std::string out;
  out.reserve(text.size());
  pos = 0;
  while (pos < text.size()) {
    uint32_t code = Next(text, &pos);
    bool drop = false;
    for (uint32_t candidate : removed) drop = drop || candidate == code;
    if (!drop) Append(code, &out);
  }
  return out;
}

std::string ComparableName(absl::string_view text) {
  std::string folded = ToLower(FoldAccents(text));
  std::string out;
  out.reserve(folded.size());
  for (char c : folded) {
    if (c == '-' || c == '_' || c == ',') {
      out.push_back(' ');
    } else if (c != '\'' && c != '.' && c != '`') {
      out.push_back(c);
    }
  }
  // U+2019 (typographic apostrophe) is three bytes; drop it as the ASCII one.
  std::string without_quote;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i + 2 < out.size() && static_cast<unsigned char>(out[i]) == 0xE2 &&
        static_cast<unsigned char>(out[i + 1]) == 0x80 &&
        static_cast<unsigned char>(out[i + 2]) == 0x99) {
      i += 2;
      continue;
    }
    without_quote.push_back(out[i]);
  }
  return CollapseSpaces(without_quote);
}

}  // namespace text
}  // namespace pasarela
