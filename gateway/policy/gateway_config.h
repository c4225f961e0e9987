// gateway.yaml (kind Gateway): one gateway's country, listeners, credentials, policy directory and
// defaults. A plain value, read once per snapshot.
#ifndef PASARELA_GATEWAY_POLICY_GATEWAY_CONFIG_H_
#define PASARELA_GATEWAY_POLICY_GATEWAY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/common/cpu_scheduling.h"
#include "gateway/common/log.h"
#include "gateway/policy/diagnostics.h"

namespace pasarela {

struct GatewayConfig {
  std::string file;  // the gateway.yaml it was read from
  std::string country;
  // host:port; port 0 picks a free port (reported in the log and the ready file).
  std::string agency_address;
  std::string federation_address;
  // HTTP /metrics, /livez, /readyz; loopback by default, port 0 picks a free port.
  std::string admin_address = "127.0.0.1:0";
  // One JSON line per exchange: "stdout", "stderr", a file path, or "off".
  std::string access_log = "stdout";
  // Whether access_log names a file (whose path is resolved against this file's directory).
  static bool IsAccessLogFile(absl::string_view access_log) {
    return access_log != "stdout" && access_log != "stderr" && access_log != "off";
  }
  // The least severe line the gateway's log (stderr) keeps; a reload applies a new one.
  LogLevel log_level = LogLevel::kInfo;
  // How Linux schedules the gateway's threads, set once at start.
  CpuScheduling cpu_scheduling = CpuScheduling::kBatch;
  std::string certificate_file;
  std::string key_file;
  std::string policy_dir;
  // Empty: the descriptor set installed beside the binary.
  std::vector<std::string> descriptor_sets;

  absl::Duration default_deadline = absl::Seconds(10);
  absl::Duration drain_timeout = absl::Seconds(10);
  absl::Duration crl_refresh_interval = absl::Seconds(1);

  // The audit trail: where its records go (segment files in a directory, or a PostgreSQL
  // database shared by the replicas), the key of the subject pseudonyms, and when checkpoints
  // seal it (signed with the gateway's TLS key).
  std::string audit_sink = "segments";         // "segments" or "postgresql"
  std::string audit_directory;                 // sink segments
  std::string audit_postgresql_conninfo_file;  // sink postgresql
  std::string pseudonym_key_file;
  int64_t audit_checkpoint_every_records = 1000;
  absl::Duration audit_checkpoint_interval = absl::Seconds(10);
  int64_t audit_max_segment_bytes = 64 * 1024 * 1024;
  absl::Duration audit_max_batch_delay = absl::ZeroDuration();

  int64_t max_message_bytes = 4 * 1024 * 1024;
  int64_t max_metadata_bytes = 16 * 1024;
  // Exchanges carried at once, in all and per consumer; 0 means no bound.
  int64_t max_in_flight = 2000;
  int64_t max_in_flight_per_consumer = 500;
  // The part of each agreement's quota this replica enforces (1/N for N replicas).
  double quota_share = 1.0;
  // One HTTP/2 connection per upstream carries the most calls per CPU second on a few cores.
  int64_t channels_per_upstream = 1;
  absl::Duration max_reconnect_backoff = absl::Seconds(2);
};

// Reads gateway.yaml; relative paths are resolved against its directory. Reports every error.
absl::optional<GatewayConfig> LoadGatewayConfig(const std::string& path, Diagnostics& diagnostics);

// The keys a running gateway takes only on restart: its sockets (listeners.*), what it opened at
// start (the paths under tls, policy_dir, access_log, everything under audit), what it set on its
// threads (cpu_scheduling) and the limits gRPC fixed when the listeners started
// (limits.max_message_bytes, limits.max_metadata_bytes). Sets
// each of them in `loaded` back to its value in `running` and returns the names of those that
// differed, in the order of the key table in docs/ADMINISTRATORS.md. `country` is not one of
// them: a gateway cannot take another country while it runs, so a reload refuses that instead.
std::vector<std::string> KeepRestartOnlyValues(const GatewayConfig& running, GatewayConfig* loaded);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_GATEWAY_CONFIG_H_
