// The audit trail in PostgreSQL: the tables, creating them, and reading a gateway's chain back in
// order for the audit commands. Internal to gateway/audit; the writer is PostgresAuditSink
// (postgres_sink.h).
//
// Two tables, created by the sink when absent (the full DDL is kSchemaSql below and in
// gateway/audit/README.md):
//
//   pasarela_audit_chain  one row per gateway (country): where its chain stands. Every batch
//                         locks this row (SELECT ... FOR UPDATE), so replicas take turns.
//   pasarela_audit_entry  one row per entry, records and checkpoints alike, numbered by
//                         `position` in chain order per gateway. `payload` holds the serialized
//                         AuditRecord or Checkpoint: the bytes the chain hashes and verify checks.
//                         The other columns are copies for queries and are not verified.
//
// A trail in the database is named on the command line as "postgresql:CONNINFO_FILE" (the
// database holds one gateway's chain) or "postgresql:CONNINFO_FILE#CL".
//
// Thread safety: the functions are thread-safe; each opens its own connection.

#ifndef PASARELA_GATEWAY_AUDIT_POSTGRES_TRAIL_H_
#define PASARELA_GATEWAY_AUDIT_POSTGRES_TRAIL_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/audit/postgres_client.h"
#include "gateway/audit/segment_format.h"

namespace pasarela::audit {

inline constexpr char kPostgresTrailPrefix[] = "postgresql:";

inline constexpr char kSchemaSql[] = R"sql(
CREATE TABLE IF NOT EXISTS pasarela_audit_chain (
  gateway             text PRIMARY KEY,
  last_position       bigint NOT NULL,
  last_sequence       bigint NOT NULL,
  last_entry_hash     bytea  NOT NULL,
  last_record_hash    bytea  NOT NULL,
  unsealed            bigint NOT NULL,
  last_checkpoint_us  bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS pasarela_audit_entry (
  gateway       text     NOT NULL,
  position      bigint   NOT NULL,
  kind          smallint NOT NULL,
  sequence      bigint   NOT NULL,
  time          timestamptz NOT NULL,
  exchange_id   text     NOT NULL,
  direction     smallint NOT NULL,
  consumer      text     NOT NULL,
  provider      text     NOT NULL,
  method        text     NOT NULL,
  agreement_id  text     NOT NULL,
  purpose       text     NOT NULL,
  decision      smallint NOT NULL,
  writer        text     NOT NULL,
  payload       bytea    NOT NULL,
  PRIMARY KEY (gateway, position)
);
CREATE INDEX IF NOT EXISTS pasarela_audit_entry_time ON pasarela_audit_entry (gateway, time);
CREATE INDEX IF NOT EXISTS pasarela_audit_entry_exchange ON pasarela_audit_entry (exchange_id);
)sql";

// Creates the tables and indexes when absent. Safe when several replicas start at once (the
// creation runs under a transaction-scoped advisory lock).
absl::Status EnsureAuditSchema(PgConnection* conn);

bool IsPostgresTrail(absl::string_view path);

// "postgresql:FILE[#GATEWAY]" parsed, the conninfo read from FILE.
struct PostgresTrailAddress {
  std::string conninfo_file;
  std::string conninfo;
  std::string gateway;  // empty: the only gateway in the database
};
absl::StatusOr<PostgresTrailAddress> ParsePostgresTrail(absl::string_view path);

// One row of pasarela_audit_entry.
struct StoredEntry {
  uint64_t position = 0;
  EntryType type = EntryType::kRecord;
  std::string payload;
};

// What the chain row says, for a verifier to compare with the entries it read.
struct StoredChainHead {
  std::string gateway;
  uint64_t last_position = 0;
  uint64_t last_sequence = 0;
};

// Connects, finds the gateway (the one named, or the only one), and calls `visit` with each
// entry in position order, reading in pages. NotFound when the gateway has no chain (or the
// database holds several and none was named). `head` (may be null) receives the chain row as
// read before the entries.
absl::Status ForEachStoredEntry(const PostgresTrailAddress& address,
                                const std::function<void(const StoredEntry&)>& visit,
                                StoredChainHead* head);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_POSTGRES_TRAIL_H_
