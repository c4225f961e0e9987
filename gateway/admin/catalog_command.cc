// `pasarela catalog`: the service catalog of a policy directory as a Markdown page.
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/admin/catalog.h"
#include "gateway/common/command_line.h"

namespace pasarela::admin {
namespace {

int Usage(std::ostream& err, const std::string& message) {
  err << "pasarela catalog: " << message << "\nusage: " << kCatalogCommandUsage << "\n";
  return 2;
}

}  // namespace

int RunCatalogCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<CommandLine> line =
      CommandLine::Parse(args,
                         {{"--policy", CommandLine::Arity::kOnce},
                          {"--participant", CommandLine::Arity::kOnce},
                          {"--descriptor-set", CommandLine::Arity::kRepeated},
                          {"--at", CommandLine::Arity::kOnce}},
                         {});
  if (!line.ok()) return Usage(err, std::string(line.status().message()));
  if (line->help()) {
    out << "usage: " << kCatalogCommandUsage << "\n";
    return 0;
  }
  const std::string dir = line->Value("--policy").value_or("");
  const std::string participant = line->Value("--participant").value_or("");
  std::vector<std::string> sets = line->Values("--descriptor-set");
  absl::Time now = absl::Now();
  if (absl::optional<std::string> at_text = line->Value("--at")) {
    absl::optional<absl::Time> at = ParseRfc3339(*at_text);
    if (!at.has_value()) {
      return Usage(err, absl::StrCat("--at '", *at_text,
                                     "': expected an RFC 3339 time such as "
                                     "2026-06-01T00:00:00Z"));
    }
    now = *at;
  }
  if (dir.empty()) return Usage(err, "--policy DIR is required");
  if (sets.empty()) sets = DefaultDescriptorSetPaths();

  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog = DescriptorCatalog::Load(sets);
  if (!catalog.ok()) {
    err << "pasarela catalog: " << catalog.status().message() << "\n";
    return 1;
  }
  Diagnostics diagnostics;
  absl::optional<PolicyDirectory> policy = LoadPolicyDirectory(dir, "", **catalog, diagnostics);
  if (!policy.has_value()) {
    err << diagnostics.ToString();
    err << diagnostics.CountLine(dir);
    return 1;
  }
  out << CatalogMarkdown(policy->federation, policy->agreements, **catalog, *policy->classification,
                         participant, now);
  return out.good() ? 0 : 1;
}

}  // namespace pasarela::admin
