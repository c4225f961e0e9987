#include "gateway/classify/required_characters.h"

#include <cstddef>

#include "absl/strings/ascii.h"

namespace pasarela::classify {
namespace {

bool IsDigitOrAt(char c) { return static_cast<unsigned char>(c - '0') < 10 || c == '@'; }

// Escapes that match one character of a class other than "digits" (\s, \w, \D, ...) or a
// control character, or no character at all (\b, \A, \z): none of them guarantees a digit.
bool IsOtherKnownEscape(char e) {
  switch (e) {
    case 'b':
    case 'B':
    case 'A':
    case 'z':
    case 's':
    case 'S':
    case 'w':
    case 'W':
    case 'D':
    case 'n':
    case 't':
    case 'r':
    case 'f':
    case 'v':
      return true;
    default:
      return false;
  }
}

// A recursive descent over the pattern. Each piece answers whether every text it matches holds
// a digit or an '@': a sequence does when one of its parts does, alternatives when all of them do,
// a repetition when it repeats at least once something that does. Anything not understood stops
// the reading (ok_ false), so that the answer is never a guess.
class Reader {
 public:
  explicit Reader(absl::string_view pattern) : text_(pattern) {}

  bool EveryMatchHasOne() {
    const bool needs = Alternation();
    return ok_ && pos_ == text_.size() && needs;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool Consume(absl::string_view prefix) {
    if (text_.substr(pos_, prefix.size()) != prefix) return false;
    pos_ += prefix.size();
    return true;
  }
  bool Fail() {
    ok_ = false;
    pos_ = text_.size();
    return false;
  }

  bool Alternation() {
    bool all = Sequence();
    while (ok_ && Consume("|")) {
      const bool next = Sequence();
      all = all && next;
    }
    return all;
  }

  bool Sequence() {
    bool any = false;
    while (ok_ && !AtEnd() && text_[pos_] != '|' && text_[pos_] != ')') {
      const bool part = Repetition();
      any = any || part;
    }
    return any;
  }

  bool Repetition() {
    bool needs = Atom();
    while (ok_ && !AtEnd()) {
      const char c = text_[pos_];
      if (c == '*' || c == '?') {
        ++pos_;
        needs = false;
      } else if (c == '+') {
        ++pos_;
      } else if (c == '{') {
        int least = 0;
        if (!Bounds(&least)) return Fail();
        needs = needs && least > 0;
      } else {
        break;
      }
      Consume("?");  // a lazy repetition matches the same texts
    }
    return needs;
  }

  // "{n}", "{n,}" or "{n,m}": *least = n.
  bool Bounds(int* least) {
    ++pos_;  // '{'
    if (!ReadNumber(least)) return false;
    if (Consume(",")) {
      int most = 0;
      if (!AtEnd() && text_[pos_] != '}' && !ReadNumber(&most)) return false;
    }
    return Consume("}");
  }

  bool ReadNumber(int* number) {
    const size_t start = pos_;
    *number = 0;
    while (!AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_])) &&
           pos_ - start < 4) {
      *number = *number * 10 + (text_[pos_++] - '0');
    }
    return pos_ > start;
  }

  bool Atom() {
    const char c = text_[pos_];
    switch (c) {
      case '(':
        return Group();
      case '[':
        return Class();
      case '\\':
        return Escape();
      case '.':
      case '^':
      case '$':
        ++pos_;
        return false;
      case '*':
      case '+':
      case '?':
      case '{':
        return Fail();
      default:
        ++pos_;
        return IsDigitOrAt(c);  // a byte of a multibyte character is neither
    }
  }

  bool Group() {
    ++pos_;                            // '('
    if (Consume("?i)")) return false;  // flags for what follows; matches nothing itself
    if (!Consume("?:") && !Consume("?i:") && !AtEnd() && text_[pos_] == '?') return Fail();
    const bool needs = Alternation();
    if (!Consume(")")) return Fail();
    return needs;
  }

  bool Escape() {
    ++pos_;  // '\'
    if (AtEnd()) return Fail();
    const char e = text_[pos_++];
    if (e == 'd') return true;
    if (IsOtherKnownEscape(e)) return false;
    if (absl::ascii_isalnum(static_cast<unsigned char>(e))) return Fail();  // \x, \p, \Q, \1 ...
    return IsDigitOrAt(e);  // escaped punctuation stands for itself
  }

  // One end of a range or a lone member of a class: a character, or an escaped punctuation one.
  bool ClassCharacter(char* c) {
    if (AtEnd()) return Fail();
    if (text_[pos_] == '[') return Fail();  // [:alpha:] and the like
    if (text_[pos_] != '\\') {
      *c = text_[pos_++];
      return true;
    }
    ++pos_;
    if (AtEnd() || absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_]))) return Fail();
    *c = text_[pos_++];
    return true;
  }

  // True when the class is not negated and each of its members is a digit or '@'.
  bool Class() {
    ++pos_;  // '['
    const bool negated = Consume("^");
    bool all = true;
    bool first = true;
    while (ok_) {
      if (AtEnd()) return Fail();
      if (text_[pos_] == ']' && !first) {
        ++pos_;
        return !negated && all;
      }
      first = false;
      if (Consume("\\d")) continue;
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && IsOtherKnownEscape(text_[pos_ + 1])) {
        pos_ += 2;
        all = false;
        continue;
      }
      char low = 0;
      if (!ClassCharacter(&low)) return false;
      if (pos_ + 1 < text_.size() && text_[pos_] == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        char high = 0;
        if (!ClassCharacter(&high)) return false;
        const bool digits = low >= '0' && high <= '9' && low <= high;
        all = all && (digits || (low == '@' && high == '@'));
        continue;
      }
      all = all && IsDigitOrAt(low);
    }
    return false;
  }

  absl::string_view text_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

bool EveryMatchHasDigitOrAt(absl::string_view pattern) {
  return Reader(pattern).EveryMatchHasOne();
}

bool HasDigitOrAt(absl::string_view text) {
  for (char c : text) {
    // '0' to '9' and '@' lie in 0x30..0x40: one comparison passes over letters and spaces.
    const unsigned char offset = static_cast<unsigned char>(c - '0');
    if (offset <= '@' - '0' && IsDigitOrAt(c)) return true;
  }
  return false;
}

}  // namespace pasarela::classify
