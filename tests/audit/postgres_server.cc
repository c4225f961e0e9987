#include "tests/audit/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pasarela::audit::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";

std::string Bin(const char* name) { return absl::StrCat(kBinDir, "/", name); }

absl::StatusOr<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  if (port < 0) return absl::InternalError("no free port");
  return port;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (::access(Bin(tool).c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("PostgreSQL 15 server binary ", Bin(tool),
                       " not found: install Debian's postgresql package (scripts/setup does)"));
    }
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->as_postgres_user_ = ::geteuid() == 0;
  const passwd* postgres = server->as_postgres_user_ ? ::getpwnam("postgres") : nullptr;
  if (server->as_postgres_user_ && postgres == nullptr) {
    return absl::FailedPreconditionError(
        "running as root, and there is no `postgres` user to run the PostgreSQL server as "
        "(initdb refuses root): install Debian's postgresql package (scripts/setup does)");
  }
  // A short path of our own: the socket path must fit in sun_path.
  char dir[] = "/tmp/pasarela-pg-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return absl::InternalError(std::strerror(errno));
  server->dir_ = dir;
  if (postgres != nullptr && ::chown(dir, postgres->pw_uid, postgres->pw_gid) != 0) {
    return absl::InternalError(absl::StrCat("chown ", dir, ": ", std::strerror(errno)));
  }
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  server->port_ = *port;
  if (absl::Status s = server->Run({Bin("initdb"), "-D", server->dir_ + "/data", "-U", "postgres",
                                    "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = server->StartServer(); !s.ok()) return s;
  return server;
}

PostgresServer::~PostgresServer() {
  if (running_) Stop().IgnoreError();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::Status PostgresServer::Run(const std::vector<std::string>& argv) const {
  std::vector<std::string> full;
  if (as_postgres_user_) full = {"runuser", "-u", "postgres", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  const std::string log = dir_ + "/command.log";
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError(std::strerror(errno));
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    // Run from the server's directory: the postgres user may not enter the test's working one.
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    std::vector<char*> args;
    for (const std::string& a : full) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("`", absl::StrJoin(full, " "), "` failed:\n", Tail(log)));
}

absl::Status PostgresServer::StartServer() {
  absl::Status s = Run(
      {Bin("pg_ctl"), "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "-o",
       absl::StrCat("-p ", port_, " -k ", dir_, " -c listen_addresses='' -c fsync=on"), "start"});
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrCat(s.message(), "\nserver log:\n", Tail(dir_ + "/server.log")));
  }
  running_ = true;
  return absl::OkStatus();
}

absl::Status PostgresServer::Stop() {
  absl::Status s = Run({Bin("pg_ctl"), "-D", dir_ + "/data", "-m", "fast", "-w", "stop"});
  if (s.ok()) running_ = false;
  return s;
}

absl::Status PostgresServer::Restart() { return StartServer(); }

std::string PostgresServer::conninfo() const {
  return absl::StrCat("host=", dir_, " port=", port_, " dbname=postgres user=postgres");
}

std::string PostgresServer::WriteConninfoFile(const std::string& path) const {
  {
    std::ofstream out(path, std::ios::trunc);
    out << conninfo() << "\n";
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

}  // namespace pasarela::audit::testing
