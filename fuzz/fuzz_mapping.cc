// Fuzz target: the mapping engine (gateway/mapping/mapping.h) on arbitrary bytes as a national
// (or canonical) message, with the pilot's mappings of policies/mappings.
//
// Input: the first byte picks one plan (every mapping's forward plan and, when invertible, its
// reverse plan, in id order); the rest is parsed as that plan's source type, as the gateway does
// with a payload before it maps it. Bytes that do not parse are refused by protobuf and end the
// run; a message that parses must be mapped or refused with a Status, never crash. A mapped
// message must serialize, and its bytes must parse back as the target type.
#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/pilot_policy.h"
#include "gateway/mapping/mapping.h"

using pasarela::MappingPlan;
using pasarela::fuzzing::NewMessage;
using pasarela::fuzzing::PilotPolicy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<const MappingPlan*>& plans = PilotPolicy::Get().plans;
  const MappingPlan& plan = *plans[data[0] % plans.size()];
  std::unique_ptr<google::protobuf::Message> source = NewMessage(plan.source_type());
  if (!source->ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  std::unique_ptr<google::protobuf::Message> target = NewMessage(plan.target_type());
  if (!plan.Apply(*source, target.get()).ok()) return 0;
  std::string bytes;
  std::unique_ptr<google::protobuf::Message> reparsed = NewMessage(plan.target_type());
  if (!target->SerializeToString(&bytes) || !reparsed->ParseFromString(bytes)) {
    std::fprintf(stderr, "fuzz_mapping: %s produced a message that does not round-trip\n",
                 plan.mapping_id().c_str());
    std::abort();
  }
  return 0;
}
