// A small RAII layer over libpq (PostgreSQL's official C client library) for the audit sink and
// the audit commands: one connection, statements with parameters, results read as text.
// Internal to gateway/audit.
//
// Thread safety: a PgConnection is not thread-safe; each thread uses its own (libpq connections
// must not be shared without locking). PgResult is an immutable value once returned.

#ifndef PASARELA_GATEWAY_AUDIT_POSTGRES_CLIENT_H_
#define PASARELA_GATEWAY_AUDIT_POSTGRES_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace pasarela::audit {

// A statement parameter: text (numbers, text, timestamps in ISO 8601) or raw bytes for a bytea.
struct PgParam {
  static PgParam Text(std::string value) { return PgParam{std::move(value), false}; }
  static PgParam Bytes(std::string value) { return PgParam{std::move(value), true}; }
  std::string value;
  bool binary = false;
};

// The rows a statement returned, every value as text (bytea decoded to bytes by GetBytes).
class PgResult {
 public:
  explicit PgResult(PGresult* result);
  int rows() const;
  // The value at (row, column) as PostgreSQL prints it.
  std::string Get(int row, int column) const;
  // A bigint column the schema keeps non-negative (positions, sequences, counts), as a number; 0
  // when the value is NULL or not such a number.
  uint64_t GetUint(int row, int column) const;
  // A bytea value as bytes.
  std::string GetBytes(int row, int column) const;

 private:
  struct Deleter {
    void operator()(PGresult* r) const;
  };
  std::unique_ptr<PGresult, Deleter> result_;
};

class PgConnection {
 public:
  // Connects with a libpq connection string ("host=/run/postgresql dbname=audit user=pasarela",
  // or a postgresql:// URI). UNAVAILABLE with libpq's message when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement. UNAVAILABLE when the connection is lost, INTERNAL for any other error
  // (with PostgreSQL's message and SQLSTATE).
  absl::StatusOr<PgResult> Exec(absl::string_view sql, const std::vector<PgParam>& params = {});
  // Exec for statements whose rows do not matter.
  absl::Status Run(absl::string_view sql, const std::vector<PgParam>& params = {});
  // Whether the connection is still up as far as libpq knows.
  bool connected() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* const conn_;
};

// Reads a libpq connection string from `path`: the file's text without surrounding whitespace.
// Refused when group or others may access the file (it may hold a password).
absl::StatusOr<std::string> ReadConninfoFile(const std::string& path);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_POSTGRES_CLIENT_H_
