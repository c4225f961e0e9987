// A small line logger: one line per event on stderr, "TIME LEVEL message".
//
// Debian's Abseil (20220623) has no absl/log, and the gateway's log lines are a contract that
// operators and tests read (refused handshakes and calls name their reason), so the format is
// ours. Thread-safe: lines from concurrent threads never interleave. On a thread with a LineBatch
// open (the audit writer's, while it answers a batch), info and debug lines are written when the
// batch closes; warnings and errors at once.
#ifndef PASARELA_GATEWAY_COMMON_LOG_H_
#define PASARELA_GATEWAY_COMMON_LOG_H_

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace pasarela {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Writes one line. Newlines inside `message` are replaced so that one event stays one line.
void Log(LogLevel level, absl::string_view message);

inline void LogInfo(absl::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(absl::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(absl::string_view message) { Log(LogLevel::kError, message); }

// Whether a line at `level` would be written: a caller that builds a costly message asks first.
bool LogEnabled(LogLevel level);

// "debug", "info", "warning" or "error" (as gateway.yaml's log_level names them); nullopt for
// anything else.
absl::optional<LogLevel> ParseLogLevel(absl::string_view name);

// Lines below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);

// Routes gRPC's own log lines (handshake failures among them) through Log(), prefixed "grpc:".
void RouteGrpcLogs();

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_LOG_H_
