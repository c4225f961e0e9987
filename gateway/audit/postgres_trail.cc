#include "gateway/audit/postgres_trail.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace pasarela::audit {
namespace {

// pg_advisory_xact_lock key for schema creation: "pasaudit" as a number.
constexpr char kSchemaLockKey[] = "8097873648115093844";
constexpr int kPageRows = 5000;

}  // namespace

absl::Status EnsureAuditSchema(PgConnection* conn) {
  if (absl::Status s = conn->Run("BEGIN"); !s.ok()) return s;
  absl::Status s = conn->Run(absl::StrCat("SELECT pg_advisory_xact_lock(", kSchemaLockKey, ")"));
  // One statement at a time: a statement with parameters may not hold several.
  for (absl::string_view statement : absl::StrSplit(kSchemaSql, ';')) {
    if (!s.ok() || absl::StripAsciiWhitespace(statement).empty()) continue;
    s = conn->Run(statement);
  }
  if (s.ok()) s = conn->Run("COMMIT");
  if (!s.ok()) conn->Run("ROLLBACK").IgnoreError();
  return s;
}

bool IsPostgresTrail(absl::string_view path) {
  return absl::StartsWith(path, kPostgresTrailPrefix);
}

absl::StatusOr<PostgresTrailAddress> ParsePostgresTrail(absl::string_view path) {
  absl::string_view rest = path.substr(std::string(kPostgresTrailPrefix).size());
  PostgresTrailAddress address;
  if (const size_t hash = rest.rfind('#'); hash != absl::string_view::npos) {
    address.gateway = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  address.conninfo_file = std::string(rest);
  if (address.conninfo_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", path, "': name the conninfo file, as postgresql:FILE or postgresql:FILE#GATEWAY"));
  }
  absl::StatusOr<std::string> conninfo = ReadConninfoFile(address.conninfo_file);
  if (!conninfo.ok()) return conninfo.status();
  address.conninfo = *std::move(conninfo);
  return address;
}

absl::Status ForEachStoredEntry(const PostgresTrailAddress& address,
                                const std::function<void(const StoredEntry&)>& visit,
                                StoredChainHead* head) {
  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(address.conninfo);
  if (!conn.ok()) return conn.status();
  // One snapshot for the whole read, so that replicas writing meanwhile do not tear it.
  if (absl::Status s = (*conn)->Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s.ok()) {
    return s;
  }
  absl::StatusOr<PgResult> chains = (*conn)->Exec(
      "SELECT gateway, last_position, last_sequence FROM pasarela_audit_chain ORDER BY gateway");
  if (!chains.ok()) return chains.status();
  int row = -1;
  std::vector<std::string> names;
  for (int i = 0; i < chains->rows(); ++i) {
    names.push_back(chains->Get(i, 0));
    if (address.gateway.empty() ? chains->rows() == 1 : names.back() == address.gateway) row = i;
  }
  if (row < 0) {
    return absl::NotFoundError(
        address.gateway.empty()
            ? absl::StrCat(address.conninfo_file, ": the database holds ",
                           names.empty()
                               ? "no audit chain"
                               : absl::StrCat("the chains of ", absl::StrJoin(names, ", "),
                                              ": name one as postgresql:FILE#GATEWAY"))
            : absl::StrCat(address.conninfo_file, ": no audit chain of gateway ", address.gateway));
  }
  StoredChainHead found;
  found.gateway = chains->Get(row, 0);
  found.last_position = chains->GetUint(row, 1);
  found.last_sequence = chains->GetUint(row, 2);
  if (head != nullptr) *head = found;

  uint64_t after = 0;
  for (;;) {
    absl::StatusOr<PgResult> page = (*conn)->Exec(
        absl::StrCat("SELECT position, kind, payload FROM pasarela_audit_entry WHERE gateway = $1 "
                     "AND position > $2 ORDER BY position LIMIT ",
                     kPageRows),
        {PgParam::Text(found.gateway), PgParam::Text(absl::StrCat(after))});
    if (!page.ok()) return page.status();
    for (int i = 0; i < page->rows(); ++i) {
      StoredEntry entry;
      entry.position = page->GetUint(i, 0);
      entry.type = page->Get(i, 1) == "2" ? EntryType::kCheckpoint : EntryType::kRecord;
      entry.payload = page->GetBytes(i, 2);
      visit(entry);
      after = entry.position;
    }
    if (page->rows() < kPageRows) break;
  }
  return (*conn)->Run("COMMIT");
}

}  // namespace pasarela::audit
