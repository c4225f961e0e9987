#include "gateway/audit/audit_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_chain.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/segment_format.h"

namespace pasarela::audit {
namespace {

// Headroom under kMaxEntryPayload for the fields the writer adds to a record.
constexpr size_t kMaxCallerRecordBytes = kMaxEntryPayload - 1024;

absl::Status ValidateOptions(const AuditLogOptions& o) {
  const std::pair<bool, const char*> checks[] = {
      {o.directory.empty(), "directory is empty"},
      {o.gateway.empty(), "gateway is empty"},
      {o.signing_key_file.empty(), "signing_key_file is empty"},
      {o.signing_cert_file.empty(), "signing_cert_file is empty"},
      {o.max_segment_bytes < 4096, "max_segment_bytes is below 4096"},
      {o.checkpoint_every_records == 0, "checkpoint_every_records is 0"},
      {o.checkpoint_interval <= absl::ZeroDuration(), "checkpoint_interval is not positive"},
      {o.max_batch_delay < absl::ZeroDuration(), "max_batch_delay is negative"},
      {o.max_batch_records == 0, "max_batch_records is 0"},
      {o.max_queue_records == 0, "max_queue_records is 0"},
      {o.retry_interval < absl::Milliseconds(1), "retry_interval is below 1ms"},
  };
  for (const auto& [bad, problem] : checks) {
    if (bad) return absl::InvalidArgumentError(absl::StrCat("audit log options: ", problem));
  }
  return absl::OkStatus();
}

}  // namespace

AuditLog::AuditLog(AuditLogOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(AuditLogOptions options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  while (options.directory.size() > 1 && options.directory.back() == '/') {
    options.directory.pop_back();
  }
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  absl::StatusOr<std::unique_ptr<CheckpointSigner>> signer =
      CheckpointSigner::Load(log->options_.signing_key_file, log->options_.signing_cert_file);
  if (!signer.ok()) return signer.status();
  log->signer_ = *std::move(signer);
  log->fs_ = log->options_.file_system ? log->options_.file_system : NewPosixAuditFileSystem();
  if (absl::Status s = log->Recover(); !s.ok()) return s;
  log->writer_ = std::thread(&AuditLog::WriterLoop, log.get());
  return log;
}

AuditLog::~AuditLog() { Close().IgnoreError(); }

std::string AuditLog::SegmentPath(uint64_t number) const {
  return absl::StrCat(options_.directory, "/", SegmentFileName(number));
}

absl::Status AuditLog::Recover() {
  const std::string& dir = options_.directory;
  if (absl::Status s = fs_->CreateDirectories(dir); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("audit directory: ", s.message()));
  }
  absl::StatusOr<std::vector<std::string>> names = fs_->ListDirectory(dir);
  if (!names.ok()) return names.status();
  const std::vector<uint64_t> segments = SegmentNumbers(*names);

  chain_ = ChainState();
  static_cast<ChainHead&>(chain_) = NewChainHead();
  chain_.segment = segments.empty() ? 1 : segments.back();
  bool repair = false;
  uint64_t repaired_size = 0;

  // The chain continues from the last entry of the last segment that has one.
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    const std::string path = SegmentPath(*it);
    const bool is_current = *it == chain_.segment;
    absl::StatusOr<std::string> content = fs_->ReadFile(path);
    if (!content.ok()) return content.status();
    EntryScanner scanner(*content);
    EntryScanner::Entry entry;
    EntryScanner::Problem problem;
    uint64_t good_end = 0;
    uint64_t entries = 0;
    ChainState found = chain_;
    found.unsealed = 0;
    for (bool more = true; more;) {
      switch (scanner.Next(&entry, &problem)) {
        case EntryScanner::Outcome::kEntry: {
          const std::string hash = Sha256(entry.payload);
          if (entry.type == EntryType::kRecord) {
            v1::AuditRecord record;
            if (!record.ParseFromArray(entry.payload.data(),
                                       static_cast<int>(entry.payload.size()))) {
              return absl::DataLossError(absl::StrCat(path, " offset ", entry.offset,
                                                      ": record does not parse; run `pasarela "
                                                      "audit verify` and move the segment aside"));
            }
            found.last_sequence = record.sequence();
            found.last_record_hash = hash;
            ++found.unsealed;
          } else {
            v1::Checkpoint checkpoint;
            if (!checkpoint.ParseFromArray(entry.payload.data(),
                                           static_cast<int>(entry.payload.size()))) {
              return absl::DataLossError(absl::StrCat(path, " offset ", entry.offset,
                                                      ": checkpoint does not parse; run "
                                                      "`pasarela audit verify` and move the "
                                                      "segment aside"));
            }
            found.last_sequence = checkpoint.sequence();
            found.last_record_hash = checkpoint.record_hash();
            found.unsealed = 0;
          }
          found.last_entry_hash = hash;
          good_end = entry.offset + entry.size;
          ++entries;
          break;
        }
        case EntryScanner::Outcome::kEnd:
          more = false;
          break;
        case EntryScanner::Outcome::kCorrupt:
          if (problem.resume_offset < content->size()) {
            return absl::DataLossError(absl::StrCat(
                path, " offset ", problem.offset, ": damaged entry (", problem.reason,
                ") before the end of the segment; run `pasarela audit verify` and move the "
                "segment aside"));
          }
          [[fallthrough]];
        case EntryScanner::Outcome::kTruncated:
          if (!is_current) {
            return absl::DataLossError(absl::StrCat(path, " offset ", problem.offset,
                                                    ": damaged end of a closed segment (",
                                                    problem.reason, ")"));
          }
          // A torn write from a crash: cut it away below.
          repair = true;
          repaired_size = good_end;
          open_report_.truncated = true;
          open_report_.truncated_segment = path;
          open_report_.truncated_offset = problem.offset;
          open_report_.truncated_bytes = content->size() - problem.offset;
          open_report_.truncated_reason = problem.reason;
          more = false;
          break;
      }
    }
    if (is_current) chain_.segment_size = good_end;
    if (entries > 0) {
      found.segment = chain_.segment;
      found.segment_size = chain_.segment_size;
      chain_ = found;
      break;
    }
  }

  const std::string current = SegmentPath(chain_.segment);
  absl::StatusOr<std::unique_ptr<AuditFile>> file = fs_->OpenForAppend(current);
  if (!file.ok()) {
    return absl::UnavailableError(
        absl::StrCat("audit trail not writable: ", current, ": ", file.status().message()));
  }
  file_ = *std::move(file);
  absl::Status s = absl::OkStatus();
  if (repair) {
    s = file_->Truncate(repaired_size);
    if (s.ok()) s = file_->Sync();
  }
  if (s.ok()) s = fs_->SyncDirectory(dir);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("audit trail not writable: ", current, ": ", s.message()));
  }

  chain_.last_checkpoint_time = absl::Now();
  open_report_.last_sequence = chain_.last_sequence;
  open_report_.segment = chain_.segment;
  {
    AnnotatedMutexLock lock(&mu_);
    stats_.last_sequence = chain_.last_sequence;
    stats_.segment = chain_.segment;
  }
  if (chain_.unsealed > 0) {
    open_report_.sealed_on_open = chain_.unsealed;
    if (absl::Status seal = WriteCheckpoint(); !seal.ok()) return seal;
  }
  return absl::OkStatus();
}

void AuditLog::Append(v1::AuditRecord record, DurableCallback done) {
  absl::Status refusal;
  if (record.ByteSizeLong() > kMaxCallerRecordBytes) {
    refusal = absl::InvalidArgumentError(
        absl::StrCat("audit record of ", record.ByteSizeLong(), " bytes is too large"));
  }
  {
    AnnotatedMutexLock lock(&mu_);
    if (!refusal.ok()) {
      // Keep the reason.
    } else if (closing_) {
      refusal = absl::UnavailableError("audit log closed");
    } else if (!healthy_) {
      refusal = unhealthy_status_;
    } else if (queue_.size() >= options_.max_queue_records) {
      refusal = absl::UnavailableError(
          absl::StrCat("audit queue full (", queue_.size(), " records waiting)"));
    } else {
      queue_.push_back(Pending{std::move(record), std::move(done), absl::Now()});
      stats_.queue_depth = queue_.size();
      work_cv_.Signal();
      return;
    }
    ++stats_.refused_appends;
  }
  done(refusal);
}

absl::Status AuditLog::Close() {
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

bool AuditLog::healthy() const {
  AnnotatedMutexLock lock(&mu_);
  return healthy_;
}

AuditLogStats AuditLog::stats() const {
  AnnotatedMutexLock lock(&mu_);
  AuditLogStats s = stats_;
  s.queue_depth = queue_.size();
  s.healthy = healthy_;
  return s;
}

bool AuditLog::HasWork() const { return !queue_.empty() || closing_; }

bool AuditLog::BatchFull() const { return queue_.size() >= options_.max_batch_records || closing_; }

absl::Time AuditLog::NextDutyTime() const {
  if (!writer_error_.ok()) return next_probe_;
  if (chain_.unsealed > 0) return chain_.last_checkpoint_time + options_.checkpoint_interval;
  return absl::InfiniteFuture();
}

void AuditLog::WriterLoop() {
  for (bool stop = false; !stop;) {
    std::deque<Pending> batch;
    {
      AnnotatedMutexLock lock(&mu_);
      const absl::Time duty = NextDutyTime();
      while (!HasWork() && !mu_.WaitWithDeadline(&work_cv_, duty)) {
      }
      if (!queue_.empty() && !closing_ && writer_error_.ok() &&
          options_.max_batch_delay > absl::ZeroDuration()) {
        // Group commit with a bounded wait: more records may join until the batch is full.
        const absl::Time close_at = queue_.front().queued + options_.max_batch_delay;
        while (!BatchFull() && !mu_.WaitWithDeadline(&work_cv_, close_at)) {
        }
      }
      const size_t n = std::min(queue_.size(), options_.max_batch_records);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queue_depth = queue_.size();
      stop = closing_ && queue_.empty();
    }
    if (!writer_error_.ok() && (stop || absl::Now() >= next_probe_)) TryRecover();
    if (!batch.empty()) {
      if (writer_error_.ok()) {
        WriteBatch(&batch);
      } else {
        Refuse(&batch, writer_error_);
      }
    }
    if (writer_error_.ok() && chain_.unsealed > 0 &&
        (stop || absl::Now() >= chain_.last_checkpoint_time + options_.checkpoint_interval)) {
      WriteCheckpoint().IgnoreError();  // a failure makes the log unhealthy
    }
  }
  close_status_ = writer_error_;
  file_.reset();
}

void AuditLog::Refuse(std::deque<Pending>* batch, const absl::Status& status) {
  {
    AnnotatedMutexLock lock(&mu_);
    stats_.refused_appends += batch->size();
  }
  for (Pending& p : *batch) p.done(status);
}

void AuditLog::WriteBatch(std::deque<Pending>* batch) {
  if (chain_.segment_size >= options_.max_segment_bytes) {
    if (absl::Status s = Rotate(); !s.ok()) {
      Refuse(batch, s);
      return;
    }
  }
  const ChainState saved = chain_;
  const absl::Time now = absl::Now();
  std::string bytes;
  uint64_t checkpoints = 0;
  for (Pending& p : *batch) {
    AppendEntry(EntryType::kRecord, ChainRecord(&p.record, options_.gateway, now, &chain_), &bytes);
    if (chain_.unsealed >= options_.checkpoint_every_records) {
      if (absl::Status s = EncodeCheckpoint(&chain_, &bytes); !s.ok()) {
        chain_ = saved;
        Refuse(batch, Fail(s));
        return;
      }
      ++checkpoints;
    }
  }
  if (absl::Status s = WriteDurably(bytes); !s.ok()) {
    chain_ = saved;
    Refuse(batch, Fail(s));
    return;
  }
  chain_.segment_size += bytes.size();
  {
    AnnotatedMutexLock lock(&mu_);
    stats_.records_written += batch->size();
    stats_.checkpoints_written += checkpoints;
    ++stats_.batches_written;
    stats_.last_sequence = chain_.last_sequence;
  }
  for (Pending& p : *batch) p.done(absl::OkStatus());
}

absl::Status AuditLog::EncodeCheckpoint(ChainState* chain, std::string* out) {
  absl::StatusOr<std::string> payload = SealChain(*signer_, options_.gateway, absl::Now(), chain);
  if (!payload.ok()) return payload.status();
  AppendEntry(EntryType::kCheckpoint, *payload, out);
  return absl::OkStatus();
}

absl::Status AuditLog::WriteDurably(const std::string& bytes) {
  if (file_ == nullptr) return absl::UnavailableError("segment is not open");
  if (absl::Status s = file_->Append(bytes); !s.ok()) return s;
  const absl::Time start = absl::Now();
  absl::Status s = file_->Sync();
  const absl::Duration latency = absl::Now() - start;
  AnnotatedMutexLock lock(&mu_);
  if (s.ok()) {
    ++stats_.fsyncs;
    stats_.last_fsync_latency = latency;
  }
  return s;
}

absl::Status AuditLog::WriteCheckpoint() {
  const ChainState saved = chain_;
  std::string bytes;
  absl::Status s = EncodeCheckpoint(&chain_, &bytes);
  if (s.ok()) s = WriteDurably(bytes);
  if (!s.ok()) {
    chain_ = saved;
    return Fail(s);
  }
  chain_.segment_size += bytes.size();
  AnnotatedMutexLock lock(&mu_);
  ++stats_.checkpoints_written;
  return absl::OkStatus();
}

absl::Status AuditLog::Rotate() {
  if (chain_.unsealed > 0) {
    if (absl::Status s = WriteCheckpoint(); !s.ok()) return s;
  }
  file_.reset();
  ++chain_.segment;
  chain_.segment_size = 0;
  {
    AnnotatedMutexLock lock(&mu_);
    stats_.segment = chain_.segment;
  }
  absl::StatusOr<std::unique_ptr<AuditFile>> file = fs_->OpenForAppend(SegmentPath(chain_.segment));
  if (!file.ok()) return Fail(file.status());
  file_ = *std::move(file);
  if (absl::Status s = fs_->SyncDirectory(options_.directory); !s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status AuditLog::Fail(const absl::Status& cause) {
  writer_error_ = absl::UnavailableError(absl::StrCat(
      "audit trail not writable: ", SegmentPath(chain_.segment), ": ", cause.message()));
  next_probe_ = absl::Now() + options_.retry_interval;
  AnnotatedMutexLock lock(&mu_);
  healthy_ = false;
  unhealthy_status_ = writer_error_;
  ++stats_.write_failures;
  return writer_error_;
}

bool AuditLog::TryRecover() {
  next_probe_ = absl::Now() + options_.retry_interval;
  const std::string path = SegmentPath(chain_.segment);
  absl::Status s = absl::OkStatus();
  if (file_ == nullptr) {
    absl::StatusOr<std::unique_ptr<AuditFile>> file = fs_->OpenForAppend(path);
    if (file.ok()) {
      file_ = *std::move(file);
    } else {
      s = file.status();
    }
  }
  // Whatever a failed write left after the last durable entry goes, so the chain continues
  // from that entry.
  if (s.ok()) s = file_->Truncate(chain_.segment_size);
  if (s.ok()) s = file_->Sync();
  if (s.ok()) s = fs_->SyncDirectory(options_.directory);
  if (s.ok()) s = fs_->Probe(options_.directory);
  if (!s.ok()) {
    writer_error_ =
        absl::UnavailableError(absl::StrCat("audit trail not writable: ", path, ": ", s.message()));
    AnnotatedMutexLock lock(&mu_);
    unhealthy_status_ = writer_error_;
    return false;
  }
  writer_error_ = absl::OkStatus();
  AnnotatedMutexLock lock(&mu_);
  healthy_ = true;
  unhealthy_status_ = absl::OkStatus();
  return true;
}

}  // namespace pasarela::audit
