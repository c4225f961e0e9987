#include "gateway/audit/audit_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela::audit {

absl::Status ValidateSinkOptions(const AuditSinkOptions& o, absl::string_view what) {
  const std::pair<bool, const char*> checks[] = {
      {o.gateway.empty(), "gateway is empty"},
      {o.signing_key_file.empty(), "signing_key_file is empty"},
      {o.signing_cert_file.empty(), "signing_cert_file is empty"},
      {o.checkpoint_every_records == 0, "checkpoint_every_records is 0"},
      {o.checkpoint_interval <= absl::ZeroDuration(), "checkpoint_interval is not positive"},
      {o.max_batch_delay < absl::ZeroDuration(), "max_batch_delay is negative"},
      {o.max_batch_records == 0, "max_batch_records is 0"},
      {o.max_queue_records == 0, "max_queue_records is 0"},
      {o.retry_interval < absl::Milliseconds(1), "retry_interval is below 1ms"},
  };
  for (const auto& [bad, problem] : checks) {
    if (bad) return absl::InvalidArgumentError(absl::StrCat(what, ": ", problem));
  }
  return absl::OkStatus();
}

absl::Status AuditSink::AppendAndWait(OwnedAuditRecord record) {
  struct Outcome {
    AnnotatedMutex mu;
    absl::CondVar cv;
    bool done ABSL_GUARDED_BY(mu) = false;
    absl::Status status ABSL_GUARDED_BY(mu);
  } outcome;
  Append(std::move(record), [&outcome](absl::Status s) {
    AnnotatedMutexLock lock(&outcome.mu);
    outcome.status = std::move(s);
    outcome.done = true;
    outcome.cv.Signal();
  });
  AnnotatedMutexLock lock(&outcome.mu);
  while (!outcome.done) outcome.mu.Wait(&outcome.cv);
  return outcome.status;
}

}  // namespace pasarela::audit
