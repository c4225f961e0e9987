// Strict reading of YAML policy files on top of yaml-cpp.
//
// yaml-cpp keeps the first of two duplicate keys silently, turns NO/no/off into booleans when asked
// for one, and throws on errors. This layer catches its exceptions at the edge, reports duplicate
// and unknown keys (with a "did you mean" for near misses), reads scalars as written, and turns
// marks into 1-based file:line:column diagnostics. Thread-compatible.
#ifndef PASARELA_GATEWAY_POLICY_YAML_READER_H_
#define PASARELA_GATEWAY_POLICY_YAML_READER_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {

// A parsed YAML file. `root` is null when the file could not be read or parsed (the error is in the
// diagnostics).
struct YamlFile {
  std::string path;
  std::string contents;
  YAML::Node root;
  bool ok() const { return root.IsDefined() && !root.IsNull(); }
};

// Reads and parses `path`; reports a missing file or the first syntax error.
YamlFile ParseYamlFile(const std::string& path, Diagnostics& diagnostics);
// Parses `contents` as if read from `path`.
YamlFile ParseYamlText(const std::string& path, std::string contents, Diagnostics& diagnostics);

// Where `node` was written, 1-based. yaml-cpp marks an empty value (`key:` and nothing after it) at
// the next token, often on the next line; such a value is placed at its key, looked for under
// `root`.
SourceLocation NodeLocation(const std::string& file, const YAML::Node& root,
                            const YAML::Node& node);

// An entry of a policy directory (agreements/, mappings/) worth a look: a file named *.yaml, or a
// subdirectory, which the caller reads or not.
struct PolicyDirectoryEntry {
  std::string path;
  bool is_directory = false;
};

// Lists `dir`. Entries whose names start with '.' (Kubernetes' ..data links) and files with other
// extensions (README, x.yaml.bak, x.disabled) are left out. Reports, naming the path, every entry
// that looks like a policy file but would not be read: a name ending in .yml or in another case
// of .yaml (x.YAML), a link to nothing, a directory or a special file named *.yaml. Nullopt (after
// reporting) when `dir` cannot be listed. In name order.
absl::optional<std::vector<PolicyDirectoryEntry>> ListPolicyDirectory(const std::string& dir,
                                                                      Diagnostics& diagnostics);

// What `node` holds, for the "found ..." of a message: a scalar as written ('no'), else "a list",
// "an empty list", "a mapping" or "nothing".
std::string DescribeFound(const YAML::Node& node);

// How many edits (a letter added, dropped or changed, two neighbouring letters swapped) a word of
// `length` letters may be from the word meant and still be taken for a typo of it: one in three
// letters, at least one, and none for a single letter, which is no more a slip for "id" than for
// any other short key.
size_t TypoLimit(size_t length);

// The closest of `candidates` to `word` within TypoLimit(word.size()) edits, or else the first
// candidate that `word` (three letters or more) begins ("warn" for "warning"); empty when none
// is plausibly what was meant.
std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates);

// The value of `text` when it is written as plain decimal digits with at most one decimal point
// ("20", "0.5", ".5"); nullopt for the hexadecimal, signed, exponent and space-padded forms a
// number parser also takes ("0x10", "+5", "1e-3", " 0.5"), which a reader of a policy file would
// not take for the number they set.
absl::optional<double> ParsePlainDecimal(absl::string_view text);

// A view of one YAML mapping that checks its keys.
//
// Typical use:
//   YamlMap map(node, file, diagnostics, "gateway");
//   map.ExpectKeys({"country", "listeners"});
//   absl::optional<std::string> country = map.RequiredString("country");
class YamlMap {
 public:
  // `what` names the mapping in messages ("gateway", "countries[2]").
  YamlMap(const YAML::Node& node, const std::string& file, Diagnostics& diagnostics,
          std::string what);
  // A mapping that is a value in `parent` (`node` is parent.Get(key)): when it is empty, the error
  // is at its key. `parent` must outlive this view: an unknown key that is a key of `parent` (or
  // of a mapping further out) is reported as such.
  YamlMap(const YamlMap& parent, const YAML::Node& node, std::string what);

  // False when the node is not a mapping (already reported).
  bool valid() const { return valid_; }

  // Reports every key not in `known` (with a suggestion, or with the enclosing mapping whose
  // ExpectKeys knows it) and every duplicate key.
  void ExpectKeys(std::initializer_list<absl::string_view> known);

  bool Has(absl::string_view key) const;
  // The value of `key`, or an undefined node.
  YAML::Node Get(absl::string_view key) const;

  // A scalar read exactly as written (a country code NO stays "NO").
  absl::optional<std::string> RequiredString(absl::string_view key);
  absl::optional<std::string> OptionalString(absl::string_view key);
  absl::optional<int64_t> OptionalInt(absl::string_view key, int64_t min, int64_t max);
  // A duration such as "10s", "250ms", "2m".
  absl::optional<absl::Duration> OptionalDuration(absl::string_view key);
  absl::optional<bool> OptionalBool(absl::string_view key);
  // A sequence of scalars.
  absl::optional<std::vector<std::string>> OptionalStringList(absl::string_view key);

  // Where `key`'s value starts; where the mapping starts when the key is absent.
  SourceLocation LocationOf(absl::string_view key) const;
  SourceLocation location() const { return Location(node_); }
  SourceLocation Location(const YAML::Node& node) const;

  void Error(const YAML::Node& at, absl::string_view message) const;
  const std::string& what() const { return what_; }
  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() const { return diagnostics_; }

 private:
  absl::optional<std::string> ScalarAt(absl::string_view key, bool required);
  void CheckIsMap();
  // The nearest enclosing mapping whose ExpectKeys named `key`, or null.
  const YamlMap* EnclosingMapWithKey(absl::string_view key) const;

  YAML::Node node_;
  // Where empty values are looked for (see NodeLocation): the outermost mapping this one is in.
  YAML::Node root_;
  // The mapping this one is a value of (null for a file's top or a list item), and the keys
  // ExpectKeys was given.
  const YamlMap* parent_ = nullptr;
  std::vector<std::string> known_keys_;
  // The value of each scalar key, the first where a key is repeated (ExpectKeys reports the
  // repetition): a file's readers ask a mapping for many keys, and each yaml-cpp iteration is slow.
  absl::flat_hash_map<std::string, YAML::Node> values_;
  std::string file_;
  Diagnostics& diagnostics_;
  std::string what_;
  bool valid_ = false;
};

// Checks `apiVersion: pasarela/v1` and `kind: <kind>` at the top of a file.
bool CheckHeader(YamlMap& top, absl::string_view kind);

// False, after one error at its `kind` that names the kind and where files of that kind belong,
// when `top` is a file of another kind of Pasarela file than the `expected` ones read here: a
// mapping dropped into agreements/, an agreement into mappings/, a services file saved as
// federation.yaml. Every key of such a file would be an error of its own, so the caller reads no
// further. True otherwise: a missing or unknown kind is CheckHeader's to report.
bool CheckFileBelongsHere(YamlMap& top, std::initializer_list<absl::string_view> expected);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_YAML_READER_H_
