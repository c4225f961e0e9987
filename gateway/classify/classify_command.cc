#include "gateway/classify/classify_command.h"

#include <istream>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "gateway/classify/classification.h"
#include "gateway/classify/findings_json.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela::classify {
namespace {

constexpr char kUsage[] =
    "usage: pasarela classify --policy DIR [--descriptor-set FILE]...\n"
    "  Reads one text per line on stdin and writes one line of JSON findings per line, with the\n"
    "  detectors and thresholds of DIR/classification.yaml.\n";

int UsageError(std::ostream& err, const std::string& message) {
  err << "pasarela classify: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int RunClassifyCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                       std::ostream& err) {
  std::string dir;
  std::vector<std::string> sets;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if ((arg == "--policy" || arg == "--descriptor-set") && i + 1 >= args.size()) {
      return UsageError(err, absl::StrCat(arg, " needs a value"));
    }
    if (arg == "--policy") {
      if (!dir.empty()) return UsageError(err, "--policy is given twice");
      dir = args[++i];
      if (dir.empty()) return UsageError(err, "--policy must not be empty");
    } else if (arg == "--descriptor-set") {
      sets.push_back(args[++i]);
    } else {
      return UsageError(err, absl::StrCat("unexpected argument '", arg, "'"));
    }
  }
  if (dir.empty()) return UsageError(err, "--policy DIR is required");
  const bool default_sets = sets.empty();
  if (default_sets) sets = DefaultDescriptorSetPaths();

  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog = DescriptorCatalog::Load(sets);
  if (!catalog.ok()) {
    err << catalog.status().message()
        << (default_sets ? " (the installed descriptor set; give --descriptor-set FILE)" : "")
        << "\n";
    return 1;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::string path = absl::StrCat(dir, "/classification.yaml");
  Diagnostics diagnostics;
  absl::optional<ClassificationPolicy> policy = LoadClassification(path, **catalog, diagnostics);
  if (!policy.has_value()) {
    err << diagnostics.ToString();
    err << diagnostics.CountLine(path);
    return 1;
  }
  if (RunClassifyLines(in, out, policy->detectors()) != 0) {
    // Without a word, a full disk or a closed pipe would look like a classifier failure.
    err << "pasarela classify: cannot write the findings to standard output\n";
    return 1;
  }
  return 0;
}

}  // namespace pasarela::classify
