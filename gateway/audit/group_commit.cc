#include "gateway/audit/group_commit.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/common/flush_group.h"
#include "gateway/common/line_batch.h"

namespace pasarela::audit {

GroupCommitSink::~GroupCommitSink() { Close().IgnoreError(); }

void GroupCommitSink::StartWriter() { writer_ = std::thread(&GroupCommitSink::WriterLoop, this); }

absl::Status GroupCommitSink::LoadCheckpointSigner(const AuditSinkOptions& options) {
  absl::StatusOr<std::unique_ptr<CheckpointSigner>> signer =
      CheckpointSigner::Load(options.signing_key_file, options.signing_cert_file);
  if (!signer.ok()) return signer.status();
  ReplaceCheckpointSigner(*std::move(signer));
  return absl::OkStatus();
}

void GroupCommitSink::ReplaceCheckpointSigner(std::shared_ptr<const CheckpointSigner> signer) {
  AnnotatedMutexLock lock(&signer_mu_);
  checkpoint_signer_ = std::move(signer);
}

std::shared_ptr<const CheckpointSigner> GroupCommitSink::checkpoint_signer() const {
  AnnotatedMutexLock lock(&signer_mu_);
  return checkpoint_signer_;
}

void GroupCommitSink::Append(OwnedAuditRecord record, DurableCallback done) {
  Enqueue(Pending{std::move(record), std::move(done), absl::Time(), nullptr, nullptr});
}

void GroupCommitSink::AppendWithReceipt(OwnedAuditRecord record,
                                        std::shared_ptr<v1::Receipt> receipt,
                                        const CheckpointSigner* signer, DurableCallback done) {
  Enqueue(Pending{std::move(record), std::move(done), absl::Time(), std::move(receipt), signer});
}

void GroupCommitSink::Enqueue(Pending pending) {
  absl::Status refusal;
  if (const size_t bytes = pending.record->ByteSizeLong(); bytes > kMaxCallerRecordBytes) {
    refusal =
        absl::InvalidArgumentError(absl::StrCat("audit record of ", bytes, " bytes is too large"));
  }
  {
    AnnotatedMutexLock lock(&mu_);
    if (!refusal.ok()) {
      // Keep the reason.
    } else if (closing_) {
      refusal = absl::UnavailableError("audit log closed");
    } else if (!healthy_) {
      refusal = unhealthy_status_;
    } else if (queue_.size() >= limits_.max_queue_records) {
      refusal = absl::UnavailableError(
          absl::StrCat("audit queue full (", queue_.size(), " records waiting)"));
    } else {
      pending.queued = absl::Now();
      queue_.push_back(std::move(pending));
      stats_.queue_depth = queue_.size();
      work_cv_.Signal();
      return;
    }
    ++stats_.refused_appends;
  }
  pending.done(refusal);
}

absl::Status GroupCommitSink::Close() {
  AnnotatedMutexLock close_lock(&close_mu_);
  {
    AnnotatedMutexLock lock(&mu_);
    if (closed_) return close_status_;
    closing_ = true;
    work_cv_.Signal();
  }
  if (writer_.joinable()) writer_.join();
  AnnotatedMutexLock lock(&mu_);
  closed_ = true;
  return close_status_;
}

bool GroupCommitSink::healthy() const { return healthy_.load(std::memory_order_relaxed); }

AuditLogStats GroupCommitSink::stats() const {
  AnnotatedMutexLock lock(&mu_);
  AuditLogStats s = stats_;
  s.queue_depth = queue_.size();
  s.healthy = healthy_;
  return s;
}

void GroupCommitSink::UpdateStats(const std::function<void(AuditLogStats*)>& change) {
  AnnotatedMutexLock lock(&mu_);
  change(&stats_);
}

bool GroupCommitSink::BatchFull() const {
  return queue_.size() >= limits_.max_batch_records || closing_;
}

void GroupCommitSink::WriterLoop() {
  for (bool stop = false; !stop;) {
    std::deque<Pending> batch;
    {
      AnnotatedMutexLock lock(&mu_);
      // Without new records the writer wakes up to probe a failed store, or to seal by time.
      const absl::Time duty = writer_error_.ok() ? SealDueTime() : next_probe_;
      while (queue_.empty() && !closing_ && !mu_.WaitWithDeadline(&work_cv_, duty)) {
      }
      if (!queue_.empty() && !closing_ && writer_error_.ok() &&
          limits_.max_batch_delay > absl::ZeroDuration()) {
        // Group commit with a bounded wait: more records may join until the batch is full.
        const absl::Time close_at = queue_.front().queued + limits_.max_batch_delay;
        while (!BatchFull() && !mu_.WaitWithDeadline(&work_cv_, close_at)) {
        }
      }
      const size_t n = std::min(queue_.size(), limits_.max_batch_records);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queue_depth = queue_.size();
      stop = closing_ && queue_.empty();
    }
    if (!writer_error_.ok() && (stop || absl::Now() >= next_probe_)) {
      next_probe_ = absl::Now() + limits_.retry_interval;
      TryRecover();
    }
    if (!batch.empty()) {
      // Answering the batch's appenders writes their log lines: all of them at once, after; then
      // what the answers sent (a federation stream's answer frames) leaves together.
      FlushGroup sends;
      LineBatch lines;
      if (writer_error_.ok()) {
        SignReceipts(&batch);
        WriteBatch(&batch);
      } else {
        Refuse(&batch, writer_error_);
      }
    }
    if (writer_error_.ok() && (stop || absl::Now() >= SealDueTime())) Seal(stop);
  }
  close_status_ = writer_error_;
  WriterStopped();
}

void GroupCommitSink::SignReceipts(std::deque<Pending>* batch) {
  // Nearly always one signer (the gateway's key); grouped in case a sink is shared.
  std::vector<std::pair<const CheckpointSigner*, std::vector<v1::Receipt*>>> groups;
  for (Pending& p : *batch) {
    if (p.receipt == nullptr || p.receipt_signer == nullptr) continue;
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&p](const auto& g) { return g.first == p.receipt_signer; });
    if (group == groups.end()) group = groups.insert(groups.end(), {p.receipt_signer, {}});
    group->second.push_back(p.receipt.get());
  }
  uint64_t signed_receipts = 0;
  uint64_t signatures = 0;
  for (const auto& [signer, receipts] : groups) {
    // A failure leaves the receipts unsigned; the caller sees it and refuses to vouch.
    if (SignReceiptBatch(*signer, receipts).ok()) {
      signed_receipts += receipts.size();
      ++signatures;
    }
  }
  if (signatures > 0) {
    UpdateStats([&](AuditLogStats* stats) {
      stats->receipts_signed += signed_receipts;
      stats->receipt_signatures += signatures;
    });
  }
}

absl::Status GroupCommitSink::MarkFailed(absl::Status status) {
  const bool first = writer_error_.ok();
  writer_error_ = status;
  if (first) next_probe_ = absl::Now() + limits_.retry_interval;
  AnnotatedMutexLock lock(&mu_);
  if (first) ++stats_.write_failures;
  healthy_ = false;
  unhealthy_status_ = std::move(status);
  return writer_error_;
}

void GroupCommitSink::MarkRecovered() {
  writer_error_ = absl::OkStatus();
  AnnotatedMutexLock lock(&mu_);
  healthy_ = true;
  unhealthy_status_ = absl::OkStatus();
}

void GroupCommitSink::Refuse(std::deque<Pending>* batch, const absl::Status& status) {
  {
    AnnotatedMutexLock lock(&mu_);
    stats_.refused_appends += batch->size();
  }
  for (Pending& p : *batch) p.done(status);
}

}  // namespace pasarela::audit
