#include "fuzz/payload_cases.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/statusor.h"
#include "fuzz/pilot_policy.h"

namespace pasarela::fuzzing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz: payload cases: %s\n", what.c_str());
  std::abort();
}

PayloadCases Make() {
  const PilotPolicy& pilot = PilotPolicy::Get();
  PayloadCases made;
  for (const auto& agreement : pilot.agreements.agreements()) {
    absl::StatusOr<classify::PersonalDataMinimiserPtr> minimiser =
        classify::PersonalDataMinimiser::Create(
            *pilot.classification, agreement->personal_data,
            classify::DerivePseudonymKey("a gateway pseudonym key, 32 bytes", agreement->id));
    if (!minimiser.ok()) Fail(minimiser.status().ToString());
    const classify::PersonalDataMinimiser* treat = minimiser->get();
    made.minimisers.emplace(agreement->id, *std::move(minimiser));
    for (const std::string& method : agreement->methods) {
      PayloadCase plain{pilot.catalog->FindMethod(method),
                        pilot.agreements.FindTrimmer(agreement->id, method), treat};
      if (plain.method == nullptr || plain.trimmer == nullptr) Fail("no method " + method);
      made.all.push_back(plain);
      for (const auto& [country, services] : pilot.services) {
        for (const MethodBinding& binding : services.consumer_bindings()) {
          if (binding.canonical != method) continue;
          PayloadCase mapped = plain;
          mapped.consumer = &binding;
          made.all.push_back(mapped);
        }
        for (const ProviderService& provider : services.providers()) {
          const MethodBinding* binding = provider.FindBinding(method);
          if (binding == nullptr) continue;
          PayloadCase mapped = plain;
          mapped.provider = binding;
          made.all.push_back(mapped);
        }
      }
    }
  }
  if (made.all.empty()) Fail("the pilot has no agreement");
  return made;
}

}  // namespace

const PayloadCases& PayloadCases::Get() {
  static const PayloadCases cases = Make();
  return cases;
}

}  // namespace pasarela::fuzzing
