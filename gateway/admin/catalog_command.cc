// `pasarela catalog`: the service catalog of a policy directory as a Markdown page.
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/admin/catalog.h"

namespace pasarela::admin {
namespace {

int Usage(std::ostream& err, const std::string& message) {
  err << "pasarela catalog: " << message << "\nusage: " << kCatalogCommandUsage << "\n";
  return 2;
}

}  // namespace

int RunCatalogCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string dir;
  std::string participant;
  std::vector<std::string> sets;
  absl::Time now = absl::Now();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool has_value = i + 1 < args.size();
    if (arg == "--policy" && has_value) {
      dir = args[++i];
    } else if (arg == "--participant" && has_value) {
      participant = args[++i];
    } else if (arg == "--descriptor-set" && has_value) {
      sets.push_back(args[++i]);
    } else if (arg == "--at" && has_value) {
      absl::optional<absl::Time> at = ParseRfc3339(args[++i]);
      if (!at.has_value()) {
        return Usage(err, absl::StrCat("--at '", args[i],
                                       "': expected an RFC 3339 time such as "
                                       "2026-06-01T00:00:00Z"));
      }
      now = *at;
    } else {
      return Usage(err, absl::StrCat("unexpected argument '", arg, "'"));
    }
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
