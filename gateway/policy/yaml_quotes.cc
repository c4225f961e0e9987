#include "gateway/policy/yaml_quotes.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace pasarela {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Whether a value that starts at `at` of `line` is a block scalar's indicator: `|` or `>`, then
// only chomping and indentation indicators, and spaces or a comment.
bool IsBlockScalarIndicator(absl::string_view line, size_t at) {
  if (at >= line.size() || (line[at] != '|' && line[at] != '>')) return false;
  size_t i = at + 1;
  while (i < line.size() &&
         (line[i] == '-' || line[i] == '+' || (line[i] >= '1' && line[i] <= '9'))) {
    ++i;
  }
  while (i < line.size() && IsBlank(line[i])) ++i;
  return i == line.size() || (line[i] == '#' && IsBlank(line[i - 1]));
}

size_t Indentation(absl::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

// The indentation a block scalar's lines must exceed, for an indicator at `at`: the column of
// the key it is the value of ("  - key: |": 4), or of the dash of the list item it is ("  - |": 2).
size_t BlockParentIndentation(absl::string_view line, size_t at) {
  size_t before = at;
  while (before > 0 && IsBlank(line[before - 1])) --before;
  if (before > 0 && line[before - 1] == ':') {
    size_t key = 0;
    while (true) {
      while (key < line.size() && line[key] == ' ') ++key;
      if (key + 1 < line.size() && line[key] == '-' && line[key + 1] == ' ') {
        ++key;
        continue;
      }
      return key;
    }
  }
  return before > 0 ? before - 1 : Indentation(line);
}

bool IsBlankLine(absl::string_view line) {
  for (char c : line) {
    if (!IsBlank(c)) return false;
  }
  return true;
}

}  // namespace

std::vector<MultiLineQuote> FindMultiLineQuotes(absl::string_view text) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  std::vector<MultiLineQuote> found;
  // The scalar being read across lines, if any.
  bool in_quote = false;
  MultiLineQuote open;
  int flow_depth = 0;
  // While a block scalar's lines are skipped: the indentation of the line that opened it.
  int block_parent_indent = -1;
  for (size_t n = 0; n < lines.size(); ++n) {
    const absl::string_view line = lines[n];
    const int line_number = static_cast<int>(n) + 1;
    if (block_parent_indent >= 0) {
      if (IsBlankLine(line) || static_cast<int>(Indentation(line)) > block_parent_indent) continue;
      block_parent_indent = -1;
    }
    size_t i = 0;
    // At a place where a scalar may begin: the start of the line's content, after "- ", ": ",
    // "? ", and inside a flow collection after "[", "{" and ",".
    bool value_start = true;
    if (in_quote) value_start = false;
    while (i < line.size()) {
      if (in_quote) {
        const char c = line[i];
        if (open.quote == '"' && c == '\\') {
          i += 2;
          continue;
        }
        if (c == open.quote) {
          if (open.quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            i += 2;
            continue;
          }
          in_quote = false;
          if (open.line != line_number) {
            open.end_line = line_number;
            found.push_back(open);
          }
          ++i;
          value_start = false;
          continue;
        }
        ++i;
        continue;
      }
      const char c = line[i];
      if (IsBlank(c)) {
        ++i;
        continue;
      }
      if (c == '#' && (i == 0 || IsBlank(line[i - 1]))) break;  // a comment
      if (value_start && (c == '"' || c == '\'')) {
        in_quote = true;
        open = MultiLineQuote{line_number, static_cast<int>(i) + 1, c, 0};
        ++i;
        continue;
      }
      if (value_start && IsBlockScalarIndicator(line, i)) {
        block_parent_indent = static_cast<int>(BlockParentIndentation(line, i));
        break;
      }
      const bool followed_by_blank = i + 1 == line.size() || IsBlank(line[i + 1]);
      if ((c == '-' || c == '?') && value_start && followed_by_blank) {
        ++i;
        continue;
      }
      if (c == ':' && (followed_by_blank || flow_depth > 0)) {
        value_start = true;
        ++i;
        continue;
      }
      if (value_start && (c == '[' || c == '{')) {
        ++flow_depth;
        ++i;
        continue;
      }
      if (flow_depth > 0 && (c == ']' || c == '}')) {
        --flow_depth;
        value_start = false;
        ++i;
        continue;
      }
      if (flow_depth > 0 && c == ',') {
        value_start = true;
        ++i;
        continue;
      }
      // A plain scalar: a quote or bracket in it is text, up to a ": " or a " #".
      value_start = false;
      ++i;
    }
  }
  if (in_quote) found.push_back(open);
  return found;
}

}  // namespace pasarela
