#include "gateway/classify/context.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"

namespace pasarela::classify {
namespace {

// Base letter of the Latin-1 Supplement letters U+00C0..U+00FF (second UTF-8 byte 0x80..0xBF
// after 0xC3), lower case; 0 where there is none (×, ÷).
constexpr char kLatin1Fold[64] = {
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // C0-CF
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 't', 's',  // D0-DF
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // E0-EF
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 't', 'y',  // F0-FF
};

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string FoldForContext(absl::string_view text, bool keep_case) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back(' ');
  auto put_space = [&out] {
    if (out.back() != ' ') out.push_back(' ');
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (absl::ascii_isalnum(c)) {
        out.push_back(keep_case ? static_cast<char>(c) : absl::ascii_tolower(c));
      } else {
        put_space();
      }
      continue;
    }
    if (c == 0xC3 && i + 1 < text.size() &&
        IsContinuation(static_cast<unsigned char>(text[i + 1]))) {
      const char folded = kLatin1Fold[static_cast<unsigned char>(text[i + 1]) - 0x80];
      ++i;
      if (folded != 0) {
        out.push_back(folded);
      } else {
        put_space();
      }
      continue;
    }
    if (c == 0xC2 && i + 1 < text.size() &&
        IsContinuation(static_cast<unsigned char>(text[i + 1]))) {
      // U+0080..U+00BF: punctuation and symbols (º, ª, °, «, », NBSP). ª and º read as letters
      // in "Nº"; the rest separate words.
      const unsigned char next = static_cast<unsigned char>(text[i + 1]);
      ++i;
      if (next == 0xBA) {
        out.push_back('o');
      } else if (next == 0xAA) {
        out.push_back('a');
      } else {
        put_space();
      }
      continue;
    }
    out.push_back(static_cast<char>(c));
  }
  put_space();
  return out;
}

std::string ContextBefore(absl::string_view text, size_t pos, bool keep_case) {
  size_t begin = pos > kContextBytes ? pos - kContextBytes : 0;
  // Do not start in the middle of a UTF-8 sequence.
  while (begin < pos && IsContinuation(static_cast<unsigned char>(text[begin]))) ++begin;
  const std::string folded = FoldForContext(text.substr(begin, pos - begin), keep_case);
  // Walk the tokens backwards. A token with a digit is another value ("RUT 76.132.675-9, DNI
  // 09376627-5"): the words before it are its context, not ours, so the window stops there. When
  // the byte window was cut, its first token may be partial and is dropped.
  std::vector<absl::string_view> tokens;
  size_t end = folded.size() - 1;  // folded ends with a space
  while (tokens.size() < kContextTokens && end > 0) {
    const size_t space = folded.rfind(' ', end - 1);
    const absl::string_view token = absl::string_view(folded).substr(space + 1, end - space - 1);
    if (space == 0 && begin > 0) break;
    if (std::any_of(token.begin(), token.end(),
                    [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
      break;
    }
    tokens.push_back(token);
    end = space;
  }
  std::string window = " ";
  for (size_t i = tokens.size(); i-- > 0;) {
    window.append(tokens[i].data(), tokens[i].size());
    window.push_back(' ');
  }
  return window;
}

bool ContainsAnyPhrase(absl::string_view folded_context, absl::Span<const std::string> phrases) {
  for (const std::string& p : phrases) {
    if (folded_context.find(p) != absl::string_view::npos) return true;
  }
  return false;
}

}  // namespace pasarela::classify
