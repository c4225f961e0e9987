#include "gateway/mapping/map_command.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <istream>
#include <iterator>
#include <ostream>

#include <re2/re2.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/json_syntax.h"
#include "gateway/mapping/mapping.h"
#include "gateway/policy/descriptor_catalog.h"

namespace pasarela {
namespace {

constexpr char kUsage[] =
    "usage: pasarela map --policy DIR --mapping ID [--reverse] [--descriptor-set FILE]... "
    "[--example [SEED]]\n";

int Usage(std::ostream& err, const std::string& message) {
  err << "pasarela map: " << message << "\n" << kUsage;
  return 2;
}

std::string DescribeJsonParseError(absl::string_view message) {
  // Excerpts of the input follow the first line; the value may be quoted in it too. Only the
  // field path and the kind of problem are kept. Protobuf writes the path as "field: ...",
  // "(a.b[1].field): ..." or, for a field it cannot find or a list it cannot start inside a
  // nested message, "(a.b[1]) field: ...".
  const std::string first(message.substr(0, message.find('\n')));
  std::string path;
  std::string name;
  std::string problem;
  static const RE2* const kNested = new RE2(R"(\(([A-Za-z0-9_.\[\]]*)\) ([A-Za-z0-9_]+): (.*))");
  static const RE2* const kWithPath = new RE2(R"(\(?([A-Za-z_][A-Za-z0-9_.\[\]]*)?\)?: (.*))");
  if (RE2::FullMatch(first, *kNested, &path, &name, &problem)) {
    path = path.empty() ? name : absl::StrCat(path, ".", name);
  } else if (!RE2::FullMatch(first, *kWithPath, &path, &problem)) {
    problem = first;
  }
  std::string type;
  std::string kind;
  if (RE2::PartialMatch(problem, R"(for type TYPE_([A-Z0-9]+))", &type)) {
    kind = absl::StrCat("invalid value for a field of type ", absl::AsciiStrToLower(type));
  } else if (RE2::PartialMatch(problem, R"(Starting an object on a scalar field for type (\w+))",
                               &name)) {
    // Here protobuf names the field after "for type", and the path is its parent's.
    path = path.empty() ? name : absl::StrCat(path, ".", name);
    kind = "an object where a single value is expected";
  } else if (RE2::PartialMatch(problem, R"(for type type\.googleapis\.com/([\w.]+))", &type)) {
    kind = absl::StrCat("invalid value for a field of type ", type);
  } else if (absl::StrContains(problem, "not repeating, cannot start list")) {
    kind = "a list where a single value is expected";
  } else if (absl::StrContains(problem, "Root element must be a message")) {
    kind = "expected a JSON object";
  } else if (absl::StrContains(problem, "Cannot find field")) {
    kind = "no such field";
  } else if (absl::StrContains(problem, "UTF-8")) {
    kind = "invalid UTF-8";
  } else if (absl::StrContains(problem, "Unexpected end")) {
    kind = "the input ends too early";
  } else {
    kind = "malformed JSON";
  }
  return path.empty() ? kind : absl::StrCat("field '", path, "': ", kind);
}

}  // namespace

std::string DefaultNationalDescriptorSetPath() {
  std::string canonical = DefaultDescriptorSetPath();
  return canonical.substr(0, canonical.rfind('/') + 1) + "national.desc";
}

std::vector<std::string> DefaultMappingDescriptorSetPaths() {
  return {DefaultDescriptorSetPath(), DefaultNationalDescriptorSetPath()};
}

int RunMapCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  std::string policy;
  std::string id;
  bool reverse = false;
  bool example = false;
  uint64_t seed = 1;
  std::vector<std::string> sets;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool has_value = i + 1 < args.size();
    if ((arg == "--policy" || arg == "--mapping" || arg == "--descriptor-set") && !has_value) {
      return Usage(err, absl::StrCat(arg, " needs a value"));
    }
    if (arg == "--policy" || arg == "--mapping") {
      std::string& target = arg == "--policy" ? policy : id;
      if (!target.empty()) return Usage(err, absl::StrCat(arg, " given twice"));
      target = args[++i];
      if (target.empty()) return Usage(err, absl::StrCat(arg, " must not be empty"));
    } else if (arg == "--descriptor-set") {
      sets.push_back(args[++i]);
    } else if (arg == "--reverse") {
      reverse = true;
    } else if (arg == "--example") {
      example = true;
      if (has_value && absl::SimpleAtoi(args[i + 1], &seed)) ++i;
    } else if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    } else {
      return Usage(err, absl::StrCat("unexpected argument '", arg, "'"));
    }
  }
  if (policy.empty()) return Usage(err, "--policy DIR is required");
  if (id.empty()) return Usage(err, "--mapping ID is required");
  if (sets.empty()) sets = DefaultMappingDescriptorSetPaths();

  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog = DescriptorCatalog::Load(sets);
  if (!catalog.ok()) {
    err << catalog.status().message() << "\n";
    return 1;
  }
  std::string dir = absl::StrCat(policy, "/mappings");
  Diagnostics diagnostics;
  std::unique_ptr<const MappingSet> mappings = LoadMappings(dir, **catalog, diagnostics);
  if (mappings == nullptr) {
    err << diagnostics.ToString() << diagnostics.CountLine(dir);
    return 1;
  }
  for (const Diagnostic& warning : mappings->warnings()) err << FormatWarning(warning) << "\n";
  const Mapping* mapping = mappings->Find(id);
  if (mapping == nullptr) {
    err << "pasarela map: no mapping '" << id << "' in " << dir
        << " (there are: " << absl::StrJoin(mappings->ids(), ", ") << ")\n";
    return 1;
  }
  const MappingPlan* plan = &mapping->forward();
  if (reverse) {
    absl::StatusOr<const MappingPlan*> reversed = mapping->reverse();
    if (!reversed.ok()) {
      err << reversed.status().message() << "\n";
      return 1;
    }
    plan = *reversed;
  }

  google::protobuf::DynamicMessageFactory factory(&(*catalog)->pool());
  std::unique_ptr<google::protobuf::Message> input(
      factory.GetPrototype(plan->source_type())->New());
  std::unique_ptr<google::protobuf::Message> output(
      factory.GetPrototype(plan->target_type())->New());
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;

  const google::protobuf::Message* shown = output.get();
  if (example) {
    plan->FillExample(seed, input.get());
    shown = input.get();
  } else {
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Editors on Windows start a UTF-8 file with a byte order mark; RFC 8259 lets a parser ignore
    // it, and protobuf's would call the whole input malformed.
    if (absl::StartsWith(json, "\xEF\xBB\xBF")) json.erase(0, 3);
    google::protobuf::util::JsonParseOptions parse;
    auto parsed = google::protobuf::util::JsonStringToMessage(json, input.get(), parse);
    if (!parsed.ok()) {
      // Text that is not JSON at all is pointed at where it stops being JSON; protobuf's parser
      // would say only that it is malformed.
      if (absl::optional<JsonSyntaxError> syntax = FindJsonSyntaxError(json)) {
        err << "stdin:" << syntax->line << ":" << syntax->column << ": not a "
            << plan->source_type()->full_name()
            << " in protobuf JSON: malformed JSON: " << syntax->problem << "\n";
        return 1;
      }
      err << "stdin: not a " << plan->source_type()->full_name()
          << " in protobuf JSON: " << DescribeJsonParseError(parsed.message().as_string()) << "\n";
      return 1;
    }
    absl::Status applied = plan->Apply(*input, output.get());
    if (!applied.ok()) {
      err << applied.message() << "\n";
      return 1;
    }
  }
  std::string text;
  auto printed = google::protobuf::util::MessageToJsonString(*shown, &text, print);
  if (!printed.ok()) {
    err << "cannot print the result as JSON: " << printed.message() << "\n";
    return 1;
  }
  out << text;
  if (text.empty() || text.back() != '\n') out << "\n";
  // A full disk or a closed pipe must not pass for a mapped message.
  if (!out.flush()) {
    err << "pasarela map: cannot write the result to standard output\n";
    return 1;
  }
  return 0;
}

}  // namespace pasarela
