#include "gateway/common/json_syntax.h"

#include <algorithm>
#include <cstddef>

#include "absl/strings/ascii.h"
#include "gateway/common/utf8.h"

namespace pasarela {
namespace {

constexpr int kMaxDepth = 1000;

// A recursive-descent reader of the grammar of RFC 8259 that stops at the first error.
class JsonSyntaxChecker {
 public:
  explicit JsonSyntaxChecker(absl::string_view text) : text_(text) {}

  absl::optional<JsonSyntaxError> Check() {
    SkipWhitespace();
    if (!Value(0)) return error_;
    SkipWhitespace();
    if (at_ < text_.size()) {
      Fail(at_, "text after the end of the JSON value");
      return error_;
    }
    return absl::nullopt;
  }

 private:
  bool AtEnd() const { return at_ >= text_.size(); }
  char Peek() const { return text_[at_]; }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++at_;
    }
  }

  // Records the error at byte `offset`; returns false for the caller to return.
  bool Fail(size_t offset, const std::string& problem) {
    const absl::string_view before = text_.substr(0, offset);
    const size_t line_start = before.rfind('\n') + 1;  // 0 on the first line
    JsonSyntaxError error;
    error.line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    error.column = 1 + static_cast<int>(CountCharacters(before.substr(line_start)));
    error.problem = problem;
    error_ = error;
    return false;
  }

  // Fails at the current place: "the input ends ..." at the end, `expected` otherwise.
  bool Expected(const std::string& expected) {
    if (AtEnd()) return Fail(at_, "the input ends where " + expected + " should be");
    return Fail(at_, "expected " + expected);
  }

  bool Value(int depth) {
    if (AtEnd()) return Expected("a value");
    switch (Peek()) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (Peek() == '-' || absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
          return Number();
        }
        return Expected("a value");
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(at_, word.size()) != word) return Expected("a value");
    at_ += word.size();
    return true;
  }

  bool Digits() {
    if (AtEnd() || !absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
      return Expected("a digit");
    }
    while (!AtEnd() && absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++at_;
    return true;
  }

  bool Number() {
    if (Peek() == '-') ++at_;
    if (!AtEnd() && Peek() == '0') {
      ++at_;
    } else if (!Digits()) {
      return false;
    }
    if (!AtEnd() && Peek() == '.') {
      ++at_;
      if (!Digits()) return false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++at_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++at_;
      if (!Digits()) return false;
    }
    return true;
  }

  bool String() {
    const size_t start = at_++;
    while (!AtEnd()) {
      const unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c < 0x20) return Fail(at_, "a control character inside a string (escape it)");
      if (c != '\\') {
        ++at_;
        continue;
      }
      const size_t escape = at_++;
      if (AtEnd()) break;
      const char kind = Peek();
      if (kind == 'u') {
        ++at_;
        for (int i = 0; i < 4; ++i, ++at_) {
          if (AtEnd()) break;
          if (!absl::ascii_isxdigit(static_cast<unsigned char>(Peek()))) {
            return Fail(escape, "an invalid \\u escape (four hexadecimal digits expected)");
          }
        }
      } else if (kind == '"' || kind == '\\' || kind == '/' || kind == 'b' || kind == 'f' ||
                 kind == 'n' || kind == 'r' || kind == 't') {
        ++at_;
      } else {
        return Fail(escape, "an invalid escape in a string");
      }
    }
    return Fail(start, "a string that is never closed");
  }

  // Steps over the opening bracket of a container; `*empty` when its `close` follows at once.
  bool Open(int depth, char close, bool* empty) {
    if (depth > kMaxDepth) return Fail(at_, "values nested deeper than 1000 levels");
    ++at_;
    SkipWhitespace();
    *empty = !AtEnd() && Peek() == close;
    if (*empty) ++at_;
    return true;
  }

  // After a container's element: a ',' (another element follows) or `close` (`*closed`).
  bool Separator(char close, bool* closed) {
    SkipWhitespace();
    *closed = !AtEnd() && Peek() == close;
    if (*closed) {
      ++at_;
      return true;
    }
    if (AtEnd() || Peek() != ',') return Expected(std::string("',' or '") + close + "'");
    ++at_;
    SkipWhitespace();
    return true;
  }

  bool Object(int depth) {
    bool closed = false;
    if (!Open(depth, '}', &closed)) return false;
    while (!closed) {
      if (AtEnd() || Peek() != '"') return Expected("a field name in double quotes");
      if (!String()) return false;
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Expected("':' after the field name");
      ++at_;
      SkipWhitespace();
      if (!Value(depth) || !Separator('}', &closed)) return false;
    }
    return true;
  }

  bool Array(int depth) {
    bool closed = false;
    if (!Open(depth, ']', &closed)) return false;
    while (!closed) {
      if (!Value(depth) || !Separator(']', &closed)) return false;
    }
    return true;
  }

  absl::string_view text_;
  size_t at_ = 0;
  absl::optional<JsonSyntaxError> error_;
};

}  // namespace

absl::optional<JsonSyntaxError> FindJsonSyntaxError(absl::string_view text) {
  return JsonSyntaxChecker(text).Check();
}

}  // namespace pasarela
