// PostgresAuditSink writes a gateway's audit trail into a PostgreSQL database that several
// replicas of the gateway share; together they write one hash chain per gateway (country), which
// `pasarela audit verify postgresql:CONNINFO_FILE` checks as it checks segment files.
//
// Group commit: one writer thread takes what is queued (at most max_batch_records) and writes it
// in one transaction that locks the gateway's chain row (SELECT ... FOR UPDATE), numbers and
// chains the records from where the chain stands (whichever replica wrote last), adds the
// checkpoints that fall due, inserts the entries with one statement, moves the chain row and
// commits; the appenders are told once COMMIT returns (synchronous_commit, the server's default,
// makes that durable). Checkpoints are signed with this replica's key and certificate, as the
// segment log signs them, after every checkpoint_every_records records of the chain and at the
// latest checkpoint_interval after the chain's previous checkpoint.
//
// Fail closed: when a transaction fails (the server is down, the connection is lost, the disk is
// full) the batch and every later append get UNAVAILABLE ("audit trail not writable: postgresql
// ...: ..."), healthy() turns false, and the writer reconnects every retry_interval; once a probe
// query succeeds it is healthy again and the chain continues from the chain row. A COMMIT whose
// answer is lost may have committed: such records are in the trail though their exchanges were
// refused, which over-records and never under-records.
//
// Thread safety: as AuditSink; the connection belongs to the writer thread.

#ifndef PASARELA_GATEWAY_AUDIT_POSTGRES_SINK_H_
#define PASARELA_GATEWAY_AUDIT_POSTGRES_SINK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_chain.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_sink.h"
#include "gateway/audit/group_commit.h"
#include "gateway/audit/postgres_client.h"

namespace pasarela::audit {

// The gateway, key and certificate, checkpoint and batching options are AuditSinkOptions.
struct PostgresSinkOptions : AuditSinkOptions {
  // libpq connection string; when empty, read from conninfo_file (mode 0600 or stricter).
  std::string conninfo;
  std::string conninfo_file;
  // This replica's name in the entries' `writer` column (the host name when empty).
  std::string replica;
};

class PostgresAuditSink : public GroupCommitSink {
 public:
  // Connects, creates the tables when absent, creates the gateway's chain row when absent, and
  // seals with a checkpoint records the chain holds unsealed. UNAVAILABLE when the database
  // cannot be reached; fails also on an unusable key, certificate or conninfo file.
  static absl::StatusOr<std::unique_ptr<PostgresAuditSink>> Open(PostgresSinkOptions options);

  ~PostgresAuditSink() override;
  PostgresAuditSink(const PostgresAuditSink&) = delete;
  PostgresAuditSink& operator=(const PostgresAuditSink&) = delete;

  // AuditSink: Append, Close, healthy and stats as in group_commit.h.
  // "postgresql (FILE) gateway CL".
  std::string description() const override;

 private:
  explicit PostgresAuditSink(PostgresSinkOptions options);

  // GroupCommitSink hooks.
  void WriteBatch(std::deque<Pending>* batch) override;
  absl::Time SealDueTime() const override { return next_seal_check_; }
  // Seals the chain if its last checkpoint is older than checkpoint_interval (or `closing`).
  void Seal(bool closing) override;
  void TryRecover() override;
  void WriterStopped() override { conn_.reset(); }

  // One transaction: lock the chain row, chain `batch` (if any) and the checkpoints due, insert,
  // move the row, commit. `seal` forces a checkpoint of anything unsealed. Returns how many
  // checkpoints it wrote.
  absl::StatusOr<uint64_t> Transact(std::deque<Pending>* batch, bool seal);
  absl::StatusOr<uint64_t> TransactLocked(std::deque<Pending>* batch, bool seal);
  absl::Status Fail(const absl::Status& cause);

  const PostgresSinkOptions options_;
  std::string conninfo_;

  // Writer-thread state.
  std::unique_ptr<PgConnection> conn_;  // null after a failure, until recovery
  // When this sink should look whether the chain needs a time-based checkpoint: set after it
  // writes records that stay unsealed; InfiniteFuture when nothing is pending.
  absl::Time next_seal_check_ = absl::InfiniteFuture();
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_POSTGRES_SINK_H_
