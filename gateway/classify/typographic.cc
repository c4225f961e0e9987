#include "gateway/classify/typographic.h"

namespace pasarela::classify {
namespace {

unsigned char ByteAt(absl::string_view text, size_t pos) {
  return pos < text.size() ? static_cast<unsigned char>(text[pos]) : 0;
}

}  // namespace

size_t TypographicSeparatorAt(absl::string_view text, size_t pos, char* ascii) {
  const unsigned char lead = ByteAt(text, pos);
  if (lead == 0xC2) {
    if (ByteAt(text, pos + 1) != 0xA0) return 0;  // U+00A0
    *ascii = ' ';
    return 2;
  }
  const unsigned char b1 = ByteAt(text, pos + 1);
  const unsigned char b2 = ByteAt(text, pos + 2);
  if (lead == 0xE2 && b1 == 0x80) {
    if (b2 >= 0x80 && b2 <= 0x8A) {  // U+2000-U+200A
      *ascii = ' ';
      return 3;
    }
    if (b2 >= 0x90 && b2 <= 0x95) {  // U+2010-U+2015
      *ascii = '-';
      return 3;
    }
    if (b2 == 0xAF) {  // U+202F
      *ascii = ' ';
      return 3;
    }
    return 0;
  }
  if (lead == 0xE2 && b1 == 0x81 && b2 == 0x9F) {  // U+205F
    *ascii = ' ';
    return 3;
  }
  if (lead == 0xE2 && b1 == 0x88 && b2 == 0x92) {  // U+2212
    *ascii = '-';
    return 3;
  }
  if (lead == 0xE3 && b1 == 0x80 && b2 == 0x80) {  // U+3000
    *ascii = ' ';
    return 3;
  }
  if (lead == 0xEF && ((b1 == 0xB9 && (b2 == 0x98 || b2 == 0xA3)) ||  // U+FE58, U+FE63
                       (b1 == 0xBC && b2 == 0x8D))) {                 // U+FF0D
    *ascii = '-';
    return 3;
  }
  return 0;
}

bool FoldTypographicSeparators(absl::string_view text, std::string* folded,
                               std::vector<size_t>* origin) {
  size_t first = 0;
  char ascii = 0;
  while (first < text.size() && (static_cast<unsigned char>(text[first]) < 0xC2 ||
                                 TypographicSeparatorAt(text, first, &ascii) == 0)) {
    ++first;
  }
  if (first == text.size()) return false;
  folded->assign(text.data(), first);
  origin->clear();
  origin->reserve(text.size() + 1);
  for (size_t i = 0; i < first; ++i) origin->push_back(i);
  for (size_t pos = first; pos < text.size();) {
    origin->push_back(pos);
    const size_t length = TypographicSeparatorAt(text, pos, &ascii);
    if (length == 0) {
      folded->push_back(text[pos]);
      ++pos;
    } else {
      folded->push_back(ascii);
      pos += length;
    }
  }
  origin->push_back(text.size());
  return true;
}

}  // namespace pasarela::classify
