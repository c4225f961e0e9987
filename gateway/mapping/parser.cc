#include "gateway/mapping/parser.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace mapping_internal {
namespace {

constexpr std::initializer_list<absl::string_view> kRuleKeys = {
    "from",       "to",           "rules",     "mapping",
    "join",       "split",        "normalize", "reverse_normalize",
    "identifier", "date",         "number",    "translate",
    "enum",       "constant",     "default",   "reverse_default",
    "when",       "reverse_when", "check",     "message",
    "on",         "direction"};

bool ValidId(absl::string_view id) {
  if (id.empty() || !(absl::ascii_islower(id[0]) || absl::ascii_isdigit(id[0]))) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

// A scale as the exact fraction it is written as: "0.001" is 1/1000, "2.5" is 5/2. False for zero
// and for more digits than fit a 64-bit integer (beyond 18, a scale is a typing slip).
bool ScaleFraction(absl::string_view text, int64_t* numerator, int64_t* denominator) {
  Decimal decimal;
  if (!ParseDecimal(text, &decimal).ok() || decimal.mantissa == 0) return false;
  absl::int128 top = decimal.mantissa;
  absl::int128 bottom = 1;
  for (int i = 0; i < decimal.places; ++i) bottom *= 10;
  while (bottom > 1 && top % 10 == 0) {
    top /= 10;
    bottom /= 10;
  }
  for (int factor : {2, 5}) {
    while (bottom % factor == 0 && top % factor == 0) {
      top /= factor;
      bottom /= factor;
    }
  }
  const absl::int128 limit = 1000000000000000000;  // 10^18
  if (top > limit || top < -limit || bottom > limit) return false;
  *numerator = static_cast<int64_t>(top);
  *denominator = static_cast<int64_t>(bottom);
  return true;
}

// Parses the pieces of one file; `file` is the path as given, for diagnostics.
class FileParser {
 public:
  // `root` is the file's top node, where an empty value's key is looked for.
  FileParser(const std::string& file, const YAML::Node& root, Diagnostics& diagnostics)
      : file_(file), root_(root), diagnostics_(diagnostics) {}

  SourceLocation Loc(const YAML::Node& node) const { return NodeLocation(file_, root_, node); }

  void Error(const YAML::Node& node, absl::string_view message) {
    diagnostics_.Error(Loc(node), message);
  }

  // A scalar or a list of scalars.
  bool ScalarOrList(const YAML::Node& node, const std::string& what,
                    std::vector<std::string>* out) {
    if (node.IsScalar()) {
      out->push_back(node.Scalar());
      return true;
    }
    if (node.IsSequence() && node.size() > 0) {
      for (const YAML::Node& item : node) {
        if (!item.IsScalar()) {
          Error(item, absl::StrCat(what, ": expected a field path"));
          return false;
        }
        out->push_back(item.Scalar());
      }
      return true;
    }
    Error(node, absl::StrCat(what, ": expected a field path or a list of field paths"));
    return false;
  }

  absl::optional<ConditionSpec> ParseCondition(const YAML::Node& node, const std::string& what) {
    YamlMap map(node, file_, diagnostics_, what);
    if (!map.valid()) return absl::nullopt;
    map.ExpectKeys(
        {"field", "equals", "in", "present", "matches", "valid_identifier", "all", "any", "not"});
    ConditionSpec spec;
    spec.location = map.location();
    int composites = map.Has("all") + map.Has("any") + map.Has("not");
    int tests = map.Has("equals") + map.Has("in") + map.Has("present") + map.Has("matches") +
                map.Has("valid_identifier");
    if (composites > 0) {
      if (composites > 1 || tests > 0 || map.Has("field")) {
        map.Error(node, absl::StrCat(what, ": give one of all, any or not, alone"));
        return absl::nullopt;
      }
      if (map.Has("not")) {
        spec.kind = Condition::Kind::kNot;
        absl::optional<ConditionSpec> child = ParseCondition(map.Get("not"), what + ".not");
        if (!child) return absl::nullopt;
        spec.children.push_back(*std::move(child));
        return spec;
      }
      const char* key = map.Has("all") ? "all" : "any";
      spec.kind = map.Has("all") ? Condition::Kind::kAll : Condition::Kind::kAny;
      YAML::Node list = map.Get(key);
      if (!list.IsSequence() || list.size() == 0) {
        map.Error(list, absl::StrCat(what, ".", key, ": expected a list of conditions"));
        return absl::nullopt;
      }
      for (size_t i = 0; i < list.size(); ++i) {
        absl::optional<ConditionSpec> child =
            ParseCondition(list[i], absl::StrCat(what, ".", key, "[", i, "]"));
        if (!child) return absl::nullopt;
        spec.children.push_back(*std::move(child));
      }
      return spec;
    }
    absl::optional<std::string> field = map.RequiredString("field");
    if (!field) return absl::nullopt;
    spec.field = *field;
    spec.field_location = map.LocationOf("field");
    if (tests != 1) {
      map.Error(node, absl::StrCat(what,
                                   ": give exactly one test: equals, in, present, matches "
                                   "or valid_identifier"));
      return absl::nullopt;
    }
    if (map.Has("equals")) {
      spec.kind = Condition::Kind::kEquals;
      absl::optional<std::string> value = map.OptionalString("equals");
      if (!value) return absl::nullopt;
      spec.values.push_back(*value);
    } else if (map.Has("in")) {
      spec.kind = Condition::Kind::kIn;
      absl::optional<std::vector<std::string>> values = map.OptionalStringList("in");
      if (!values) return absl::nullopt;
      if (values->empty()) {
        map.Error(map.Get("in"), absl::StrCat(what, ".in: the list is empty"));
        return absl::nullopt;
      }
      spec.values = *values;
    } else if (map.Has("present")) {
      absl::optional<bool> present = map.OptionalBool("present");
      if (!present) return absl::nullopt;
      spec.kind = *present ? Condition::Kind::kPresent : Condition::Kind::kAbsent;
    } else if (map.Has("matches")) {
      spec.kind = Condition::Kind::kMatches;
      absl::optional<std::string> pattern = map.OptionalString("matches");
      if (!pattern) return absl::nullopt;
      spec.pattern = *pattern;
      spec.location = map.LocationOf("matches");
    } else {
      spec.kind = Condition::Kind::kValidIdentifier;
      absl::optional<std::string> scheme = map.OptionalString("valid_identifier");
      if (!scheme) return absl::nullopt;
      spec.scheme = *scheme;
      spec.location = map.LocationOf("valid_identifier");
    }
    return spec;
  }

  bool ParseNormalizeList(const YAML::Node& node, const std::string& what,
                          std::vector<NormalizeSpec>* out) {
    std::vector<YAML::Node> items;
    if (node.IsScalar()) {
      items.push_back(node);
    } else if (node.IsSequence()) {
      for (const YAML::Node& item : node) items.push_back(item);
    } else {
      Error(node, absl::StrCat(what, ": expected a list of normalisations, e.g. [trim, upper]"));
      return false;
    }
    bool ok = true;
    for (const YAML::Node& item : items) {
      NormalizeSpec spec;
      spec.location = Loc(item);
      if (item.IsScalar()) {
        static const std::pair<const char*, NormalizeOp::Kind> kSimple[] = {
            {"trim", NormalizeOp::Kind::kTrim},
            {"collapse_spaces", NormalizeOp::Kind::kCollapseSpaces},
            {"upper", NormalizeOp::Kind::kUpper},
            {"lower", NormalizeOp::Kind::kLower},
            {"title", NormalizeOp::Kind::kTitle},
            {"fold_accents", NormalizeOp::Kind::kFoldAccents}};
        bool found = false;
        std::vector<std::string> names;
        for (const auto& [name, kind] : kSimple) {
          names.push_back(name);
          if (item.Scalar() == name) {
            spec.kind = kind;
            found = true;
          }
        }
        if (!found) {
          std::string suggestion = ClosestMatch(item.Scalar(), names);
          Error(item,
                absl::StrCat(
                    what, ": unknown normalisation '", item.Scalar(), "'",
                    suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
                    "; expected one of: ", absl::StrJoin(names, ", "),
                    ", {remove: CHARACTERS}, {replace: {pattern: RE2, with: TEXT}}"));
          ok = false;
          continue;
        }
      } else {
        YamlMap map(item, file_, diagnostics_, what);
        if (!map.valid()) {
          ok = false;
          continue;
        }
        map.ExpectKeys({"remove", "replace"});
        if (map.Has("remove") == map.Has("replace")) {
          map.Error(item, absl::StrCat(what, ": give one of remove or replace"));
          ok = false;
          continue;
        }
        if (map.Has("remove")) {
          spec.kind = NormalizeOp::Kind::kRemove;
          absl::optional<std::string> characters = map.OptionalString("remove");
          if (!characters || characters->empty()) {
            map.Error(map.Get("remove"),
                      absl::StrCat(what, ".remove: expected the characters to remove"));
            ok = false;
            continue;
          }
          spec.characters = *characters;
        } else {
          spec.kind = NormalizeOp::Kind::kReplace;
          YamlMap replace(map, map.Get("replace"), what + ".replace");
          if (!replace.valid()) {
            ok = false;
            continue;
          }
          replace.ExpectKeys({"pattern", "with"});
          absl::optional<std::string> pattern = replace.RequiredString("pattern");
          absl::optional<std::string> with = replace.OptionalString("with");
          if (!pattern) {
            ok = false;
            continue;
          }
          spec.pattern = *pattern;
          spec.rewrite = with.value_or("");
          spec.location = replace.LocationOf("pattern");
        }
      }
      out->push_back(std::move(spec));
    }
    return ok;
  }

  bool ParsePolicy(YamlMap& map, const char* unmapped_key, const char* default_key,
                   PolicySpec* policy) {
    bool ok = true;
    if (map.Has(unmapped_key)) {
      policy->unmapped = map.OptionalString(unmapped_key);
      policy->unmapped_location = map.LocationOf(unmapped_key);
      if (!policy->unmapped) {
        ok = false;
      } else if (*policy->unmapped != "error" && *policy->unmapped != "default" &&
                 *policy->unmapped != "pass_through") {
        map.Error(map.Get(unmapped_key),
                  absl::StrCat(unmapped_key, ": expected error, default or pass_through, found '",
                               *policy->unmapped, "'"));
        ok = false;
      }
    }
    if (map.Has(default_key)) {
      policy->default_value = map.OptionalString(default_key);
      policy->default_location = map.LocationOf(default_key);
      if (!policy->default_value) ok = false;
    }
    return ok;
  }

  bool ParseEntries(const YAML::Node& node, const std::string& what, std::vector<EntrySpec>* out) {
    if (!node.IsSequence()) {
      Error(node, absl::StrCat(what, ": expected a list of {source, target} entries"));
      return false;
    }
    if (node.size() == 0) {
      Error(node, absl::StrCat(what,
                               ": the list is empty; a translation needs at least one code "
                               "({source: CODE, target: CODE})"));
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < node.size(); ++i) {
      YamlMap entry(node[i], file_, diagnostics_, absl::StrCat(what, "[", i, "]"));
      if (!entry.valid()) {
        ok = false;
        continue;
      }
      entry.ExpectKeys({"source", "target", "display", "reverse"});
      absl::optional<std::string> source = entry.RequiredString("source");
      absl::optional<std::string> target = entry.RequiredString("target");
      (void)entry.OptionalString("display");
      absl::optional<bool> reverse = entry.OptionalBool("reverse");
      if (!source || !target) {
        ok = false;
        continue;
      }
      out->push_back(EntrySpec{entry.location(), *source, *target, reverse.value_or(true)});
    }
    return ok;
  }

  // `codes: {A: B}`: a map of source code to target code, each key once.
  bool ParseCodeMap(const YAML::Node& node, const std::string& what, std::vector<EntrySpec>* out) {
    if (!node.IsMap()) {
      Error(node, absl::StrCat(what, ": expected a map of source code to target code"));
      return false;
    }
    if (node.size() == 0) {
      Error(node, absl::StrCat(what,
                               ": the map is empty; a translation needs at least one code "
                               "(SOURCE: TARGET)"));
      return false;
    }
    bool ok = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar() || !it->second.IsScalar()) {
        Error(it->first, absl::StrCat(what, ": each entry is SOURCE: TARGET, two single values"));
        ok = false;
        continue;
      }
      out->push_back(EntrySpec{Loc(it->first), it->first.Scalar(), it->second.Scalar(), true});
    }
    return ok;
  }

  absl::optional<LookupSpec> ParseLookup(const YAML::Node& node, const std::string& what,
                                         bool is_enum) {
    YamlMap map(node, file_, diagnostics_, what);
    if (!map.valid()) return absl::nullopt;
    LookupSpec spec;
    spec.location = Loc(node);
    spec.is_enum = is_enum;
    if (is_enum) {
      map.ExpectKeys(
          {"values", "by_name", "unmapped", "default", "reverse_unmapped", "reverse_default"});
    } else {
      map.ExpectKeys({"table", "codes", "entries", "unmapped", "default", "reverse_unmapped",
                      "reverse_default"});
    }
    bool ok = ParsePolicy(map, "unmapped", "default", &spec.forward) &&
              ParsePolicy(map, "reverse_unmapped", "reverse_default", &spec.reverse);
    int sources = 0;
    if (is_enum) {
      if (map.Has("values")) {
        ++sources;
        spec.has_entries = true;
        ok = ParseCodeMap(map.Get("values"), what + ".values", &spec.entries) && ok;
      }
      if (map.Has("by_name")) {
        ++sources;
        absl::optional<bool> by_name = map.OptionalBool("by_name");
        spec.by_name = by_name.value_or(false);
        if (by_name.has_value() && !*by_name) {
          map.Error(map.Get("by_name"), absl::StrCat(what, ".by_name: only 'true' makes sense"));
          ok = false;
        }
      }
      if (sources != 1) {
        map.Error(node, absl::StrCat(what, ": give one of values or by_name: true"));
        return absl::nullopt;
      }
    } else {
      if (map.Has("table")) {
        ++sources;
        absl::optional<std::string> table = map.OptionalString("table");
        if (!table) return absl::nullopt;
        spec.table = *table;
        spec.table_location = map.LocationOf("table");
      }
      if (map.Has("codes")) {
        ++sources;
        spec.has_entries = true;
        ok = ParseCodeMap(map.Get("codes"), what + ".codes", &spec.entries) && ok;
      }
      if (map.Has("entries")) {
        ++sources;
        spec.has_entries = true;
        ok = ParseEntries(map.Get("entries"), what + ".entries", &spec.entries) && ok;
      }
      if (sources != 1) {
        map.Error(node,
                  absl::StrCat(what, ": give one of table (a CodeTable id), codes or entries"));
        return absl::nullopt;
      }
    }
    if (!ok) return absl::nullopt;
    return spec;
  }

  absl::optional<SeparatorSpec> ParseSeparator(const YAML::Node& node, const std::string& what) {
    SeparatorSpec spec;
    spec.location = Loc(node);
    if (node.IsScalar()) {
      spec.separator = node.Scalar();
      return spec;
    }
    YamlMap map(node, file_, diagnostics_, what);
    if (!map.valid()) return absl::nullopt;
    map.ExpectKeys({"separator", "split_at"});
    if (!map.Has("separator")) {
      map.Error(node, absl::StrCat(what, ": missing required key 'separator'"));
      return absl::nullopt;
    }
    spec.separator = map.OptionalString("separator").value_or("");
    absl::optional<std::string> split_at = map.OptionalString("split_at");
    if (split_at) {
      if (*split_at == "first") {
        spec.split_at = SplitAt::kFirst;
      } else if (*split_at == "last") {
        spec.split_at = SplitAt::kLast;
      } else if (*split_at == "last_number") {
        spec.split_at = SplitAt::kLastNumber;
      } else {
        map.Error(map.Get("split_at"), absl::StrCat(what,
                                                    ".split_at: expected first, last or "
                                                    "last_number, found '",
                                                    *split_at, "'"));
        return absl::nullopt;
      }
    }
    return spec;
  }

  bool ParseRules(const YAML::Node& node, const std::string& what, std::vector<RuleSpec>* out) {
    if (!node.IsSequence()) {
      Error(node, absl::StrCat(what, ": expected a list of rules"));
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < node.size(); ++i) {
      RuleSpec rule;
      if (ParseRule(node[i], absl::StrCat(what, "[", i, "]"), &rule)) {
        out->push_back(std::move(rule));
      } else {
        ok = false;
      }
    }
    return ok;
  }

  bool ParseRule(const YAML::Node& node, const std::string& what, RuleSpec* rule) {
    YamlMap map(node, file_, diagnostics_, what);
    if (!map.valid()) return false;
    size_t errors_before = diagnostics_.errors().size();
    map.ExpectKeys(kRuleKeys);
    rule->location = map.location();
    if (map.Has("from")) {
      rule->from_location = map.LocationOf("from");
      ScalarOrList(map.Get("from"), what + ".from", &rule->from);
    }
    if (map.Has("to")) {
      rule->to_location = map.LocationOf("to");
      ScalarOrList(map.Get("to"), what + ".to", &rule->to);
    }
    if (map.Has("join")) rule->join = ParseSeparator(map.Get("join"), what + ".join");
    if (map.Has("split")) rule->split = ParseSeparator(map.Get("split"), what + ".split");
    if (map.Has("normalize")) {
      rule->normalize_location = map.LocationOf("normalize");
      ParseNormalizeList(map.Get("normalize"), what + ".normalize", &rule->normalize);
    }
    if (map.Has("reverse_normalize")) {
      rule->reverse_normalize.emplace();
      YAML::Node reverse = map.Get("reverse_normalize");
      if (!(reverse.IsSequence() && reverse.size() == 0)) {
        ParseNormalizeList(reverse, what + ".reverse_normalize", &*rule->reverse_normalize);
      }
    }
    if (map.Has("identifier")) {
      YAML::Node id = map.Get("identifier");
      IdentifierSpec spec;
      spec.location = Loc(id);
      if (id.IsScalar()) {
        spec.scheme = id.Scalar();
      } else {
        YamlMap id_map(id, file_, diagnostics_, what + ".identifier");
        if (id_map.valid()) {
          id_map.ExpectKeys({"scheme", "to"});
          spec.scheme = id_map.RequiredString("scheme").value_or("");
          absl::optional<std::string> to = id_map.OptionalString("to");
          if (to && *to != "canonical" && *to != "national") {
            id_map.Error(id_map.Get("to"),
                         absl::StrCat(what, ".identifier.to: expected canonical or national"));
          }
          spec.to_canonical = !to || *to == "canonical";
        }
      }
      rule->identifier = spec;
    }
    if (map.Has("date")) {
      YamlMap date(map, map.Get("date"), what + ".date");
      if (date.valid()) {
        date.ExpectKeys({"from", "to", "from_zone", "to_zone"});
        DateSpec spec;
        spec.location = date.location();
        spec.from = date.RequiredString("from").value_or("");
        spec.to = date.RequiredString("to").value_or("");
        spec.from_zone = date.OptionalString("from_zone").value_or("");
        spec.to_zone = date.OptionalString("to_zone").value_or("");
        rule->date = spec;
      }
    }
    if (map.Has("number")) {
      YamlMap number(map, map.Get("number"), what + ".number");
      if (number.valid()) {
        number.ExpectKeys(
            {"from_unit", "to_unit", "scale", "decimals", "from_suffix", "to_suffix"});
        NumberSpec spec;
        spec.location = number.location();
        spec.from_unit = number.OptionalString("from_unit").value_or("");
        spec.to_unit = number.OptionalString("to_unit").value_or("");
        absl::optional<std::string> scale = number.OptionalString("scale");
        if (scale) {
          if (!ScaleFraction(*scale, &spec.scale_numerator, &spec.scale_denominator)) {
            number.Error(number.Get("scale"),
                         absl::StrCat(what,
                                      ".number.scale: expected a non-zero number of at most 18 "
                                      "significant digits, found '",
                                      *scale, "'"));
          } else {
            spec.scale = *scale;
          }
        }
        spec.decimals = static_cast<int>(number.OptionalInt("decimals", 0, 12).value_or(6));
        spec.from_suffix = number.OptionalString("from_suffix").value_or("");
        spec.to_suffix = number.OptionalString("to_suffix").value_or("");
        rule->number = spec;
      }
    }
    if (map.Has("translate"))
      rule->lookup = ParseLookup(map.Get("translate"), what + ".translate", false);
    if (map.Has("enum")) {
      if (map.Has("translate")) {
        map.Error(map.Get("enum"), absl::StrCat(what, ": give translate or enum, not both"));
      } else {
        rule->lookup = ParseLookup(map.Get("enum"), what + ".enum", true);
      }
    }
    if (map.Has("constant")) {
      rule->constant = map.OptionalString("constant");
      rule->constant_location = map.LocationOf("constant");
    }
    if (map.Has("default")) {
      rule->default_value = map.OptionalString("default");
      rule->default_location = map.LocationOf("default");
    }
    if (map.Has("reverse_default")) {
      rule->reverse_default = map.OptionalString("reverse_default");
      rule->reverse_default_location = map.LocationOf("reverse_default");
    }
    if (map.Has("when")) rule->when = ParseCondition(map.Get("when"), what + ".when");
    if (map.Has("reverse_when")) {
      rule->reverse_when = ParseCondition(map.Get("reverse_when"), what + ".reverse_when");
    }
    if (map.Has("check")) rule->check = ParseCondition(map.Get("check"), what + ".check");
    rule->message = map.OptionalString("message").value_or("");
    absl::optional<std::string> on = map.OptionalString("on");
    if (on) {
      if (*on != "source" && *on != "target") {
        map.Error(map.Get("on"),
                  absl::StrCat(what, ".on: expected source or target, found '", *on, "'"));
      }
      rule->on_target = *on == "target";
    }
    absl::optional<std::string> direction = map.OptionalString("direction");
    if (direction) {
      if (*direction != "both" && *direction != "forward") {
        map.Error(
            map.Get("direction"),
            absl::StrCat(what, ".direction: expected both or forward, found '", *direction, "'"));
      }
      rule->forward_only = *direction == "forward";
    }
    if (map.Has("rules")) {
      rule->has_rules = true;
      ParseRules(map.Get("rules"), what + ".rules", &rule->rules);
    }
    if (map.Has("mapping")) {
      rule->mapping = map.OptionalString("mapping").value_or("");
      rule->mapping_location = map.LocationOf("mapping");
    }
    if (diagnostics_.errors().size() != errors_before) return false;
    return CheckRuleShape(map, node, what, *rule);
  }

  // Which keys go together; the compiler checks the rest against the descriptors.
  bool CheckRuleShape(YamlMap& map, const YAML::Node& node, const std::string& what,
                      const RuleSpec& rule) {
    size_t errors_before = diagnostics_.errors().size();
    auto error = [&](absl::string_view key, absl::string_view message) {
      map.Error(map.Has(key) ? map.Get(key) : node, absl::StrCat(what, ": ", message));
    };
    int conversions = rule.identifier.has_value() + rule.date.has_value() +
                      rule.number.has_value() + rule.lookup.has_value();
    if (rule.check) {
      for (absl::string_view key :
           {"from", "to", "rules", "mapping", "join", "split", "normalize", "reverse_normalize",
            "identifier", "date", "number", "translate", "enum", "constant", "default",
            "reverse_default", "reverse_when"}) {
        if (map.Has(key)) {
          error(key, absl::StrCat("a check rule takes check, message, on, when and direction; '",
                                  key, "' belongs to a data rule"));
          break;
        }
      }
      return diagnostics_.errors().size() == errors_before;
    }
    if (map.Has("message") || map.Has("on")) {
      error(map.Has("message") ? "message" : "on", "message and on belong to a check rule");
    }
    if (rule.to.empty()) error("to", "missing required key 'to' (or write a check rule)");
    if (rule.constant) {
      if (!rule.from.empty()) error("from", "a constant rule has no 'from'");
      if (conversions > 0 || rule.join || rule.split || !rule.normalize.empty() || rule.has_rules ||
          !rule.mapping.empty()) {
        error("constant", "a constant is written as it is: no conversion goes with it");
      }
      if (rule.to.size() > 1) error("to", "a constant goes to one field");
      return diagnostics_.errors().size() == errors_before;
    }
    if (rule.from.empty()) error("from", "missing required key 'from' (or give a constant)");
    if (conversions > 1) {
      error("identifier",
            "give at most one conversion (identifier, date, number, translate, enum) "
            "per rule; chain them with two rules through a field if you must");
    }
    if (rule.join && rule.split) error("split", "give join or split, not both");
    if (rule.has_rules && !rule.mapping.empty())
      error("mapping", "give nested rules or mapping, not both");
    if ((rule.has_rules || !rule.mapping.empty()) &&
        (conversions > 0 || rule.join || rule.split || !rule.normalize.empty() ||
         rule.default_value)) {
      error(rule.has_rules ? "rules" : "mapping",
            "nested rules map a message; conversions belong to the nested rules");
    }
    if (!rule.join && rule.from.size() > 1) {
      error("from", "several source fields go into one only with join");
    }
    if (!rule.split && rule.to.size() > 1) {
      error("to", "one source field goes into several only with split");
    }
    if (rule.reverse_when && !rule.when) {
      error("reverse_when", "reverse_when goes with a when");
    }
    if (rule.reverse_normalize && rule.normalize.empty()) {
      error("reverse_normalize", "reverse_normalize goes with a normalize");
    }
    return diagnostics_.errors().size() == errors_before;
  }

  void ParseMapping(YamlMap& top, ParsedFiles* files) {
    top.ExpectKeys(
        {"apiVersion", "kind", "id", "description", "source", "target", "ignore", "rules"});
    MappingSpec spec;
    spec.file = file_;
    spec.location = top.location();
    absl::optional<std::string> id = top.RequiredString("id");
    absl::optional<std::string> source = top.RequiredString("source");
    absl::optional<std::string> target = top.RequiredString("target");
    spec.description = top.OptionalString("description").value_or("");
    spec.id_location = top.LocationOf("id");
    spec.source_location = top.LocationOf("source");
    spec.target_location = top.LocationOf("target");
    if (id && !ValidId(*id)) {
      top.Error(top.Get("id"),
                absl::StrCat("id: '", *id, "' must be lower-case letters, digits and hyphens"));
      return;
    }
    if (top.Has("ignore")) {
      YAML::Node ignore = top.Get("ignore");
      if (ignore.IsSequence()) {
        for (const YAML::Node& item : ignore) {
          if (item.IsScalar()) {
            spec.ignore.push_back(item.Scalar());
            spec.ignore_locations.push_back(Loc(item));
          } else {
            Error(item, "ignore: expected field paths");
          }
        }
      } else {
        Error(ignore, "ignore: expected a list of field paths");
      }
    }
    bool rules_ok = false;
    if (!top.Has("rules")) {
      top.Error(top.Get("kind"), "missing required key 'rules'");
    } else {
      rules_ok = ParseRules(top.Get("rules"), "rules", &spec.rules);
    }
    if (!id || !source || !target || !rules_ok) return;
    spec.id = *id;
    spec.source = *source;
    spec.target = *target;
    files->mappings.push_back(std::move(spec));
  }

  void ParseCodeTable(YamlMap& top, ParsedFiles* files) {
    top.ExpectKeys({"apiVersion", "kind", "id", "description", "source_system", "target_system",
                    "unmapped", "default", "reverse_unmapped", "reverse_default", "entries"});
    CodeTableSpec spec;
    spec.file = file_;
    spec.location = top.LocationOf("id");
    absl::optional<std::string> id = top.RequiredString("id");
    (void)top.OptionalString("description");
    (void)top.OptionalString("source_system");
    (void)top.OptionalString("target_system");
    bool ok = ParsePolicy(top, "unmapped", "default", &spec.forward) &&
              ParsePolicy(top, "reverse_unmapped", "reverse_default", &spec.reverse);
    if (id && !ValidId(*id)) {
      top.Error(top.Get("id"),
                absl::StrCat("id: '", *id, "' must be lower-case letters, digits and hyphens"));
      return;
    }
    if (!top.Has("entries")) {
      top.Error(top.Get("kind"), "missing required key 'entries'");
      return;
    }
    ok = ParseEntries(top.Get("entries"), "entries", &spec.entries) && ok;
    if (!id || !ok) return;
    spec.id = *id;
    files->tables.push_back(std::move(spec));
  }

 private:
  const std::string& file_;
  YAML::Node root_;
  Diagnostics& diagnostics_;
};

}  // namespace

void ParseMappingFile(const std::string& path, Diagnostics& diagnostics, ParsedFiles* files) {
  YamlFile file = ParseYamlFile(path, diagnostics);
  if (!file.ok()) return;
  YamlMap top(file.root, path, diagnostics, "file");
  if (!top.valid()) return;
  if (!CheckFileBelongsHere(top, {"Mapping", "CodeTable"})) return;
  absl::optional<std::string> kind = top.OptionalString("kind");
  FileParser parser(path, file.root, diagnostics);
  if (kind && *kind == "CodeTable") {
    if (CheckHeader(top, "CodeTable")) parser.ParseCodeTable(top, files);
    return;
  }
  if (kind && *kind != "Mapping") {
    top.Error(top.Get("kind"),
              absl::StrCat("kind: expected 'Mapping' or 'CodeTable' in the mappings directory, "
                           "found '",
                           *kind, "'"));
    return;
  }
  if (CheckHeader(top, "Mapping")) parser.ParseMapping(top, files);
}

}  // namespace mapping_internal
}  // namespace pasarela
