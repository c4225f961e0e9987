#include "gateway/policy/policy_snapshot.h"

#include <sys/stat.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/digest.h"
#include "gateway/common/file.h"

namespace pasarela {
namespace {

std::string Sha256Hex(absl::string_view bytes) {
  return absl::BytesToHexString(Sha256Digest(bytes));
}

// Adds a file's name and bytes to the digest input, length-prefixed so that no two different sets
// of files give the same input.
void AppendToDigest(std::string* input, const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  std::string contents = bytes.ok() ? *bytes : "";
  absl::StrAppend(input, path.size(), ":", path, contents.size(), ":", contents);
}

// Every file under `dir`, in name order, so that a mapping or code table edit changes the digest.
void AppendTreeToDigest(std::string* input, const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return;
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (!name.empty() && name[0] != '.') names.push_back(name);
  }
  ::closedir(handle);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string path = absl::StrCat(dir, "/", name);
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      AppendTreeToDigest(input, path);
    } else {
      AppendToDigest(input, path);
    }
  }
}

}  // namespace

absl::optional<PolicyDirectory> LoadPolicyDirectory(const std::string& dir,
                                                    absl::string_view country,
                                                    const DescriptorCatalog& catalog,
                                                    Diagnostics& diagnostics) {
  size_t errors_before = diagnostics.errors().size();
  std::string base(dir);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  // One error for the directory itself, rather than one for each file it should hold.
  struct stat directory_info;
  if (::stat(base.c_str(), &directory_info) != 0) {
    diagnostics.Error(SourceLocation{base, 0, 0},
                      absl::StrCat("cannot read the policy directory: ", std::strerror(errno)));
    return absl::nullopt;
  }
  if (!S_ISDIR(directory_info.st_mode)) {
    diagnostics.Error(SourceLocation{base, 0, 0},
                      absl::StrCat("is ", DescribeFileType(directory_info.st_mode),
                                   ", not a directory: expected the policy directory, which holds "
                                   "federation.yaml, services.yaml and classification.yaml"));
    return absl::nullopt;
  }
  std::string federation_path = absl::StrCat(base, "/federation.yaml");
  std::string services_path = absl::StrCat(base, "/services.yaml");
  absl::optional<Federation> federation = LoadFederation(federation_path, diagnostics);
  std::string mappings_dir = absl::StrCat(base, "/mappings");
  std::unique_ptr<const MappingSet> mappings;
  struct stat info;
  if (::stat(mappings_dir.c_str(), &info) == 0) {
    mappings = LoadMappingsKeepingPartial(mappings_dir, catalog, diagnostics);
  }
  absl::optional<ServiceDirectory> services =
      LoadServiceDirectory(services_path, country, catalog, mappings.get(), diagnostics);
  if (federation.has_value() && !country.empty() && federation->Find(country) == nullptr) {
    diagnostics.Error(federation->countries_location,
                      absl::StrCat("this gateway's country ", country,
                                   " is not in the federation: add it to countries"));
  }
  // Without a federation the agreements are still checked, all but their participants, so that
  // one error in federation.yaml does not hide theirs.
  absl::optional<AgreementBook> agreements =
      LoadAgreements(absl::StrCat(base, "/agreements"),
                     federation.has_value() ? &*federation : nullptr, catalog, diagnostics);
  std::string classification_path = absl::StrCat(base, "/classification.yaml");
  absl::optional<classify::ClassificationPolicy> classification =
      classify::LoadClassification(classification_path, catalog, diagnostics);
  if (diagnostics.errors().size() != errors_before) return absl::nullopt;
  PolicyDirectory directory{
      *std::move(federation),
      *std::move(services),
      *std::move(agreements),
      std::make_unique<const classify::ClassificationPolicy>(*std::move(classification)),
      std::move(mappings),
      ""};
  AppendToDigest(&directory.digest_input, federation_path);
  AppendToDigest(&directory.digest_input, services_path);
  AppendToDigest(&directory.digest_input, classification_path);
  AppendTreeToDigest(&directory.digest_input, mappings_dir);
  // Agreements enter by their semantic digest: a comment changes no decision.
  absl::StrAppend(&directory.digest_input, "agreements:", directory.agreements.digest());
  return directory;
}

absl::StatusOr<PolicySnapshotPtr> LoadPolicySnapshot(
    const std::string& gateway_yaml, const std::function<absl::Status(GatewayConfig*)>& adjust) {
  Diagnostics diagnostics;
  absl::optional<GatewayConfig> gateway = LoadGatewayConfig(gateway_yaml, diagnostics);
  if (!gateway.has_value()) return diagnostics.ToStatus();
  if (adjust) {
    if (absl::Status adjusted = adjust(&*gateway); !adjusted.ok()) return adjusted;
  }
  std::vector<std::string> sets = gateway->descriptor_sets;
  if (sets.empty()) sets = DefaultDescriptorSetPaths();
  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog = DescriptorCatalog::Load(sets);
  if (!catalog.ok()) {
    diagnostics.Error(SourceLocation{gateway_yaml, 0, 0},
                      absl::StrCat("descriptor_sets: ", catalog.status().message()));
    return diagnostics.ToStatus();
  }
  absl::optional<PolicyDirectory> directory =
      LoadPolicyDirectory(gateway->policy_dir, gateway->country, **catalog, diagnostics);
  if (!directory.has_value()) return diagnostics.ToStatus();

  std::string digest_input;
  AppendToDigest(&digest_input, gateway_yaml);
  digest_input += directory->digest_input;
  digest_input += (*catalog)->raw_bytes();
  return std::make_shared<const PolicySnapshot>(
      *std::move(gateway), std::move(directory->federation), std::move(directory->services),
      *std::move(catalog), std::move(directory->agreements), std::move(directory->classification),
      std::move(directory->mappings), Sha256Hex(digest_input));
}

}  // namespace pasarela
