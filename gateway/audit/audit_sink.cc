#include "gateway/audit/audit_sink.h"

#include <utility>

#include "gateway/common/annotated_mutex.h"

namespace pasarela::audit {

absl::Status AuditSink::AppendAndWait(v1::AuditRecord record) {
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
