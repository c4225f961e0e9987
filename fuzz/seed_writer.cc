// Writes the binary seeds of fuzz/corpus/: serialized messages the pilot's mappings accept
// (MappingPlan::FillExample) for fuzz_mapping and fuzz_payload, a small audit trail written by
// AuditLog for fuzz_audit_verify, and messages of a federation stream for
// fuzz_federation_frames. fuzz/make-seeds runs it; see fuzz/README.md.
//
//   fuzz_seed_writer CORPUS_DIR SIGNING_KEY SIGNING_CERT
#include <google/protobuf/message.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fuzz/payload_cases.h"
#include "fuzz/pilot_policy.h"
#include "gateway/audit/audit_log.h"
#include "gateway/mapping/mapping.h"
#include "gateway/net/federation_frames.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace {

using pasarela::MappingPlan;
using pasarela::fuzzing::NewMessage;
using pasarela::fuzzing::PayloadCases;
using pasarela::fuzzing::PilotPolicy;

bool WriteSeed(const std::filesystem::path& dir, const std::string& name,
               const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << bytes;
  return static_cast<bool>(out);
}

// The selector byte a target reads first, then an example message of `plan`'s source type.
std::string Example(uint8_t selector, const MappingPlan& plan, uint64_t seed) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(plan.source_type());
  plan.FillExample(seed, message.get());
  return std::string(1, static_cast<char>(selector)) + message->SerializeAsString();
}

bool WriteMappingSeeds(const std::filesystem::path& corpus) {
  const std::vector<const MappingPlan*>& plans = PilotPolicy::Get().plans;
  bool ok = true;
  for (size_t i = 0; i < plans.size(); ++i) {
    ok &= WriteSeed(corpus / "fuzz_mapping", absl::StrFormat("plan-%02d", i),
                    Example(static_cast<uint8_t>(i), *plans[i], i));
  }
  return ok;
}

// A message of `type` made by mapping an example of some pilot plan whose target it is, or empty.
std::string CanonicalExample(const google::protobuf::Descriptor* type, uint64_t seed) {
  for (const MappingPlan* plan : PilotPolicy::Get().plans) {
    if (plan->target_type() != type) continue;
    std::unique_ptr<google::protobuf::Message> source = NewMessage(plan->source_type());
    plan->FillExample(seed, source.get());
    std::unique_ptr<google::protobuf::Message> target = NewMessage(type);
    if (plan->Apply(*source, target.get()).ok()) return target->SerializeAsString();
  }
  return "";
}

bool WritePayloadSeeds(const std::filesystem::path& corpus) {
  const std::vector<pasarela::fuzzing::PayloadCase>& cases = PayloadCases::Get().all;
  bool ok = true;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string selector(1, static_cast<char>(i));
    const pasarela::fuzzing::PayloadCase& call = cases[i];
    std::vector<std::string> payloads;
    if (call.consumer != nullptr && call.consumer->request_plan != nullptr) {
      payloads.push_back(Example(static_cast<uint8_t>(i), *call.consumer->request_plan, i));
    } else if (call.provider != nullptr && call.provider->response_plan != nullptr) {
      payloads.push_back(Example(static_cast<uint8_t>(i), *call.provider->response_plan, i));
    } else {
      // No binding: the canonical request and response.
      for (const google::protobuf::Descriptor* type :
           {call.method->input_type(), call.method->output_type()}) {
        std::string bytes = CanonicalExample(type, i);
        if (!bytes.empty()) payloads.push_back(selector + bytes);
      }
    }
    for (size_t j = 0; j < payloads.size(); ++j) {
      ok &= WriteSeed(corpus / "fuzz_payload", absl::StrFormat("case-%02d-%d", i, j), payloads[j]);
    }
  }
  return ok;
}

bool WriteAuditSeed(const std::filesystem::path& corpus, const std::string& key,
                    const std::string& cert) {
  std::filesystem::path trail = corpus / "audit-trail.tmp";
  std::filesystem::remove_all(trail);
  {
    pasarela::audit::AuditLogOptions options;
    options.directory = trail.string();
    options.gateway = "CL";
    options.signing_key_file = key;
    options.signing_cert_file = cert;
    options.checkpoint_every_records = 2;
    absl::StatusOr<std::unique_ptr<pasarela::audit::AuditLog>> log =
        pasarela::audit::AuditLog::Open(std::move(options));
    if (!log.ok()) {
      std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
      return false;
    }
    for (int i = 1; i <= 3; ++i) {
      pasarela::audit::v1::AuditRecord record;
      record.set_exchange_id(absl::StrCat("seed-exchange-", i));
      record.set_consumer("AR/GOV/migraciones");
      record.set_provider("CL/GOV/registro-civil");
      record.set_method("/pasarela.identity.v1.IdentityService/GetPerson");
      record.set_agreement_id("ar-cl-identity-2026");
      record.set_purpose("migration-control");
      if (!(*log)->AppendAndWait(std::move(record)).ok()) return false;
    }
    if (!(*log)->Close().ok()) return false;
  }
  std::filesystem::create_directories(corpus / "fuzz_audit_verify");
  std::filesystem::copy_file(trail / "segment-000001.log",
                             corpus / "fuzz_audit_verify" / "segment-000001.log",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove_all(trail);
  return true;
}

// Messages of a federation stream as each side reads them: a batch of calls and a cancel, and a
// batch of answers (one OK, one refused), behind the selector byte (even: provider, odd: consumer).
bool WriteFrameSeeds(const std::filesystem::path& corpus) {
  pasarela::federation::v1::CallFrame call;
  call.set_id(1);
  call.set_method("/pasarela.identity.v1.IdentityService/VerifyIdentity");
  call.set_timeout_micros(2'000'000);
  call.mutable_facts()->set_target("CL/GOV/registro-civil");
  call.mutable_facts()->set_consumer("AR/GOV/migraciones");
  call.mutable_facts()->set_exchange_id("6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10");
  call.mutable_facts()->set_purpose("border-control");
  call.mutable_facts()->set_agreement("ar-cl-identity-2026");
  call.set_request(std::string("\x0a\x08\x31\x32\x33\x34\x35\x36\x37\x38", 10));
  std::string calls = pasarela::EncodeFrame(call);
  call.set_id(2);
  call.set_timeout_micros(0);
  calls += pasarela::EncodeFrame(call) + pasarela::EncodeCancel(1);

  pasarela::federation::v1::AnswerFrame answer;
  answer.set_id(2);
  answer.mutable_facts()->set_answered_by("CL");
  answer.mutable_facts()->set_withheld("address");
  answer.set_response(std::string("\x08\x01\x12\x04\x4a\x75\x61\x6e", 8));
  std::string answers = pasarela::EncodeFrame(answer);
  answer.set_id(3);
  answer.set_code(7);
  answer.set_message("no agreement covers the method");
  answer.clear_response();
  answer.mutable_facts()->set_deny_rule("ar-cl-identity-2026/deny/1");
  answers += pasarela::EncodeFrame(answer);

  const std::filesystem::path dir = corpus / "fuzz_federation_frames";
  return WriteSeed(dir, "calls", std::string(1, '\0') + calls) &&
         WriteSeed(dir, "answers", std::string(1, '\1') + answers);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fuzz_seed_writer CORPUS_DIR SIGNING_KEY SIGNING_CERT\n");
    return 2;
  }
  std::filesystem::path corpus(argv[1]);
  bool ok = WriteMappingSeeds(corpus) && WritePayloadSeeds(corpus) &&
            WriteAuditSeed(corpus, argv[2], argv[3]) && WriteFrameSeeds(corpus);
  return ok ? 0 : 1;
}
