#include "gateway/policy/diagnostics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/common/counted.h"
#include "gateway/common/utf8.h"

namespace pasarela {
namespace {

// A word (a run without spaces) longer than this in a message is a value pasted by mistake, a
// blob or a runaway line: it is shown by its first kShownBytes and its length, so that the error
// stays one readable line.
constexpr size_t kLongestWordShown = 200;
constexpr size_t kShownBytes = 80;

std::string ShortenLongWords(absl::string_view message) {
  std::string out;
  out.reserve(message.size());
  size_t start = 0;
  while (true) {
    size_t end = message.find(' ', start);
    if (end == absl::string_view::npos) end = message.size();
    const absl::string_view word = message.substr(start, end - start);
    if (word.size() <= kLongestWordShown) {
      out.append(word.data(), word.size());
    } else {
      size_t cut = 0;
      while (cut < word.size()) {
        const size_t length = static_cast<unsigned char>(word[cut]) < 0x80
                                  ? 1
                                  : std::max<size_t>(1, Utf8SequenceLength(word, cut));
        if (cut + length > kShownBytes) break;
        cut += length;
      }
      // Keep a closing quote, so that "found 'P111...'" still reads as a quoted value, and count
      // the value's characters without its quotes.
      const char last = word.back();
      const bool quoted = word.size() >= 2 && (last == '\'' || last == '"') && word.front() == last;
      absl::StrAppend(&out, word.substr(0, cut), "...", quoted ? std::string(1, last) : "", " (",
                      CountCharacters(word) - (quoted ? 2 : 0), " characters)");
    }
    if (end == message.size()) break;
    out.push_back(' ');
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

std::string FirstAt(const SourceLocation& first) {
  return absl::StrCat("(first at line ", first.line, ", column ", first.column, ")");
}

std::string Diagnostic::ToString() const {
  return absl::StrCat(location.ToString(), ": error: ", message);
}

void Diagnostics::Error(SourceLocation location, absl::string_view message) {
  errors_.push_back(Diagnostic{std::move(location), ShortenLongWords(message)});
}

std::string Diagnostics::ToString() const {
  std::string text;
  for (const Diagnostic& error : errors_) absl::StrAppend(&text, error.ToString(), "\n");
  return text;
}

std::string Diagnostics::CountLine(absl::string_view where) const {
  return absl::StrCat(Counted(errors_.size(), "error", "errors"), " in ", where, "\n");
}

absl::Status Diagnostics::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::string text = ToString();
  text.pop_back();
  return absl::InvalidArgumentError(text);
}

}  // namespace pasarela
