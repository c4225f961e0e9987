#include "gateway/audit/audit_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_chain.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/segment_format.h"

namespace pasarela::audit {
namespace {

absl::Status ValidateOptions(const AuditLogOptions& o) {
  if (absl::Status s = ValidateSinkOptions(o, "audit log options"); !s.ok()) return s;
  if (o.directory.empty())
    return absl::InvalidArgumentError("audit log options: directory is empty");
  if (o.max_segment_bytes < 4096) {
    return absl::InvalidArgumentError("audit log options: max_segment_bytes is below 4096");
  }
  return absl::OkStatus();
}

}  // namespace

AuditLog::AuditLog(AuditLogOptions options)
    : GroupCommitSink(options), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(AuditLogOptions options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  while (options.directory.size() > 1 && options.directory.back() == '/') {
    options.directory.pop_back();
  }
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  if (absl::Status s = log->LoadCheckpointSigner(log->options_); !s.ok()) return s;
  log->fs_ = log->options_.file_system ? log->options_.file_system : NewPosixAuditFileSystem();
  if (absl::Status s = log->Recover(); !s.ok()) return s;
  log->StartWriter();
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
  // Whether the current segment holds bytes after its last entry (a torn write, reserved
  // zeros): they are cut away before the writer goes on.
  bool cut_tail = false;

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
          // A torn write from a crash: cut away below, and reported.
          open_report_.truncated = true;
          open_report_.truncated_segment = path;
          open_report_.truncated_offset = problem.offset;
          open_report_.truncated_bytes = content->size() - problem.offset;
          open_report_.truncated_reason = problem.reason;
          more = false;
          break;
      }
    }
    if (is_current) {
      chain_.segment_size = good_end;
      // Whatever follows the last entry goes: a torn write, or zeros the writer reserved ahead
      // of its appends (audit_file.h; the next writer reserves its own from there).
      cut_tail = content->size() != good_end;
    }
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
  if (cut_tail) {
    s = file_->Truncate(chain_.segment_size);
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
    UpdateStats([this](AuditLogStats* stats) {
      stats->last_sequence = chain_.last_sequence;
      stats->segment = chain_.segment;
    });
  }
  if (chain_.unsealed > 0) {
    open_report_.sealed_on_open = chain_.unsealed;
    if (absl::Status seal = WriteCheckpoint(); !seal.ok()) return seal;
  }
  return absl::OkStatus();
}

absl::Time AuditLog::SealDueTime() const {
  if (chain_.unsealed > 0) return chain_.last_checkpoint_time + options_.checkpoint_interval;
  return absl::InfiniteFuture();
}

void AuditLog::Seal(bool closing) {
  if (chain_.unsealed > 0 && !WriteCheckpoint().ok()) return;  // the log is now unhealthy
  // A closed trail ends with its last entry, not with the space reserved ahead of it. Should the
  // cut fail, the zeros stay: readers take them as the end.
  if (closing && file_ != nullptr) TrimReserved().IgnoreError();
}

absl::Status AuditLog::TrimReserved() {
  absl::Status s = file_->Truncate(chain_.segment_size);
  if (s.ok()) s = file_->Sync();
  return s;
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
    AppendEntry(EntryType::kRecord, ChainRecord(p.record.get(), options_.gateway, now, &chain_),
                &bytes);
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
  UpdateStats([&](AuditLogStats* stats) {
    stats->records_written += batch->size();
    stats->checkpoints_written += checkpoints;
    ++stats->batches_written;
    stats->last_sequence = chain_.last_sequence;
  });
  for (Pending& p : *batch) p.done(absl::OkStatus());
}

absl::Status AuditLog::EncodeCheckpoint(ChainState* chain, std::string* out) {
  absl::StatusOr<std::string> payload =
      SealChain(*checkpoint_signer(), options_.gateway, absl::Now(), chain);
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
  if (s.ok()) {
    UpdateStats([latency](AuditLogStats* stats) {
      ++stats->fsyncs;
      stats->last_fsync_latency = latency;
    });
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
  UpdateStats([](AuditLogStats* stats) { ++stats->checkpoints_written; });
  return absl::OkStatus();
}

absl::Status AuditLog::Rotate() {
  if (chain_.unsealed > 0) {
    if (absl::Status s = WriteCheckpoint(); !s.ok()) return s;
  }
  if (absl::Status s = TrimReserved(); !s.ok()) return Fail(s);
  file_.reset();
  ++chain_.segment;
  chain_.segment_size = 0;
  UpdateStats([this](AuditLogStats* stats) { stats->segment = chain_.segment; });
  absl::StatusOr<std::unique_ptr<AuditFile>> file = fs_->OpenForAppend(SegmentPath(chain_.segment));
  if (!file.ok()) return Fail(file.status());
  file_ = *std::move(file);
  if (absl::Status s = fs_->SyncDirectory(options_.directory); !s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status AuditLog::Fail(const absl::Status& cause) {
  return MarkFailed(absl::UnavailableError(absl::StrCat(
      "audit trail not writable: ", SegmentPath(chain_.segment), ": ", cause.message())));
}

void AuditLog::TryRecover() {
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
    MarkFailed(
        absl::UnavailableError(absl::StrCat("audit trail not writable: ", path, ": ", s.message())))
        .IgnoreError();
    return;
  }
  MarkRecovered();
}

}  // namespace pasarela::audit
