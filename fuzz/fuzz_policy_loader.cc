// Fuzz target: the policy loader on arbitrary YAML (gateway/policy, and the loaders of each
// concern that it calls), the files `pasarela policy lint DIR` and a reload read.
//
// Input: the first byte picks the kind of file, the rest is its contents:
//   0 gateway.yaml        LoadGatewayConfig
//   1 federation.yaml     LoadFederation
//   2 services.yaml       LoadServiceDirectory (country CL, the pilot's catalog and mappings)
//   3 agreements/*.yaml   LoadAgreements (the pilot's federation and catalog)
//   4 classification.yaml LoadClassification (the pilot's catalog)
//   5 mappings/*.yaml     LoadMappings (the pilot's catalog)
// The loaders read files, so the contents are written to a private scratch directory first, whose
// pki/ holds the pilot's (stand-in) trust files, so that a federation.yaml can name them.
// Every input must come back as a value or as diagnostics: no exception past the loader, no
// crash; and a loader returns nothing exactly when it reported an error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/string_view.h"
#include "fuzz/pilot_policy.h"
#include "fuzz/scratch_dir.h"
#include "gateway/policy/diagnostics.h"
#include "gateway/policy/gateway_config.h"

namespace {

using pasarela::Diagnostics;
using pasarela::fuzzing::PilotPolicy;
using pasarela::fuzzing::WriteScratchFile;

// A loader's contract: a value, or at least one error; never both missing.
void CheckOutcome(const char* loader, bool has_value, const Diagnostics& diagnostics) {
  if (has_value == diagnostics.has_errors()) {
    std::fprintf(stderr, "fuzz_policy_loader: %s returned %s, errors:\n%s\n", loader,
                 has_value ? "a value" : "nothing", diagnostics.ToString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const PilotPolicy& pilot = PilotPolicy::Get();
  static const bool linked = [&pilot] {
    std::error_code error;
    std::filesystem::create_directories(pasarela::fuzzing::ScratchDir() + "/input", error);
    std::filesystem::create_symlink(pilot.dir + "/pki",
                                    pasarela::fuzzing::ScratchDir() + "/input/pki", error);
    return !error;
  }();
  if (!linked) std::abort();
  absl::string_view contents(reinterpret_cast<const char*>(data) + 1, size - 1);
  Diagnostics diagnostics;
  switch (data[0] % 6) {
    case 0: {
      std::string path = WriteScratchFile("input/gateway/gateway.yaml", contents);
      CheckOutcome("LoadGatewayConfig", pasarela::LoadGatewayConfig(path, diagnostics).has_value(),
                   diagnostics);
      break;
    }
    case 1: {
      std::string path = WriteScratchFile("input/federation.yaml", contents);
      CheckOutcome("LoadFederation", pasarela::LoadFederation(path, diagnostics).has_value(),
                   diagnostics);
      break;
    }
    case 2: {
      std::string path = WriteScratchFile("input/services.yaml", contents);
      CheckOutcome("LoadServiceDirectory",
                   pasarela::LoadServiceDirectory(path, "CL", *pilot.catalog, pilot.mappings.get(),
                                                  diagnostics)
                       .has_value(),
                   diagnostics);
      break;
    }
    case 3: {
      std::string path = WriteScratchFile("input/agreements/agreement.yaml", contents);
      std::string dir = path.substr(0, path.rfind('/'));
      CheckOutcome(
          "LoadAgreements",
          pasarela::LoadAgreements(dir, &pilot.federation, *pilot.catalog, diagnostics).has_value(),
          diagnostics);
      break;
    }
    case 4: {
      std::string path = WriteScratchFile("input/classification.yaml", contents);
      CheckOutcome(
          "LoadClassification",
          pasarela::classify::LoadClassification(path, *pilot.catalog, diagnostics).has_value(),
          diagnostics);
      break;
    }
    default: {
      std::string path = WriteScratchFile("input/mappings/mapping.yaml", contents);
      std::string dir = path.substr(0, path.rfind('/'));
      CheckOutcome("LoadMappings",
                   pasarela::LoadMappings(dir, *pilot.catalog, diagnostics) != nullptr,
                   diagnostics);
      break;
    }
  }
  return 0;
}
