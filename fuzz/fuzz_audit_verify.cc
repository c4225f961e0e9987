// Fuzz target: the audit verifier (gateway/audit/audit_verify.h) and the trail reader of the
// audit commands (trail_reader.h) on arbitrary bytes as a segment file.
//
// An auditor runs `pasarela audit verify` on a trail that may have been damaged or forged; the
// verifier must report every problem and never crash, read out of bounds or loop. The input is
// written as segment-000001.log of a private trail directory; the target verifies the file alone
// (its first record anchors the chain), then the directory with --strict, and walks its records
// as `pasarela audit subject` and reconcile do. Each verifies or fails with a report; a trail that
// can be read never comes back as an error Status.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fuzz/scratch_dir.h"
#include "gateway/audit/audit_verify.h"
#include "gateway/audit/trail_reader.h"

namespace {

using pasarela::audit::AuditVerifier;
using pasarela::audit::AuditVerifyOptions;

std::unique_ptr<AuditVerifier> MakeVerifier(bool strict) {
  // Protobuf logs every record with invalid UTF-8 in a string field; the verifier reports it,
  // and a line per input would slow the target down.
  google::protobuf::SetLogHandler(nullptr);
  AuditVerifyOptions options;
  options.strict = strict;
  absl::StatusOr<std::unique_ptr<AuditVerifier>> verifier = AuditVerifier::Create(options);
  if (!verifier.ok()) std::abort();
  return *std::move(verifier);
}

void Check(const char* what, const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "fuzz_audit_verify: %s could not read a readable trail: %s\n", what,
                 status.ToString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<AuditVerifier> lenient = MakeVerifier(false);
  static const std::unique_ptr<AuditVerifier> strict = MakeVerifier(true);
  std::string segment = pasarela::fuzzing::WriteScratchFile(
      "trail/segment-000001.log", absl::string_view(reinterpret_cast<const char*>(data), size));
  std::string trail = segment.substr(0, segment.rfind('/'));

  absl::StatusOr<pasarela::audit::AuditVerifyReport> alone = lenient->Verify(segment);
  Check("Verify(segment)", alone.status());
  alone->Summary();
  absl::StatusOr<pasarela::audit::AuditVerifyReport> whole = strict->Verify(trail);
  Check("Verify(trail)", whole.status());
  whole->Summary();

  std::vector<std::string> damage;
  uint64_t records = 0;
  Check("ForEachRecord",
        pasarela::audit::ForEachRecord(
            trail,
            [&records](const pasarela::audit::v1::AuditRecord&,
                       const pasarela::audit::TrailSegment&, uint64_t) { ++records; },
            &damage));
  return 0;
}
