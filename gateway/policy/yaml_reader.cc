#include "gateway/policy/yaml_reader.h"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/common/file.h"
#include "gateway/common/utf8.h"
#include "gateway/policy/yaml_quotes.h"

namespace pasarela {
namespace {

const char* NodeKindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "something else";
}

// The edit distance between a and b if it is at most `limit`, otherwise limit + 1. An edit is a
// letter added, dropped or changed, or two neighbouring letters swapped ("nmae" is one edit from
// "name"), the commonest slip of a typist. Only the band of cells within `limit` of the diagonal
// can hold such a distance, and a row whose every cell exceeds `limit` ends the search (no later
// cell can come back under it, a swap included): a suggestion is wanted for near misses only, and
// `pasarela policy lint` may meet a long line of garbage where a key should be.
size_t BoundedEditDistance(absl::string_view a, absl::string_view b, size_t limit,
                           std::vector<size_t>& rows) {
  const size_t beyond = limit + 1;
  const size_t length_gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (length_gap > limit) return beyond;
  const size_t width = b.size() + 1;
  rows.assign(3 * width, beyond);
  size_t* before = rows.data();        // row i - 2, for swaps
  size_t* previous = before + width;   // row i - 1
  size_t* current = previous + width;  // row i
  for (size_t j = 0; j <= std::min(b.size(), limit); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    std::fill(current, current + width, beyond);
    if (i <= limit) current[0] = i;
    const size_t first = i > limit ? i - limit : 1;
    const size_t last = std::min(b.size(), i + limit);
    size_t row_minimum = current[0];
    for (size_t j = first; j <= last; ++j) {
      size_t distance = std::min(std::min(previous[j], current[j - 1]) + 1,
                                 previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        distance = std::min(distance, before[j - 2] + 1);
      }
      current[j] = std::min(distance, beyond);
      row_minimum = std::min(row_minimum, current[j]);
    }
    if (row_minimum > limit) return beyond;
    size_t* spare = before;
    before = previous;
    previous = current;
    current = spare;
  }
  return previous[b.size()];
}

// The key whose value is `node` somewhere under `tree`, or an undefined node.
YAML::Node KeyOf(const YAML::Node& tree, const YAML::Node& node) {
  if (tree.IsMap()) {
    for (auto it = tree.begin(); it != tree.end(); ++it) {
      if (it->second.is(node)) return it->first;
      YAML::Node key = KeyOf(it->second, node);
      if (key.IsDefined()) return key;
    }
  } else if (tree.IsSequence()) {
    for (const YAML::Node& item : tree) {
      YAML::Node key = KeyOf(item, node);
      if (key.IsDefined()) return key;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// The line (from 1) where a second YAML document begins, 0 when there is one document: a "---"
// at the start of a line after the first document's content or its own "---", or content after
// a "..." that ended the first. Both markers are only markers at the start of a line.
int SecondDocumentLine(absl::string_view text) {
  bool begun = false;
  bool ended = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const bool start =
        absl::StartsWith(line, "---") &&
        (line.size() == 3 || absl::ascii_isspace(static_cast<unsigned char>(line[3])));
    const bool end = absl::StartsWith(line, "...") &&
                     (line.size() == 3 || absl::ascii_isspace(static_cast<unsigned char>(line[3])));
    const absl::string_view stripped = absl::StripLeadingAsciiWhitespace(line);
    const bool content = !stripped.empty() && stripped[0] != '#' && stripped[0] != '%';
    if (start) {
      if (begun) return line_number;
      begun = true;
    } else if (end) {
      ended = true;
    } else if (content) {
      if (ended) return line_number;
      begun = true;
    }
  }
  return 0;
}

// A character that looks like a space and is not one to YAML: a tab in the indentation of the
// line (from 0) where yaml-cpp reported a syntax error, or a no-break space (U+00A0), which word
// processors and web pages put in text copied from them, on that line or the one before (yaml-cpp
// often stumbles a line later). yaml-cpp names neither ("illegal map value"), which leaves whoever
// reads the error to guess an invisible character.
struct Lookalike {
  int line = 0;    // from 1
  int column = 0;  // from 1, in bytes as yaml-cpp's marks
  const char* found = "";
  const char* expected = "";
};

absl::optional<Lookalike> LookalikeSpaceNear(absl::string_view text, int line) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // yaml-cpp's columns do not count a BOM
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (line < 0 || line >= static_cast<int>(lines.size())) return absl::nullopt;
  const absl::string_view here = lines[line];
  for (size_t i = 0; i < here.size() && (here[i] == ' ' || here[i] == '\t'); ++i) {
    if (here[i] == '\t') {
      return Lookalike{line + 1, static_cast<int>(i) + 1, "a tab in the indentation",
                       "spaces only"};
    }
  }
  for (int at = line; at >= 0 && at >= line - 1; --at) {
    const size_t nbsp = lines[at].find("\xC2\xA0");
    if (nbsp != absl::string_view::npos) {
      return Lookalike{at + 1, static_cast<int>(nbsp) + 1, "a no-break space (U+00A0)",
                       "an ordinary space"};
    }
  }
  return absl::nullopt;
}

// Where the content of a line starts, from 1, after its indentation and any "- " of list items;
// 0 for a blank or comment line.
int ContentColumn(absl::string_view line) {
  size_t at = 0;
  while (true) {
    while (at < line.size() && line[at] == ' ') ++at;
    if (at < line.size() && line[at] == '-' &&
        (at + 1 == line.size() || line[at + 1] == ' ' || line[at + 1] == '\r')) {
      ++at;
      continue;
    }
    break;
  }
  if (at == line.size() || line[at] == '#' || line[at] == '\r') return 0;
  return static_cast<int>(at) + 1;
}

// For a structural syntax error at `line` (from 0): when that line's content and the content of
// the line before it (comments and blank lines aside) start in different columns, says so.
// yaml-cpp reports a misindented key as "illegal map value" or "end of sequence not found",
// which does not name the indentation, the usual cause in a hand-edited file.
std::string IndentationHint(absl::string_view text, int line) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // yaml-cpp's columns do not count a BOM
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (line <= 0 || line >= static_cast<int>(lines.size())) return "";
  const int here = ContentColumn(lines[line]);
  if (here == 0) return "";
  for (int before = line - 1; before >= 0; --before) {
    const int there = ContentColumn(lines[before]);
    if (there == 0) continue;
    if (there == here) return "";
    return absl::StrCat("; line ", line + 1, " starts in column ", here, " and line ", before + 1,
                        " in column ", there,
                        ": the keys of one mapping start in the same column, and only a key with "
                        "nothing after its colon opens a block further in");
  }
  return "";
}

// For a syntax error at `error_line` (from 1): the nearest quoted value opened before it that
// runs past its own line to the error's line or the one before, which is how a missing closing
// quote shows (the next quote closes the value, and what follows it no longer fits). Empty when
// there is none.
std::string UnclosedQuoteHint(absl::string_view text, int error_line) {
  const std::vector<MultiLineQuote> quotes = FindMultiLineQuotes(text);
  const MultiLineQuote* nearest = nullptr;
  for (const MultiLineQuote& quote : quotes) {
    // A value closed well before the error is one quoted over several lines on purpose.
    const bool reaches_the_error = quote.end_line == 0 || quote.end_line + 1 >= error_line;
    if (quote.line <= error_line && reaches_the_error) nearest = &quote;
  }
  if (nearest == nullptr) return "";
  return absl::StrCat("; the quoted value opened at line ", nearest->line, ", column ",
                      nearest->column, " runs on to ",
                      nearest->end_line == 0 ? std::string("the end of the file")
                                             : absl::StrCat("line ", nearest->end_line),
                      ": is its closing ", std::string(1, nearest->quote), " missing?");
}

// Whether a scalar of the tree under `node`, a key or a value, begins at the 0-based `line` and
// `column`.
bool BeginsAScalar(const YAML::Node& node, int line, int column) {
  if (node.IsScalar()) return node.Mark().line == line && node.Mark().column == column;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      if (BeginsAScalar(item, line, column)) return true;
    }
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      if (BeginsAScalar(entry.first, line, column) || BeginsAScalar(entry.second, line, column)) {
        return true;
      }
    }
  }
  return false;
}

// Reports every node of the tree under `node` that carries an explicit YAML tag (`!!int 5`,
// `!custom x`), but `!!str`, which only says what the reader does anyway.
void ReportTags(const std::string& path, const YAML::Node& node, Diagnostics& diagnostics) {
  const std::string& tag = node.Tag();
  constexpr absl::string_view kCoreTagPrefix = "tag:yaml.org,2002:";
  // "?" is a plain node's tag, "!" a quoted scalar's: neither is written.
  if (tag != "?" && tag != "!" && !tag.empty() && tag != "tag:yaml.org,2002:str") {
    const std::string written = absl::StartsWith(tag, kCoreTagPrefix)
                                    ? absl::StrCat("!!", tag.substr(kCoreTagPrefix.size()))
                                    : tag;
    const YAML::Mark mark = node.Mark();
    diagnostics.Error(SourceLocation{path, mark.line + 1, mark.column + 1},
                      absl::StrCat("found the YAML tag ", written,
                                   ", which a policy file does not use: every value is read as "
                                   "written; remove the tag"));
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) ReportTags(path, item, diagnostics);
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      ReportTags(path, entry.first, diagnostics);
      ReportTags(path, entry.second, diagnostics);
    }
  }
}

// yaml-cpp's errors about the structure of a block, which a misindented line causes.
bool IsStructureError(const std::string& message) {
  for (const char* structural :
       {YAML::ErrorMsg::MAP_VALUE, YAML::ErrorMsg::MAP_KEY, YAML::ErrorMsg::END_OF_MAP,
        YAML::ErrorMsg::END_OF_SEQ, YAML::ErrorMsg::BLOCK_ENTRY}) {
    if (message == structural) return true;
  }
  return false;
}

}  // namespace

SourceLocation NodeLocation(const std::string& file, const YAML::Node& root,
                            const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (node.IsNull()) {
    YAML::Node key = KeyOf(root, node);
    if (key.IsDefined()) mark = key.Mark();
  }
  if (mark.is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

YamlFile ParseYamlText(const std::string& path, std::string contents, Diagnostics& diagnostics) {
  YamlFile file{path, std::move(contents), YAML::Node()};
  // Where byte `offset` is, 1-based. yaml-cpp's marks, and so every column the loader reports,
  // count bytes.
  auto location_of = [&file](size_t offset) {
    const size_t line_start = file.contents.rfind('\n', offset) + 1;  // 0 on the first line
    const int line = 1 + static_cast<int>(std::count(file.contents.begin(),
                                                     file.contents.begin() + line_start, '\n'));
    return SourceLocation{file.path, line, 1 + static_cast<int>(offset - line_start)};
  };
  // yaml-cpp passes invalid UTF-8 through, and protobuf string fields then refuse it.
  const size_t invalid = FirstInvalidUtf8(file.contents);
  if (invalid != absl::string_view::npos) {
    diagnostics.Error(location_of(invalid),
                      absl::StrFormat("invalid UTF-8 (byte 0x%02X): save the file as UTF-8",
                                      static_cast<unsigned char>(file.contents[invalid])));
    return file;
  }
  // A carriage return alone is a line break to YAML 1.2 but not to yaml-cpp, which reads a file
  // saved with the line endings of classic Mac OS as one line: "illegal map value" at column 7.
  for (size_t at = file.contents.find('\r'); at != std::string::npos;
       at = file.contents.find('\r', at + 1)) {
    if (at + 1 < file.contents.size() && file.contents[at + 1] == '\n') continue;
    diagnostics.Error(location_of(at),
                      "found a carriage return without a line feed after it (the line endings of "
                      "classic Mac OS); expected line feeds: save the file with Unix (LF) or "
                      "Windows (CRLF) line endings");
    return file;
  }
  // YAML allows no control characters but tabs and line breaks. yaml-cpp reads a NUL (the zeros
  // a crash can leave at the end of a file) as the start of an escape sequence, and passes the
  // others into values, where an error message shows them as nothing: "found 'P90D'".
  const auto control = std::find_if(file.contents.begin(), file.contents.end(), [](char c) {
    const unsigned char byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F;
  });
  if (control != file.contents.end()) {
    diagnostics.Error(location_of(control - file.contents.begin()),
                      absl::StrFormat("found a control character (byte 0x%02X), which YAML does "
                                      "not allow; expected text: remove it",
                                      static_cast<unsigned char>(*control)));
    return file;
  }
  // yaml-cpp's Load would keep the first document and drop the rest without a word. Its LoadAll
  // would say, but loops for ever on some malformed input, so the markers are found in the text.
  if (const int line = SecondDocumentLine(file.contents); line > 0) {
    diagnostics.Error(SourceLocation{path, line, 1},
                      "a second YAML document (after ---): expected one document per file");
    return file;
  }
  try {
    file.root = YAML::Load(file.contents);
  } catch (const YAML::DeepRecursion& error) {
    // yaml-cpp says only "bad file".
    diagnostics.Error(SourceLocation{path, error.mark.line + 1, error.mark.column + 1},
                      "YAML syntax error: collections nested too deeply for the YAML reader "
                      "(hundreds of levels, one inside another); expected the few levels a policy "
                      "file has: is a bracket or an indentation running away?");
    file.root = YAML::Node();
    return file;
  } catch (const YAML::Exception& error) {
    const std::string quote_hint = UnclosedQuoteHint(file.contents, error.mark.line + 1);
    if (absl::optional<Lookalike> lookalike = LookalikeSpaceNear(file.contents, error.mark.line)) {
      diagnostics.Error(SourceLocation{path, lookalike->line, lookalike->column},
                        absl::StrCat("YAML syntax error: ", error.msg, ": found ", lookalike->found,
                                     "; expected ", lookalike->expected, quote_hint));
    } else {
      diagnostics.Error(SourceLocation{path, error.mark.line + 1, error.mark.column + 1},
                        absl::StrCat("YAML syntax error: ", error.msg,
                                     // The columns of lines inside a quote that ran on say nothing.
                                     IsStructureError(error.msg) && quote_hint.empty()
                                         ? IndentationHint(file.contents, error.mark.line)
                                         : "",
                                     quote_hint));
    }
    file.root = YAML::Node();
    return file;
  }
  // yaml-cpp reads a quoted value that is never closed to the end of the file, without an error:
  // the keys after it vanish and the errors about them point elsewhere.
  for (const MultiLineQuote& quote : FindMultiLineQuotes(file.contents)) {
    // Only where yaml-cpp, too, began a scalar: a line of a plain text over several lines may
    // begin with an apostrophe.
    if (quote.end_line != 0 || !BeginsAScalar(file.root, quote.line - 1, quote.column - 1)) {
      continue;
    }
    diagnostics.Error(
        SourceLocation{path, quote.line, quote.column},
        absl::StrCat("YAML syntax error: the quoted value opened here is never closed, so YAML "
                     "reads the rest of the file into it; close it with ",
                     std::string(1, quote.quote),
                     " (a text over several lines is written after >- instead)"));
    file.root = YAML::Node();
    return file;
  }
  // A tag would make a value something else than what is written, and the reader reads every
  // value as written: `!!bool yes` would be the text "yes", `!!int 0x1F` the text "0x1F".
  const size_t errors_before_tags = diagnostics.errors().size();
  ReportTags(path, file.root, diagnostics);
  if (diagnostics.errors().size() != errors_before_tags) {
    file.root = YAML::Node();
    return file;
  }
  if (!file.root.IsDefined() || file.root.IsNull()) {
    // At 1:1 like every other error in a file, so that editors and CI annotations can jump to it.
    diagnostics.Error(SourceLocation{path, 1, 1},
                      "found no content (the file is empty or holds only comments): expected "
                      "apiVersion and kind");
    file.root = YAML::Node();
  }
  return file;
}

YamlFile ParseYamlFile(const std::string& path, Diagnostics& diagnostics) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) {
    diagnostics.Error(SourceLocation{path, 0, 0}, contents.status().message());
    return YamlFile{path, "", YAML::Node()};
  }
  return ParseYamlText(path, *std::move(contents), diagnostics);
}

absl::optional<std::vector<PolicyDirectoryEntry>> ListPolicyDirectory(const std::string& dir,
                                                                      Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  std::error_code error;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    std::string name = it->path().filename().string();
    // Hidden entries include the ..data links Kubernetes puts in a mounted ConfigMap.
    if (!name.empty() && name[0] != '.') names.push_back(std::move(name));
  }
  if (error) {
    diagnostics.Error(SourceLocation{dir, 0, 0},
                      absl::StrCat("cannot list the directory: ", error.message()));
    return absl::nullopt;
  }
  std::sort(names.begin(), names.end());
  std::vector<PolicyDirectoryEntry> entries;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(dir, "/", name);
    const size_t dot = name.rfind('.');
    const std::string extension =
        dot == std::string::npos ? "" : absl::AsciiStrToLower(name.substr(dot));
    const bool named_yaml = extension == ".yaml" || extension == ".yml";
    std::error_code status_error;
    const fs::file_status status = fs::status(path, status_error);  // through links
    auto report = [&](absl::string_view problem) {
      diagnostics.Error(SourceLocation{path, 0, 0}, problem);
    };
    if (fs::is_directory(status)) {
      if (named_yaml) {
        report("is a directory, not a policy file: rename it to a name without .yaml");
      } else {
        entries.push_back(PolicyDirectoryEntry{path, true});
      }
      continue;
    }
    if (!named_yaml) continue;
    if (!absl::EndsWith(name, ".yaml")) {
      report(
          absl::StrCat("not loaded: policy files must be named *.yaml in lower case; rename it "
                       "to ",
                       name.substr(0, dot), ".yaml"));
      continue;
    }
    if (status.type() == fs::file_type::not_found) {
      std::error_code link_error;
      const fs::path target = fs::read_symlink(path, link_error);
      report(link_error ? std::string("vanished while the directory was read")
                        : absl::StrCat("is a link to ", target.string(),
                                       ", which does not exist: restore it or remove the link"));
      continue;
    }
    if (status_error == std::errc::too_many_symbolic_link_levels) {
      report(
          "is a link that leads back to itself (a loop of links): point it at a file or remove "
          "it");
      continue;
    }
    if (status_error) {
      report(absl::StrCat("cannot read: ", status_error.message()));
      continue;
    }
    if (!fs::is_regular_file(status)) {
      report("is not a regular file: a policy file must be one");
      continue;
    }
    entries.push_back(PolicyDirectoryEntry{path, false});
  }
  return entries;
}

std::string DescribeFound(const YAML::Node& node) {
  if (node.IsScalar()) return absl::StrCat("'", node.Scalar(), "'");
  if (node.IsSequence() && node.size() == 0) return "an empty list";
  return NodeKindName(node);
}

size_t TypoLimit(size_t length) { return length <= 1 ? 0 : std::max<size_t>(1, length / 3); }

std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = TypoLimit(word.size()) + 1;
  std::vector<size_t> row;
  // Each edit changes the letter counts by at most two, so half the letters the two words do not
  // share bounds the distance from below: most candidates (the catalog's hundreds of message
  // names) fail that test after one pass over their letters.
  std::array<int32_t, 256> word_letters{};
  for (unsigned char c : word) ++word_letters[c];
  for (const std::string& candidate : candidates) {
    // An abbreviation ("warn" for "warning") is as near a miss as a typo.
    if (word.size() >= 3 && candidate.size() > word.size() && absl::StartsWith(candidate, word) &&
        best.empty()) {
      best = candidate;
    }
    std::array<int32_t, 256> unshared = word_letters;
    size_t unshared_count = word.size();
    for (unsigned char c : candidate) {
      unshared_count = unshared[c] > 0 ? unshared_count - 1 : unshared_count + 1;
      --unshared[c];
    }
    if ((unshared_count + 1) / 2 >= best_distance) continue;
    size_t distance = BoundedEditDistance(word, candidate, best_distance - 1, row);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

absl::optional<double> ParsePlainDecimal(absl::string_view text) {
  int digits = 0;
  int points = 0;
  for (char c : text) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '.') {
      ++points;
    } else {
      return absl::nullopt;
    }
  }
  double value = 0;
  if (digits == 0 || points > 1 || !absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    return absl::nullopt;
  }
  return value;
}

YamlMap::YamlMap(const YAML::Node& node, const std::string& file, Diagnostics& diagnostics,
                 std::string what)
    : node_(node), root_(node), file_(file), diagnostics_(diagnostics), what_(std::move(what)) {
  CheckIsMap();
}

YamlMap::YamlMap(const YamlMap& parent, const YAML::Node& node, std::string what)
    : node_(node),
      root_(parent.root_),
      parent_(&parent),
      file_(parent.file_),
      diagnostics_(parent.diagnostics_),
      what_(std::move(what)) {
  CheckIsMap();
}

void YamlMap::CheckIsMap() {
  valid_ = node_.IsMap();
  if (!valid_) {
    Error(node_,
          absl::StrCat(what_, ": expected a mapping (key: value), found ", NodeKindName(node_)));
    return;
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar()) values_.emplace(it->first.Scalar(), it->second);
  }
}

SourceLocation YamlMap::Location(const YAML::Node& node) const {
  return NodeLocation(file_, root_, node);
}

void YamlMap::Error(const YAML::Node& at, absl::string_view message) const {
  diagnostics_.Error(Location(at), message);
}

void YamlMap::ExpectKeys(std::initializer_list<absl::string_view> known) {
  if (!valid_) return;
  known_keys_ = std::vector<std::string>(known.begin(), known.end());
  const std::vector<std::string>& known_keys = known_keys_;
  absl::flat_hash_map<std::string, SourceLocation> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` returns a temporary
    if (!key.IsScalar()) {
      Error(key, absl::StrCat(what_, ": keys must be plain words"));
      continue;
    }
    const std::string& name = key.Scalar();
    auto [previous, inserted] = seen.emplace(name, Location(key));
    if (!inserted) {
      Error(key, absl::StrCat(what_, ": duplicate key '", name, "' ", FirstAt(previous->second),
                              "; YAML would silently keep only one"));
      continue;
    }
    if (std::find(known_keys.begin(), known_keys.end(), name) != known_keys.end()) continue;
    // YAML does not indent with no-break spaces: "\u00A0\u00A0until:" pasted from a web page is
    // a key of the enclosing mapping, which the message would show as '  until'.
    if (absl::StrContains(name, "\xC2\xA0")) {
      Error(key, absl::StrCat(what_, ": unknown key '", name,
                              "': found a no-break space (U+00A0) in it; expected ordinary "
                              "spaces, which YAML indents with"));
      continue;
    }
    // A key indented too far, or written under the wrong section, is a key of a mapping further
    // out: saying so points at the line's indentation, where "did you mean" would not.
    if (const YamlMap* owner = EnclosingMapWithKey(name)) {
      Error(key,
            absl::StrCat(what_, ": unknown key '", name, "'; it is a key ",
                         owner->parent_ == nullptr ? "at the top level of the file"
                                                   : absl::StrCat("of ", owner->what_),
                         ", not of ", what_, ": check this line's indentation, or move it there"));
      continue;
    }
    std::string suggestion = ClosestMatch(name, known_keys);
    std::vector<std::string> sorted = known_keys;
    std::sort(sorted.begin(), sorted.end());
    Error(key, absl::StrCat(
                   what_, ": unknown key '", name, "'",
                   suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
                   "; expected one of: ", absl::StrJoin(sorted, ", ")));
  }
}

const YamlMap* YamlMap::EnclosingMapWithKey(absl::string_view key) const {
  for (const YamlMap* outer = parent_; outer != nullptr; outer = outer->parent_) {
    if (std::find(outer->known_keys_.begin(), outer->known_keys_.end(), key) !=
        outer->known_keys_.end()) {
      return outer;
    }
  }
  return nullptr;
}

bool YamlMap::Has(absl::string_view key) const { return Get(key).IsDefined(); }

YAML::Node YamlMap::Get(absl::string_view key) const {
  auto found = values_.find(key);
  return found == values_.end() ? YAML::Node(YAML::NodeType::Undefined) : found->second;
}

SourceLocation YamlMap::LocationOf(absl::string_view key) const {
  YAML::Node value = Get(key);
  return value.IsDefined() ? Location(value) : Location(node_);
}

absl::optional<std::string> YamlMap::ScalarAt(absl::string_view key, bool required) {
  if (!valid_) return absl::nullopt;
  YAML::Node value = Get(key);
  if (!value.IsDefined()) {
    if (required) Error(node_, absl::StrCat(what_, ": missing required key '", key, "'"));
    return absl::nullopt;
  }
  if (!value.IsScalar()) {
    Error(value,
          absl::StrCat(what_, ".", key, ": expected a single value, found ", NodeKindName(value)));
    return absl::nullopt;
  }
  if (value.Scalar().empty() && required) {
    Error(value, absl::StrCat(what_, ".", key, ": must not be empty"));
    return absl::nullopt;
  }
  return value.Scalar();
}

absl::optional<std::string> YamlMap::RequiredString(absl::string_view key) {
  return ScalarAt(key, true);
}

absl::optional<std::string> YamlMap::OptionalString(absl::string_view key) {
  return ScalarAt(key, false);
}

absl::optional<int64_t> YamlMap::OptionalInt(absl::string_view key, int64_t min, int64_t max) {
  absl::optional<std::string> text = ScalarAt(key, false);
  if (!text.has_value()) return absl::nullopt;
  int64_t value = 0;
  // SimpleAtoi also takes "+5" and surrounding spaces; a whole number is written in digits.
  const absl::string_view digits = absl::StripPrefix(*text, "-");
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(*text, &value) || value < min || value > max) {
    Error(Get(key), absl::StrCat(what_, ".", key, ": expected a whole number from ", min, " to ",
                                 max, ", found '", *text, "'"));
    return absl::nullopt;
  }
  return value;
}

absl::optional<absl::Duration> YamlMap::OptionalDuration(absl::string_view key) {
  absl::optional<std::string> text = ScalarAt(key, false);
  if (!text.has_value()) return absl::nullopt;
  absl::Duration value;
  if (!absl::ParseDuration(*text, &value) || value <= absl::ZeroDuration() ||
      value == absl::InfiniteDuration()) {
    Error(Get(key),
          absl::StrCat(what_, ".", key,
                       ": expected a positive duration such as 10s or 250ms, found '", *text, "'"));
    return absl::nullopt;
  }
  return value;
}

absl::optional<bool> YamlMap::OptionalBool(absl::string_view key) {
  absl::optional<std::string> text = ScalarAt(key, false);
  if (!text.has_value()) return absl::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  Error(Get(key), absl::StrCat(what_, ".", key, ": expected true or false, found '", *text, "'"));
  return absl::nullopt;
}

absl::optional<std::vector<std::string>> YamlMap::OptionalStringList(absl::string_view key) {
  if (!valid_) return absl::nullopt;
  YAML::Node value = Get(key);
  if (!value.IsDefined()) return absl::nullopt;
  if (!value.IsSequence()) {
    Error(value, absl::StrCat(what_, ".", key, ": expected a list, found ", NodeKindName(value)));
    return absl::nullopt;
  }
  std::vector<std::string> items;
  bool ok = true;
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) {
      Error(item, absl::StrCat(what_, ".", key, ": expected a list of single values, found ",
                               NodeKindName(item)));
      ok = false;
      continue;
    }
    items.push_back(item.Scalar());
  }
  if (!ok) return absl::nullopt;
  return items;
}

bool CheckHeader(YamlMap& top, absl::string_view kind) {
  if (!top.valid()) return false;
  bool ok = true;
  absl::optional<std::string> version = top.RequiredString("apiVersion");
  if (version.has_value() && *version != "pasarela/v1") {
    top.Error(top.Get("apiVersion"),
              absl::StrCat("apiVersion: expected 'pasarela/v1', found '", *version, "'"));
    ok = false;
  }
  absl::optional<std::string> found_kind = top.RequiredString("kind");
  if (found_kind.has_value() && *found_kind != kind) {
    top.Error(top.Get("kind"),
              absl::StrCat("kind: expected '", kind, "' in this file, found '", *found_kind, "'"));
    ok = false;
  }
  return ok && version.has_value() && found_kind.has_value();
}

namespace {

// Where the files of each kind belong (docs/ADMINISTRATORS.md), or nullptr for a kind that is not
// one of Pasarela's.
const char* PlaceOfKind(absl::string_view kind) {
  static constexpr std::pair<absl::string_view, const char*> kPlaces[] = {
      {"Gateway", "gateway.yaml, the file pasarela serve --config names"},
      {"Federation", "federation.yaml at the top of the policy directory"},
      {"Services", "services.yaml at the top of the policy directory"},
      {"Classification", "classification.yaml at the top of the policy directory"},
      {"Agreement", "agreements/, one agreement per file"},
      {"Mapping", "mappings/ or a subdirectory of it"},
      {"CodeTable", "mappings/ or a subdirectory of it (such as mappings/tables/)"},
  };
  for (const auto& [known, place] : kPlaces) {
    if (known == kind) return place;
  }
  return nullptr;
}

// "an Agreement file", "a Mapping file".
std::string KindFile(absl::string_view kind) {
  const bool vowel =
      !kind.empty() && absl::string_view("AEIOU").find(kind.front()) != absl::string_view::npos;
  return absl::StrCat(vowel ? "an " : "a ", kind, " file");
}

}  // namespace

bool CheckFileBelongsHere(YamlMap& top, std::initializer_list<absl::string_view> expected) {
  if (!top.valid()) return true;
  const YAML::Node kind = top.Get("kind");
  if (!kind.IsScalar()) return true;
  const std::string& found = kind.Scalar();
  if (std::find(expected.begin(), expected.end(), found) != expected.end()) return true;
  const char* place = PlaceOfKind(found);
  if (place == nullptr) return true;
  std::vector<std::string> wanted;
  for (absl::string_view name : expected) wanted.push_back(KindFile(name));
  top.Error(kind, absl::StrCat("kind: this is ", KindFile(found), ", which belongs in ", place,
                               "; expected ", absl::StrJoin(wanted, " or "),
                               " here: move the file where it belongs"));
  return false;
}

}  // namespace pasarela
