// GroupCommitSink is what the audit sinks share: the queue appenders put records into, the one
// writer thread that takes them in batches, fail-closed health (refuse while the store cannot be
// written, probe every retry interval), closing, and the counters. A sink says how to write a
// batch, how to seal the chain, and how to probe its store; see audit_sink.h for the contract
// this keeps. Internal to gateway/audit.
//
// Thread safety: Append, Close, healthy and stats are safe from any thread. The virtual hooks run
// on the writer thread only, and so does everything the "writer thread" functions below touch.

#ifndef PASARELA_GATEWAY_AUDIT_GROUP_COMMIT_H_
#define PASARELA_GATEWAY_AUDIT_GROUP_COMMIT_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_sink.h"
#include "gateway/audit/segment_format.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela::audit {

// Larger records are refused with INVALID_ARGUMENT: headroom under an entry's largest payload for
// the fields the sink adds.
inline constexpr size_t kMaxCallerRecordBytes = kMaxEntryPayload - 1024;

class GroupCommitSink : public AuditSink {
 public:
  // REQUIRES: the subclass's destructor calls Close() (the writer calls its hooks).
  ~GroupCommitSink() override;

  void Append(OwnedAuditRecord record, DurableCallback done) override;
  void AppendWithReceipt(OwnedAuditRecord record, std::shared_ptr<v1::Receipt> receipt,
                         const CheckpointSigner* signer, DurableCallback done) override;
  absl::Status Close() override;
  void ReplaceCheckpointSigner(std::shared_ptr<const CheckpointSigner> signer) override;
  bool healthy() const override;
  AuditLogStats stats() const override;

 protected:
  struct Pending {
    OwnedAuditRecord record;
    DurableCallback done;
    absl::Time queued;
    // Signed with the batch's other receipts before the batch is written; may be null.
    std::shared_ptr<v1::Receipt> receipt;
    const CheckpointSigner* receipt_signer = nullptr;
  };

  // Takes the batching and retry options of `options`.
  explicit GroupCommitSink(const AuditSinkOptions& options) : limits_(options) {}

  // Starts the writer thread, once the subclass has opened its store.
  void StartWriter();

  // Loads the checkpoint signer named by the options (at Open).
  absl::Status LoadCheckpointSigner(const AuditSinkOptions& options);
  // The signer of the next checkpoint. Any thread.
  std::shared_ptr<const CheckpointSigner> checkpoint_signer() const;

  // Hooks, on the writer thread.
  // Writes `batch` durably and answers each appender (Refuse on failure).
  virtual void WriteBatch(std::deque<Pending>* batch) = 0;
  // When a checkpoint falls due by time; InfiniteFuture when nothing waits to be sealed.
  virtual absl::Time SealDueTime() const = 0;
  // Seals what is due (everything unsealed when `closing`); a failure calls MarkFailed.
  virtual void Seal(bool closing) = 0;
  // Probes and repairs the store after a failure: MarkRecovered when it works, else
  // MarkFailed again with the current reason.
  virtual void TryRecover() = 0;
  // The writer is about to exit: release the file or connection.
  virtual void WriterStopped() {}

  // Writer thread: the store failed with `status` (UNAVAILABLE, naming the audit failure); the
  // sink refuses appends and probes every retry interval. Returns `status`.
  absl::Status MarkFailed(absl::Status status);
  // Writer thread: the store works again.
  void MarkRecovered();
  // Writer thread: counts and answers the appenders of a batch that was not written.
  void Refuse(std::deque<Pending>* batch, const absl::Status& status);
  // Changes the counters under the lock.
  void UpdateStats(const std::function<void(AuditLogStats*)>& change);

 private:
  void WriterLoop();
  // Writer thread: one signature per signer over the receipts of `batch`.
  void SignReceipts(std::deque<Pending>* batch);
  void Enqueue(Pending pending);
  bool BatchFull() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const AuditSinkOptions limits_;

  // Writer-thread state.
  absl::Status writer_error_;  // why the writer is unhealthy; OK when healthy
  absl::Time next_probe_ = absl::InfinitePast();
  absl::Status close_status_;  // set by the writer thread before it exits

  // Serialises Close calls.
  AnnotatedMutex close_mu_;

  mutable AnnotatedMutex mu_;
  // Signalled when a record is queued and when the sink starts closing.
  absl::CondVar work_cv_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Written under mu_, with unhealthy_status_; read without it by healthy(), on every exchange.
  std::atomic<bool> healthy_{true};
  absl::Status unhealthy_status_ ABSL_GUARDED_BY(mu_);
  AuditLogStats stats_ ABSL_GUARDED_BY(mu_);

  mutable AnnotatedMutex signer_mu_;
  std::shared_ptr<const CheckpointSigner> checkpoint_signer_ ABSL_GUARDED_BY(signer_mu_);

  std::thread writer_;
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_GROUP_COMMIT_H_
