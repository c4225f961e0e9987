#include "gateway/admin/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/common/line_batch.h"
#include "gateway/common/rfc3339.h"
#include "gateway/common/utf8.h"

namespace pasarela::admin {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsPlainJsonByte(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

void AppendUnicodeEscape(uint32_t code_point, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4)
    out->push_back(kHexDigits[(code_point >> shift) & 0xF]);
}

void AppendJsonStringArray(absl::Span<const std::string> values, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(values[i], out);
  }
  out->push_back(']');
}

void AppendField(absl::string_view name, absl::string_view value, std::string* out) {
  absl::StrAppend(out, ",\"", name, "\":");
  AppendJsonString(value, out);
}

// Writes all of `bytes` to `fd`, retrying on EINTR and short writes.
bool WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

absl::StatusOr<int> OpenForAppend(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open access log ", path, ": ", std::strerror(errno)));
  }
  return fd;
}

}  // namespace

void AppendJsonString(absl::string_view value, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < value.size()) {
    // Printable ASCII other than '"' and '\\' is copied as it is, a run at a time.
    size_t plain = i;
    while (plain < value.size() && IsPlainJsonByte(static_cast<unsigned char>(value[plain]))) {
      ++plain;
    }
    out->append(value.data() + i, plain - i);
    i = plain;
    if (i == value.size()) break;
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            AppendUnicodeEscape(c, out);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t length = Utf8SequenceLength(value, i);
    if (length == 0) {
      AppendUnicodeEscape(0xFFFD, out);
      ++i;
      continue;
    }
    // U+2028 and U+2029 are valid JSON but end lines in JavaScript and some log viewers.
    if (length == 3 && c == 0xE2 && static_cast<unsigned char>(value[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(value[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(value[i + 2]) == 0xA9)) {
      AppendUnicodeEscape(static_cast<unsigned char>(value[i + 2]) == 0xA8 ? 0x2028 : 0x2029, out);
    } else {
      out->append(value.data() + i, length);
    }
    i += length;
  }
  out->push_back('"');
}

std::string FormatAccessLogLine(const ExchangeFacts& facts) {
  std::string line;
  line.reserve(512);
  line.append("{\"exchange_id\":");
  AppendJsonString(facts.exchange_id, &line);
  // RFC 3339 needs no JSON escaping.
  line.append(",\"time_in\":\"");
  AppendRfc3339Millis(facts.time_in, &line);
  line.append("\",\"time_out\":\"");
  AppendRfc3339Millis(facts.time_out, &line);
  line.push_back('"');
  AppendField("gateway", facts.gateway, &line);
  AppendField("direction", ExchangeDirectionName(facts.direction), &line);
  AppendField("consumer", facts.consumer, &line);
  AppendField("provider", facts.provider, &line);
  AppendField("method", facts.method, &line);
  AppendField("agreement", facts.agreement, &line);
  AppendField("purpose", facts.purpose, &line);
  AppendField("decision", facts.allowed ? "allow" : "deny", &line);
  AppendField("rule", facts.rule, &line);
  AppendField("status", StatusCodeName(facts.code), &line);
  absl::StrAppendFormat(&line, ",\"latency_ms\":%.3f",
                        absl::ToDoubleMilliseconds(facts.time_out - facts.time_in));
  absl::StrAppend(&line, ",\"bytes_in\":", facts.bytes_in, ",\"bytes_out\":", facts.bytes_out);
  line.append(",\"withheld_fields\":");
  AppendJsonStringArray(facts.withheld_fields, &line);
  line.append(",\"categories_disclosed\":[");
  for (size_t i = 0; i < facts.categories_disclosed.size(); ++i) {
    if (i > 0) line.push_back(',');
    AppendJsonString(DataCategoryName(facts.categories_disclosed[i]), &line);
  }
  absl::StrAppend(&line, "],\"federation_protocol\":", facts.federation_protocol, "}\n");
  return line;
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(std::string destination) {
  if (destination == "stdout") {
    return std::unique_ptr<AccessLog>(new AccessLog(std::move(destination), STDOUT_FILENO, false));
  }
  if (destination == "stderr") {
    return std::unique_ptr<AccessLog>(new AccessLog(std::move(destination), STDERR_FILENO, false));
  }
  if (destination.empty()) return absl::InvalidArgumentError("access log: no destination given");
  absl::StatusOr<int> fd = OpenForAppend(destination);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(destination), *fd, true));
}

AccessLog::~AccessLog() {
  AnnotatedMutexLock lock(&mu_);
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void AccessLog::Write(const ExchangeFacts& facts) { WriteLine(FormatAccessLogLine(facts)); }

void AccessLog::WriteLine(absl::string_view line) {
  if (LineBatch::Gather(this, &AccessLog::WriteLines, line)) return;
  WriteLines(this, line, 1);
}

void AccessLog::WriteLines(void* log, absl::string_view lines, size_t count) {
  auto* self = static_cast<AccessLog*>(log);
  bool ok;
  {
    AnnotatedMutexLock lock(&self->mu_);
    ok = WriteAll(self->fd_, lines);
  }
  (ok ? self->lines_written_ : self->write_failures_).fetch_add(count, std::memory_order_relaxed);
}

absl::Status AccessLog::Reopen() {
  if (!owns_fd_) return absl::OkStatus();
  absl::StatusOr<int> fd = OpenForAppend(destination_);
  if (!fd.ok()) return fd.status();
  int old;
  {
    AnnotatedMutexLock lock(&mu_);
    old = fd_;
    fd_ = *fd;
  }
  ::close(old);
  return absl::OkStatus();
}

}  // namespace pasarela::admin
