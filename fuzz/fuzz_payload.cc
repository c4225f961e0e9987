// Fuzz target: the proxy's payload path on arbitrary bytes as a request or response, with the
// pilot's policies/ (agreements, services, mappings, classification).
//
// The per-call reactor (gateway/net/exchange_service.cc) holds the pipeline; its stages on
// payload bytes are library functions, and this target calls the same ones in the same order:
//   request:  [consumer binding] parse as the national request, MappingPlan::Apply, serialize
//             -> parse as the canonical method's input type, DataSubjectOf (the audit subject)
//             -> [provider binding] parse, MappingPlan::Apply to the provider's schema, serialize
//   response: [provider binding] parse as the national response, Apply, serialize
//             -> parse as the method's output type, ResponseTrimmer::Trim (the agreement's
//                allow-list), PersonalDataMinimiser::Minimise (its personal-data rules), serialize
//             -> [consumer binding] parse, Apply back to the consumer's schema, serialize
// The reactor's own glue (MapBytes, MinimiseResponse) is private to it and also does timing,
// audit and gRPC buffers; it is mirrored here in a few lines rather than made public.
//
// Input: the first byte picks a case (an agreement, one of its methods, and none or one binding
// of a consumer or provider country); the rest is the payload, used both as the request and as
// the response. Besides not crashing: a refused minimisation leaves the message as it arrived,
// and a trimmed, minimised response is left alone by a second trim.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/payload_cases.h"
#include "fuzz/pilot_policy.h"
#include "gateway/mapping/mapping.h"
#include "gateway/net/data_subject.h"

namespace {

using google::protobuf::Message;
using pasarela::MappingPlan;
using pasarela::fuzzing::NewMessage;
using pasarela::fuzzing::PayloadCase;
using pasarela::fuzzing::PayloadCases;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_payload: %s\n", what.c_str());
  std::abort();
}

// As the reactor's MapBytes: parse as the plan's source, apply, serialize the target.
absl::StatusOr<std::string> MapBytes(const std::string& bytes, const MappingPlan* plan) {
  if (plan == nullptr) return bytes;
  std::unique_ptr<Message> source = NewMessage(plan->source_type());
  if (!source->ParseFromString(bytes)) return absl::InvalidArgumentError("not a valid message");
  std::unique_ptr<Message> target = NewMessage(plan->target_type());
  absl::Status mapped = plan->Apply(*source, target.get());
  if (!mapped.ok()) return mapped;
  return target->SerializeAsString();
}

void Request(const PayloadCase& call, const std::string& payload) {
  absl::StatusOr<std::string> canonical =
      MapBytes(payload, call.consumer != nullptr ? call.consumer->request_plan : nullptr);
  if (!canonical.ok()) return;
  std::unique_ptr<Message> request = NewMessage(call.method->input_type());
  if (!request->ParseFromString(*canonical)) return;
  pasarela::DataSubjectOf(*request);
  MapBytes(*canonical, call.provider != nullptr ? call.provider->request_plan : nullptr)
      .IgnoreError();
}

void Response(const PayloadCase& call, const std::string& payload) {
  absl::StatusOr<std::string> canonical =
      MapBytes(payload, call.provider != nullptr ? call.provider->response_plan : nullptr);
  if (!canonical.ok()) return;
  std::unique_ptr<Message> response = NewMessage(call.method->output_type());
  if (!response->ParseFromString(*canonical)) return;
  call.trimmer->Trim(response.get());
  std::string trimmed = response->SerializeAsString();
  absl::StatusOr<pasarela::classify::MinimisationReport> treated =
      call.minimiser->Minimise(response.get());
  std::string answered = response->SerializeAsString();
  if (!treated.ok()) {
    if (answered != trimmed) Fail("a refused minimisation changed the message");
    return;
  }
  if (call.trimmer->Trim(response.get()).trimmed()) {
    Fail("a minimised response had fields the allow-list trims");
  }
  MapBytes(answered, call.consumer != nullptr ? call.consumer->response_plan : nullptr)
      .IgnoreError();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const PayloadCases& cases = PayloadCases::Get();
  const PayloadCase& call = cases.all[data[0] % cases.all.size()];
  std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  Request(call, payload);
  Response(call, payload);
  return 0;
}
