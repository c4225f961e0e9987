// AccessLog: one JSON line per exchange, for operators and log collectors, to standard output,
// standard error or a file. The fields are listed in docs/OPERATIONS.md; a line carries who called
// what under which agreement, the decision and status, times, latency and sizes, which response
// fields were withheld and which personal-data categories were disclosed, and never a payload
// value.
//
// A line is formatted without a lock, then written with one write(2) under the log's mutex, so
// lines from concurrent exchanges never interleave; on a thread with a LineBatch open, the lines
// are written when it closes, all in one write(2). A file is opened with O_APPEND; Reopen()
// opens the path anew (after logrotate moved it away) and swaps it in under the mutex.
// A write that fails is counted (write_failures()) and never fails the exchange.
//
// Thread safety: safe for concurrent use from several threads without external synchronisation.
#ifndef PASARELA_GATEWAY_ADMIN_ACCESS_LOG_H_
#define PASARELA_GATEWAY_ADMIN_ACCESS_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/admin/exchange_facts.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela::admin {

class AccessLog {
 public:
  // "stdout" and "stderr" name the standard streams; anything else is a file path, created with
  // mode 0640 if absent and appended to.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(std::string destination);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Appends the line of one exchange. Blocks only for the write(2) itself.
  void Write(const ExchangeFacts& facts);
  // Appends `line` as is. REQUIRES: one line, ending in '\n'.
  void WriteLine(absl::string_view line);

  // For a file: opens the path again and continues there; the old descriptor is closed. On error
  // the log keeps writing where it was. A no-op for the standard streams.
  absl::Status Reopen();

  const std::string& destination() const { return destination_; }
  uint64_t lines_written() const { return lines_written_.load(std::memory_order_relaxed); }
  uint64_t write_failures() const { return write_failures_.load(std::memory_order_relaxed); }

 private:
  // Writes `count` whole lines at once (a LineBatch::Writer).
  static void WriteLines(void* log, absl::string_view lines, size_t count);

  AccessLog(std::string destination, int fd, bool owns_fd)
      : destination_(std::move(destination)), fd_(fd), owns_fd_(owns_fd) {}

  const std::string destination_;
  AnnotatedMutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  const bool owns_fd_;
  std::atomic<uint64_t> lines_written_{0};
  std::atomic<uint64_t> write_failures_{0};
};

// The JSON object of one exchange, on one line ending in '\n'. Field order is fixed:
// exchange_id, time_in, time_out, gateway, direction, consumer, provider, method, agreement,
// purpose, decision, rule, status, latency_ms, bytes_in, bytes_out, withheld_fields,
// categories_disclosed.
std::string FormatAccessLogLine(const ExchangeFacts& facts);

// Appends `value` as a JSON string, quotes included: '"' and '\\' escaped, control characters as
// \b \f \n \r \t or \u00XX, U+2028 and U+2029 as \u2028 and \u2029, valid UTF-8 kept as is, and
// each byte that is not part of valid UTF-8 replaced by U+FFFD, so the output is always valid
// JSON in valid UTF-8.
void AppendJsonString(absl::string_view value, std::string* out);

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_ACCESS_LOG_H_
