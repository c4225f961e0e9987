// The cases of the payload fuzz target and its seeds: every (agreement, method) of the pilot's
// policies/, alone and with each national binding of a consumer or provider country that carries
// the method, with the agreement's trimmer and personal-data minimiser. Built once per process
// (thread-safe); immutable after.
#ifndef PASARELA_FUZZ_PAYLOAD_CASES_H_
#define PASARELA_FUZZ_PAYLOAD_CASES_H_

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gateway/agreement/response_trimmer.h"
#include "gateway/classify/minimiser.h"
#include "gateway/policy/service_directory.h"

namespace pasarela::fuzzing {

struct PayloadCase {
  const google::protobuf::MethodDescriptor* method = nullptr;
  const ResponseTrimmer* trimmer = nullptr;
  const classify::PersonalDataMinimiser* minimiser = nullptr;
  const MethodBinding* consumer = nullptr;  // an agency calling in its national schema
  const MethodBinding* provider = nullptr;  // a provider answering in its national schema
};

struct PayloadCases {
  absl::flat_hash_map<std::string, classify::PersonalDataMinimiserPtr> minimisers;
  std::vector<PayloadCase> all;  // never empty

  // Built from PilotPolicy::Get() on first use; aborts when the pilot has no agreement.
  static const PayloadCases& Get();
};

}  // namespace pasarela::fuzzing

#endif  // PASARELA_FUZZ_PAYLOAD_CASES_H_
