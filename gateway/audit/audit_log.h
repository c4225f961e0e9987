// AuditLog is the gateway's embedded audit sink (see audit_sink.h): an append-only, hash-chained
// sequence of AuditRecords in segment files of one directory, sealed every so often by a Checkpoint
// signed with the gateway's key. The segment and entry format is drawn in segment_format.h and
// README.md.
//
// Thread safety: an AuditLog is safe for concurrent use from several threads without external
// synchronisation. Appends from all threads go into one queue; a single writer thread writes
// them in batches and makes each batch durable with one fdatasync (group commit), then tells
// each appender. Callbacks run on the writer thread, or on the appending thread when the append
// is refused at once; they must be quick and must not call AppendAndWait or Close.
//
// Fail closed: when a write or sync fails the log turns unhealthy, the records of the failed
// batch and every later append are refused with UNAVAILABLE until a probe write succeeds (tried
// every retry_interval); then the log truncates any partial entry and continues the chain.
//
// Typical use in the gateway:
//
//   AuditLogOptions options;
//   options.directory = "/var/lib/pasarela/audit";
//   options.gateway = "CL";
//   options.signing_key_file = ...;   // mode 0600
//   options.signing_cert_file = ...;
//   absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(std::move(options));
//   ...
//   (*log)->Append(std::move(record), [reactor](absl::Status s) {
//     if (s.ok()) reactor->Answer(); else reactor->Refuse(s);  // fail closed
//   });

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_LOG_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_chain.h"
#include "gateway/audit/audit_file.h"
#include "gateway/audit/audit_sink.h"
#include "gateway/audit/group_commit.h"
#include "gateway/common/annotated_mutex.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

class CheckpointSigner;

struct AuditLogOptions : AuditSinkOptions {
  // Directory of the segment files; created if absent.
  std::string directory;
  // A segment is closed (after a checkpoint) and a new one begun once it reaches this size; a
  // segment may exceed it by at most one batch.
  uint64_t max_segment_bytes = 64ull << 20;
  // File operations; null means the operating system's. Tests inject failures here.
  std::shared_ptr<AuditFileSystem> file_system;
};

// What Open found in the directory.
struct AuditOpenReport {
  uint64_t last_sequence = 0;  // the last record already in the trail (0 for a new trail)
  uint64_t segment = 0;        // the segment the log continues in
  // A torn last entry (a crash mid-write) was cut away: where, how many bytes, and why.
  bool truncated = false;
  std::string truncated_segment;
  uint64_t truncated_offset = 0;
  uint64_t truncated_bytes = 0;
  std::string truncated_reason;
  // Records left unsealed by the previous run were sealed by a checkpoint at Open.
  uint64_t sealed_on_open = 0;
};

class AuditLog : public GroupCommitSink {
 public:
  // Opens (or creates) the trail in options.directory and continues its chain: reads the last
  // segment, cuts away a torn last entry (see open_report()), and seals with a checkpoint any
  // record a previous run left unsealed. Fails if the key or certificate is unusable, the key
  // file is accessible to group or others, the directory is not writable, or the last segment
  // is damaged before its end (run `pasarela audit verify`, then move the segment aside).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(AuditLogOptions options);

  // Closes the log (see Close) and waits for the writer thread.
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // AuditSink (see group_commit.h for Append, Close, healthy, stats). The log sets sequence and
  // previous_hash, and time and gateway when they are empty; INVALID_ARGUMENT when the record is
  // larger than an entry may be (about 16 MiB). Close writes what is queued, seals the trail with
  // a final checkpoint and returns the first error that kept the trail from being written.
  // The directory.
  std::string description() const override { return options_.directory; }
  // What Open found; valid as long as the log.
  const AuditOpenReport& open_report() const { return open_report_; }

 private:
  // The trail's state as the writer sees it. Only the writer thread touches it once Open has
  // returned (Open fills it before the thread starts).
  struct ChainState : ChainHead {
    uint64_t segment = 0;       // number of the segment being written
    uint64_t segment_size = 0;  // durable bytes in it
  };

  explicit AuditLog(AuditLogOptions options);

  absl::Status Recover();  // Open's reading of the directory
  std::string SegmentPath(uint64_t number) const;

  // GroupCommitSink hooks: write and sync one batch, seal by time, probe and repair the segment
  // after a failure, let go of the file.
  void WriteBatch(std::deque<Pending>* batch) override;
  absl::Time SealDueTime() const override;
  void Seal(bool closing) override;
  void TryRecover() override;
  void WriterStopped() override { file_.reset(); }
  // Encodes a checkpoint sealing the chain so far onto `out` and advances `chain`.
  absl::Status EncodeCheckpoint(ChainState* chain, std::string* out);
  // Writes `bytes` (whole entries) at the end of the current segment and syncs. On failure
  // restores nothing: callers keep their own copy of the chain state.
  absl::Status WriteDurably(const std::string& bytes);
  // Cuts the current segment to its entries, without the space reserved ahead, durably.
  absl::Status TrimReserved();
  // Seals the current segment and begins the next.
  absl::Status Rotate();
  // Writes a checkpoint alone (timer, rotation, close).
  absl::Status WriteCheckpoint();
  // Marks the log unhealthy with `cause`; returns the status appenders get.
  absl::Status Fail(const absl::Status& cause);

  const AuditLogOptions options_;
  std::shared_ptr<AuditFileSystem> fs_;
  AuditOpenReport open_report_;

  // Writer-thread state (see ChainState).
  ChainState chain_;
  std::unique_ptr<AuditFile> file_;  // null after a failed rotation, until recovery
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_LOG_H_
