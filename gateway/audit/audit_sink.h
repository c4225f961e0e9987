// AuditSink is where the gateway's audit records go: an append-only, hash-chained, signed trail
// with group commit and fail-closed semantics. Two implementations:
//
//   AuditLog (audit_log.h)               segment files in one directory; the embedded default,
//                                        one chain per gateway process.
//   PostgresAuditSink (postgres_sink.h)  a PostgreSQL database shared by several replicas of a
//                                        gateway, which together write one chain per country.
//
// The contract every sink keeps:
//   - Append's callback gets OK only once the record is durable; the gateway answers an exchange
//     only then.
//   - When the store cannot be written, the records concerned and every later append get
//     UNAVAILABLE with a message naming the audit failure ("audit trail not writable: ..."),
//     healthy() turns false, and the gateway refuses exchanges; the sink probes the store every
//     retry interval and turns healthy again by itself.
//   - The sink sets each record's sequence and previous_hash, and its time and gateway when the
//     caller left them empty.
//
// Thread safety: implementations are safe for concurrent use without external synchronisation.
// Callbacks run on the sink's writer thread, or on the appending thread when an append is refused
// at once; they must be quick and must not call AppendAndWait or Close.

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_SINK_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_SINK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/audit/owned_record.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

class CheckpointSigner;

// Counters for metrics; a consistent snapshot.
struct AuditLogStats {
  uint64_t queue_depth = 0;          // records waiting for the writer
  uint64_t records_written = 0;      // records made durable since Open
  uint64_t checkpoints_written = 0;  // checkpoints made durable since Open
  uint64_t batches_written = 0;      // batches (each one write and one fdatasync, or transaction)
  uint64_t fsyncs = 0;               // successful fdatasyncs (or committed transactions)
  uint64_t write_failures = 0;       // failed writes, fdatasyncs or transactions
  uint64_t refused_appends = 0;      // appends answered with an error
  uint64_t receipts_signed = 0;      // receipts signed in batches (AppendWithReceipt)
  uint64_t receipt_signatures = 0;   // signatures those took: one per batch with receipts
  absl::Duration last_fsync_latency = absl::ZeroDuration();  // or of the last commit
  uint64_t last_sequence = 0;  // sequence of the last durable record written by this sink
  uint64_t segment = 0;        // number of the segment being written (0 for a database)
  bool healthy = true;
};

// What every sink needs: whose chain it extends, the key that signs its checkpoints, when
// checkpoints fall due, and how appends are gathered into batches.
struct AuditSinkOptions {
  // Country code of this gateway ("CL"): stamped on checkpoints and on records that leave it
  // empty; in a shared database, the chain the sink extends.
  std::string gateway;
  // PEM private key that signs checkpoints (ECDSA P-256, Ed25519 or RSA). Refused when group or
  // others may access it (mode & 077).
  std::string signing_key_file;
  // PEM certificate of that key, optionally followed by intermediates; copied into every
  // checkpoint.
  std::string signing_cert_file;

  // A checkpoint follows every this many records...
  uint32_t checkpoint_every_records = 1000;
  // ...and seals any unsealed record at the latest this long after the previous checkpoint.
  absl::Duration checkpoint_interval = absl::Seconds(10);

  // Group commit: once a record is queued the writer waits up to max_batch_delay for more
  // before writing, unless max_batch_records are already queued. Zero writes at once whatever
  // has gathered while the previous batch was being written.
  absl::Duration max_batch_delay = absl::ZeroDuration();
  size_t max_batch_records = 1024;
  // Appends beyond this many queued records are refused with UNAVAILABLE.
  size_t max_queue_records = 10000;

  // While unhealthy, how often to probe whether the store is writable again.
  absl::Duration retry_interval = absl::Seconds(1);
};

// INVALID_ARGUMENT naming the first option out of range ("<what>: gateway is empty").
absl::Status ValidateSinkOptions(const AuditSinkOptions& options, absl::string_view what);

class AuditSink {
 public:
  using DurableCallback = std::function<void(absl::Status)>;

  virtual ~AuditSink() = default;

  // Queues `record` and returns at once. `done` is called exactly once: with OK after the record
  // is durable; otherwise the record is not in the trail and the exchange must be refused
  // (UNAVAILABLE when the trail is not writable, the queue is full or the sink is closed,
  // INVALID_ARGUMENT when the record is too large).
  virtual void Append(OwnedAuditRecord record, DurableCallback done) = 0;

  // As Append, and `receipt` (every field but the signature and batch fields set) is signed by
  // `signer` together with the receipts of the other records written in the same batch: one
  // signature over their Merkle root (receipt_batch.h). Its signature and batch fields are set
  // before `done` runs with OK, or left empty when the signer failed.
  // REQUIRES: `receipt` and `signer` are not null; `signer` outlives the sink.
  virtual void AppendWithReceipt(OwnedAuditRecord record, std::shared_ptr<v1::Receipt> receipt,
                                 const CheckpointSigner* signer, DurableCallback done) = 0;

  // From the next checkpoint on, checkpoints are signed by `signer` (the gateway's certificate and
  // key were replaced while it runs). Checkpoints already written keep their signer: each carries
  // its own certificate. REQUIRES: `signer` is not null.
  virtual void ReplaceCheckpointSigner(std::shared_ptr<const CheckpointSigner> signer) = 0;

  // Append, then blocks until the record is durable or refused; returns what `done` would get.
  // REQUIRES: not called from a DurableCallback.
  absl::Status AppendAndWait(OwnedAuditRecord record);

  // Stops accepting appends, writes what is queued, seals the trail with a checkpoint, and stops
  // the writer. Returns the first error that kept the trail from being written. Idempotent.
  virtual absl::Status Close() = 0;

  // False from a failed write until a probe of the store succeeds.
  virtual bool healthy() const = 0;
  virtual AuditLogStats stats() const = 0;
  // Where the records go, for log lines: "/var/lib/pasarela/audit", "postgresql dbname=... CL".
  virtual std::string description() const = 0;
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_SINK_H_
