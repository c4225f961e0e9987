#include "gateway/audit/postgres_client.h"

#include <libpq-fe.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/trail_reader.h"

namespace pasarela::audit {
namespace {

std::string Trimmed(const char* message) {
  return std::string(absl::StripAsciiWhitespace(message == nullptr ? "" : message));
}

}  // namespace

void PgResult::Deleter::operator()(PGresult* r) const { PQclear(r); }

PgResult::PgResult(PGresult* result) : result_(result) {}

int PgResult::rows() const { return PQntuples(result_.get()); }

std::string PgResult::Get(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     PQgetlength(result_.get(), row, column));
}

uint64_t PgResult::GetUint(int row, int column) const {
  uint64_t n = 0;
  return absl::SimpleAtoi(Get(row, column), &n) ? n : 0;
}

std::string PgResult::GetBytes(int row, int column) const {
  // bytea_output is hex (the default since PostgreSQL 9.0): "\x0a1b...".
  const std::string text = Get(row, column);
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return text;
  return absl::HexStringToBytes(text.substr(2));
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  // A dead server must not hang the writer: 5 s unless the conninfo says otherwise (its keywords
  // come after ours and win).
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"5", conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  // Notices ("relation already exists, skipping") are not for the gateway's log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::connected() const { return PQstatus(conn_) == CONNECTION_OK; }

absl::StatusOr<PgResult> PgConnection::Exec(absl::string_view sql,
                                            const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const PgParam& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  const std::string statement(sql);
  PGresult* raw = PQexecParams(conn_, statement.c_str(), static_cast<int>(params.size()),
                               /*paramTypes=*/nullptr, values.data(), lengths.data(),
                               formats.data(), /*resultFormat=*/0);
  PgResult result(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  std::string message = Trimmed(raw != nullptr ? PQresultErrorMessage(raw) : nullptr);
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  if (!connected()) {
    return absl::UnavailableError(absl::StrCat("PostgreSQL connection lost: ", message));
  }
  const char* sqlstate = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  return absl::InternalError(
      absl::StrCat("PostgreSQL: ", message, sqlstate != nullptr ? " (SQLSTATE " : "",
                   sqlstate != nullptr ? sqlstate : "", sqlstate != nullptr ? ")" : ""));
}

absl::Status PgConnection::Run(absl::string_view sql, const std::vector<PgParam>& params) {
  absl::StatusOr<PgResult> result = Exec(sql, params);
  return result.status();
}

absl::StatusOr<std::string> ReadConninfoFile(const std::string& path) {
  if (absl::Status s = CheckPrivateFileMode(path, "PostgreSQL conninfo file"); !s.ok()) return s;
  absl::StatusOr<std::string> text = ReadTrailFile(path);
  if (!text.ok()) return text.status();
  std::string conninfo(absl::StripAsciiWhitespace(*text));
  if (conninfo.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("PostgreSQL conninfo file ", path, " is empty"));
  }
  return conninfo;
}

}  // namespace pasarela::audit
