// A real PostgreSQL 15 server for the tests of the PostgreSQL audit sink: Debian's binaries
// (package postgresql, in /usr/lib/postgresql/15/bin) run on a data directory of the test's own,
// listening only on a Unix socket in that directory under a free port number, with fsync on.
// initdb and postgres refuse to run as root, so as root the server runs as the `postgres` user
// (runuser); as any other user it runs as that user.
//
// Thread safety: not thread-safe; one test owns one server.

#ifndef PASARELA_TESTS_AUDIT_POSTGRES_SERVER_H_
#define PASARELA_TESTS_AUDIT_POSTGRES_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pasarela::audit::testing {

class PostgresServer {
 public:
  // initdb and start. Fails with a message saying what is missing (the binaries, the postgres
  // user) or what the server said.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  // Stops the server and removes its directory.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // pg_ctl stop -m fast (connections are cut) and start again on the same data and port.
  absl::Status Stop();
  absl::Status Restart();

  // "host=DIR port=PORT dbname=postgres user=postgres".
  std::string conninfo() const;
  // Writes conninfo() into `path` with mode 0600; returns `path`.
  std::string WriteConninfoFile(const std::string& path) const;

 private:
  PostgresServer() = default;
  absl::Status Run(const std::vector<std::string>& argv) const;
  absl::Status StartServer();

  std::string dir_;  // socket directory; data in dir_/data, server log in dir_/server.log
  int port_ = 0;
  bool as_postgres_user_ = false;
  bool running_ = false;
};

}  // namespace pasarela::audit::testing

#endif  // PASARELA_TESTS_AUDIT_POSTGRES_SERVER_H_
