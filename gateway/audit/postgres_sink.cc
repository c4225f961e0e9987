#include "gateway/audit/postgres_sink.h"

#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/audit/postgres_trail.h"
#include "gateway/audit/segment_format.h"
#include "gateway/audit/timestamp.h"

namespace pasarela::audit {
namespace {

// Parameters per inserted entry after the shared $1 (gateway) and $2 (writer).
constexpr int kParamsPerEntry = 13;

absl::Status ValidateOptions(const PostgresSinkOptions& o) {
  if (absl::Status s = ValidateSinkOptions(o, "postgresql audit sink"); !s.ok()) return s;
  if (o.conninfo.empty() && o.conninfo_file.empty()) {
    return absl::InvalidArgumentError("postgresql audit sink: neither conninfo nor conninfo_file");
  }
  return absl::OkStatus();
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string IsoTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", TimeOf(t), absl::UTCTimeZone());
}

// One entry about to be inserted.
struct Row {
  EntryType type;
  uint64_t sequence;
  std::string payload;
  const v1::AuditRecord* record;  // null for a checkpoint
  std::string time;
};

void AddRowParams(const Row& row, uint64_t position, std::vector<PgParam>* params) {
  static const v1::AuditRecord kEmpty;
  const v1::AuditRecord& r = row.record != nullptr ? *row.record : kEmpty;
  params->push_back(PgParam::Text(absl::StrCat(position)));
  params->push_back(PgParam::Text(absl::StrCat(static_cast<int>(row.type))));
  params->push_back(PgParam::Text(absl::StrCat(row.sequence)));
  params->push_back(PgParam::Text(row.time));
  params->push_back(PgParam::Text(r.exchange_id()));
  params->push_back(PgParam::Text(absl::StrCat(static_cast<int>(r.direction()))));
  params->push_back(PgParam::Text(r.consumer()));
  params->push_back(PgParam::Text(r.provider()));
  params->push_back(PgParam::Text(r.method()));
  params->push_back(PgParam::Text(r.agreement_id()));
  params->push_back(PgParam::Text(r.purpose()));
  params->push_back(PgParam::Text(absl::StrCat(static_cast<int>(r.decision()))));
  params->push_back(PgParam::Bytes(row.payload));
}

}  // namespace

PostgresAuditSink::PostgresAuditSink(PostgresSinkOptions options)
    : GroupCommitSink(options), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<PostgresAuditSink>> PostgresAuditSink::Open(
    PostgresSinkOptions options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  if (options.replica.empty()) options.replica = HostName();
  std::unique_ptr<PostgresAuditSink> sink(new PostgresAuditSink(std::move(options)));
  const PostgresSinkOptions& o = sink->options_;
  sink->conninfo_ = o.conninfo;
  if (sink->conninfo_.empty()) {
    absl::StatusOr<std::string> conninfo = ReadConninfoFile(o.conninfo_file);
    if (!conninfo.ok()) return conninfo.status();
    sink->conninfo_ = *std::move(conninfo);
  }
  if (absl::Status s = sink->LoadCheckpointSigner(o); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(sink->conninfo_);
  if (!conn.ok()) return conn.status();
  sink->conn_ = *std::move(conn);
  if (absl::Status s = EnsureAuditSchema(sink->conn_.get()); !s.ok()) return s;
  const ChainHead empty = NewChainHead();
  if (absl::Status s = sink->conn_->Run(
          "INSERT INTO pasarela_audit_chain (gateway, last_position, last_sequence, "
          "last_entry_hash, last_record_hash, unsealed, last_checkpoint_us) "
          "VALUES ($1, 0, 0, $2, ''::bytea, 0, $3) ON CONFLICT (gateway) DO NOTHING",
          {PgParam::Text(o.gateway), PgParam::Bytes(empty.last_entry_hash),
           PgParam::Text(absl::StrCat(absl::ToUnixMicros(absl::Now())))});
      !s.ok()) {
    return s;
  }
  // Records a previous run (of any replica) left unsealed are sealed now.
  std::deque<Pending> none;
  absl::StatusOr<uint64_t> sealed = sink->Transact(&none, /*seal=*/true);
  if (!sealed.ok()) return sealed.status();
  sink->StartWriter();
  return sink;
}

PostgresAuditSink::~PostgresAuditSink() { Close().IgnoreError(); }

std::string PostgresAuditSink::description() const {
  return absl::StrCat("postgresql (",
                      options_.conninfo_file.empty() ? "conninfo" : options_.conninfo_file,
                      ") gateway ", options_.gateway);
}

void PostgresAuditSink::WriteBatch(std::deque<Pending>* batch) {
  const absl::Time start = absl::Now();
  absl::StatusOr<uint64_t> checkpoints = Transact(batch, /*seal=*/false);
  if (!checkpoints.ok()) {
    Refuse(batch, Fail(checkpoints.status()));
    return;
  }
  UpdateStats([&](AuditLogStats* stats) {
    stats->records_written += batch->size();
    stats->checkpoints_written += *checkpoints;
    ++stats->batches_written;
    ++stats->fsyncs;
    stats->last_fsync_latency = absl::Now() - start;
    stats->last_sequence = batch->back().record->sequence();
  });
  for (Pending& p : *batch) p.done(absl::OkStatus());
}

void PostgresAuditSink::Seal(bool closing) {
  std::deque<Pending> none;
  absl::StatusOr<uint64_t> checkpoints = Transact(&none, closing);
  if (!checkpoints.ok()) {
    Fail(checkpoints.status()).IgnoreError();
    return;
  }
  UpdateStats([&](AuditLogStats* stats) { stats->checkpoints_written += *checkpoints; });
}

absl::StatusOr<uint64_t> PostgresAuditSink::Transact(std::deque<Pending>* batch, bool seal) {
  if (conn_ == nullptr) return absl::UnavailableError("not connected");
  if (absl::Status s = conn_->Run("BEGIN"); !s.ok()) return s;
  absl::StatusOr<uint64_t> result = TransactLocked(batch, seal);
  if (!result.ok() && conn_->connected()) conn_->Run("ROLLBACK").IgnoreError();
  return result;
}

absl::StatusOr<uint64_t> PostgresAuditSink::TransactLocked(std::deque<Pending>* batch, bool seal) {
  const std::string& gateway = options_.gateway;
  absl::StatusOr<PgResult> row = conn_->Exec(
      "SELECT last_position, last_sequence, last_entry_hash, last_record_hash, unsealed, "
      "last_checkpoint_us FROM pasarela_audit_chain WHERE gateway = $1 FOR UPDATE",
      {PgParam::Text(gateway)});
  if (!row.ok()) return row.status();
  if (row->rows() != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("pasarela_audit_chain has no row for gateway ", gateway));
  }
  uint64_t position = row->GetUint(0, 0);
  ChainHead head;
  head.last_sequence = row->GetUint(0, 1);
  head.last_entry_hash = row->GetBytes(0, 2);
  head.last_record_hash = row->GetBytes(0, 3);
  head.unsealed = row->GetUint(0, 4);
  int64_t checkpoint_us = 0;
  if (!absl::SimpleAtoi(row->Get(0, 5), &checkpoint_us)) checkpoint_us = 0;
  head.last_checkpoint_time = absl::FromUnixMicros(checkpoint_us);

  const absl::Time now = absl::Now();
  std::vector<Row> rows;
  uint64_t checkpoints = 0;
  auto add_checkpoint = [&]() -> absl::Status {
    const uint64_t sealed = head.last_sequence;
    absl::StatusOr<std::string> payload = SealChain(*checkpoint_signer(), gateway, now, &head);
    if (!payload.ok()) return payload.status();
    google::protobuf::Timestamp t;
    SetTimestamp(now, &t);
    rows.push_back(Row{EntryType::kCheckpoint, sealed, *std::move(payload), nullptr, IsoTime(t)});
    ++checkpoints;
    return absl::OkStatus();
  };
  for (Pending& p : *batch) {
    std::string payload = ChainRecord(p.record.get(), gateway, now, &head);
    rows.push_back(Row{EntryType::kRecord, p.record->sequence(), std::move(payload), p.record.get(),
                       IsoTime(p.record->time())});
    if (head.unsealed >= options_.checkpoint_every_records) {
      if (absl::Status s = add_checkpoint(); !s.ok()) return s;
    }
  }
  if (head.unsealed > 0 &&
      (seal || now >= head.last_checkpoint_time + options_.checkpoint_interval)) {
    if (absl::Status s = add_checkpoint(); !s.ok()) return s;
  }
  if (!rows.empty()) {
    std::string sql =
        "INSERT INTO pasarela_audit_entry (gateway, writer, position, kind, sequence, time, "
        "exchange_id, direction, consumer, provider, method, agreement_id, purpose, decision, "
        "payload) VALUES ";
    std::vector<PgParam> params = {PgParam::Text(gateway), PgParam::Text(options_.replica)};
    for (size_t i = 0; i < rows.size(); ++i) {
      absl::StrAppend(&sql, i == 0 ? "" : ", ", "($1, $2");
      for (int k = 0; k < kParamsPerEntry; ++k) absl::StrAppend(&sql, ", $", params.size() + k + 1);
      absl::StrAppend(&sql, ")");
      AddRowParams(rows[i], ++position, &params);
    }
    if (absl::Status s = conn_->Run(sql, params); !s.ok()) return s;
    if (absl::Status s = conn_->Run(
            "UPDATE pasarela_audit_chain SET last_position = $2, last_sequence = $3, "
            "last_entry_hash = $4, last_record_hash = $5, unsealed = $6, last_checkpoint_us = $7 "
            "WHERE gateway = $1",
            {PgParam::Text(gateway), PgParam::Text(absl::StrCat(position)),
             PgParam::Text(absl::StrCat(head.last_sequence)), PgParam::Bytes(head.last_entry_hash),
             PgParam::Bytes(head.last_record_hash), PgParam::Text(absl::StrCat(head.unsealed)),
             PgParam::Text(absl::StrCat(absl::ToUnixMicros(head.last_checkpoint_time)))});
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = conn_->Run("COMMIT"); !s.ok()) return s;
  // Whichever replica writes next may seal; this one looks again when a seal would fall due.
  next_seal_check_ = head.unsealed > 0 ? head.last_checkpoint_time + options_.checkpoint_interval
                                       : absl::InfiniteFuture();
  return checkpoints;
}

absl::Status PostgresAuditSink::Fail(const absl::Status& cause) {
  conn_.reset();
  return MarkFailed(absl::UnavailableError(
      absl::StrCat("audit trail not writable: ", description(), ": ", cause.message())));
}

void PostgresAuditSink::TryRecover() {
  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(conninfo_);
  absl::Status s = conn.status();
  if (s.ok()) {
    s = (*conn)->Run("SELECT 1 FROM pasarela_audit_chain WHERE gateway = $1",
                     {PgParam::Text(options_.gateway)});
  }
  if (!s.ok()) {
    MarkFailed(absl::UnavailableError(
                   absl::StrCat("audit trail not writable: ", description(), ": ", s.message())))
        .IgnoreError();
    return;
  }
  conn_ = *std::move(conn);
  // Records may have been left unsealed by the failure; look at once.
  next_seal_check_ = absl::Now();
  MarkRecovered();
}

}  // namespace pasarela::audit
