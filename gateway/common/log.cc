#include "gateway/common/log.h"

#include <grpc/support/log.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/common/line_batch.h"
#include "gateway/common/rfc3339.h"

namespace pasarela {
namespace {

std::atomic<LogLevel> g_min_level{LogLevel::kInfo};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

void GrpcLogSink(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kInfo;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = LogLevel::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = LogLevel::kDebug;
  absl::string_view message = args->message;
  if (absl::StrContains(message, "peer did not return a certificate")) {
    Log(LogLevel::kWarning,
        absl::StrCat("refused handshake: no client certificate presented (grpc: ", message, ")"));
    return;
  }
  Log(level, absl::StrCat("grpc: ", message));
}

// One fwrite of whole lines: stdio locks the stream, so lines never interleave.
void WriteToStream(void* stream, absl::string_view lines, size_t) {
  std::FILE* file = static_cast<std::FILE*>(stream);
  std::fwrite(lines.data(), 1, lines.size(), file);
  std::fflush(file);
}

}  // namespace

void Log(LogLevel level, absl::string_view message) {
  if (!LogEnabled(level)) return;
  std::string line;
  line.reserve(message.size() + 40);
  AppendRfc3339Millis(absl::Now(), &line);
  absl::StrAppend(&line, " ", LevelName(level), " ");
  // One line per message, whatever it holds.
  if (message.find('\n') == absl::string_view::npos) {
    line.append(message.data(), message.size());
  } else {
    line.append(absl::StrReplaceAll(message, {{"\n", " | "}}));
  }
  line.push_back('\n');
  // Warnings and errors go out at once, whatever the thread is doing.
  if (level < LogLevel::kWarning && LineBatch::Gather(stderr, WriteToStream, line)) return;
  WriteToStream(stderr, line, 1);
}

bool LogEnabled(LogLevel level) { return level >= g_min_level.load(std::memory_order_relaxed); }

absl::optional<LogLevel> ParseLogLevel(absl::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return absl::nullopt;
}

void SetLogLevel(LogLevel level) { g_min_level.store(level, std::memory_order_relaxed); }

void RouteGrpcLogs() {
  gpr_set_log_function(GrpcLogSink);
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
}

}  // namespace pasarela
