#include "fuzz/pilot_policy.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fuzz/scratch_dir.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela::fuzzing {
namespace {

[[noreturn]] void StopWithPolicyError(const std::string& what) {
  std::fprintf(stderr, "fuzz: the pilot policy does not load: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T Loaded(absl::optional<T> value, const Diagnostics& diagnostics) {
  if (!value.has_value()) StopWithPolicyError(diagnostics.ToString());
  return *std::move(value);
}

// The pilot's policies/ as a gateway's policy directory would hold it: links to the committed
// files, and under pki/ each country's CA and CRL. The loader parses them as the gateway does, so
// a test CA and its CRL (one file holding both) stand in for the PKI the pilot makes at run time.
std::string MakePolicyDir() {
  std::string dir = ScratchDir() + "/pilot";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  for (const char* entry :
       {"federation.yaml", "agreements", "mappings", "services", "classification.yaml"}) {
    std::filesystem::create_symlink(absl::StrCat(PASARELA_SOURCE_DIR, "/policies/", entry),
                                    absl::StrCat(dir, "/", entry), error);
    if (error) StopWithPolicyError(absl::StrCat("cannot link ", entry, ": ", error.message()));
  }
  for (const char* country : {"AR", "BR", "CL", "UY"}) {
    for (const char* file : {"ca.crt", "ca.crl"}) {
      const std::string link = absl::StrCat(dir, "/pki/", country, "/", file);
      std::filesystem::create_directories(absl::StrCat(dir, "/pki/", country), error);
      std::filesystem::create_symlink(
          absl::StrCat(PASARELA_SOURCE_DIR, "/tests/agreement/testdata/trust/placeholder.pem"),
          link, error);
      if (error) StopWithPolicyError(absl::StrCat("cannot link ", link, ": ", error.message()));
    }
  }
  return dir;
}

std::unique_ptr<const PilotPolicy> Load() {
  // Protobuf logs every string field with invalid UTF-8 that fails to parse; the failed parse is
  // what the targets check, and a line per input would slow them down.
  google::protobuf::SetLogHandler(nullptr);
  auto policy = std::make_unique<PilotPolicy>();
  policy->dir = MakePolicyDir();
  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog =
      DescriptorCatalog::Load({PASARELA_DESCRIPTOR_SET, PASARELA_NATIONAL_DESCRIPTOR_SET});
  if (!catalog.ok()) StopWithPolicyError(std::string(catalog.status().message()));
  policy->catalog = *std::move(catalog);
  const DescriptorCatalog& pool = *policy->catalog;
  Diagnostics diagnostics;
  policy->federation =
      Loaded(LoadFederation(policy->dir + "/federation.yaml", diagnostics), diagnostics);
  policy->mappings = LoadMappings(policy->dir + "/mappings", pool, diagnostics);
  if (policy->mappings == nullptr) StopWithPolicyError(diagnostics.ToString());
  for (const std::string& id : policy->mappings->ids()) {
    const Mapping* mapping = policy->mappings->Find(id);
    policy->plans.push_back(&mapping->forward());
    if (mapping->invertible()) policy->plans.push_back(*mapping->reverse());
  }
  for (const char* country : {"AR", "BR", "CL", "UY"}) {
    policy->services.emplace(
        country,
        Loaded(LoadServiceDirectory(absl::StrCat(policy->dir, "/services/", country, ".yaml"),
                                    country, pool, policy->mappings.get(), diagnostics),
               diagnostics));
  }
  policy->agreements =
      Loaded(LoadAgreements(policy->dir + "/agreements", &policy->federation, pool, diagnostics),
             diagnostics);
  policy->classification = std::make_unique<const classify::ClassificationPolicy>(
      Loaded(classify::LoadClassification(policy->dir + "/classification.yaml", pool, diagnostics),
             diagnostics));
  return policy;
}

}  // namespace

const PilotPolicy& PilotPolicy::Get() {
  static const std::unique_ptr<const PilotPolicy> policy = Load();
  return *policy;
}

std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type) {
  // Prototypes live as long as the factory, which is made after the policy and so destroyed
  // before it.
  static google::protobuf::DynamicMessageFactory factory(&PilotPolicy::Get().catalog->pool());
  return std::unique_ptr<google::protobuf::Message>(factory.GetPrototype(type)->New());
}

}  // namespace pasarela::fuzzing
