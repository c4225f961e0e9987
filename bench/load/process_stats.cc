#include "bench/load/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/common/cpu_scheduling.h"
#include "gateway/common/file.h"

namespace pasarela::bench {

namespace {

// A file of /proc, or empty when it cannot be read: its process or thread ended before it was
// opened or while it was read (a read then fails with ESRCH, which std::ifstream's iterators
// would throw).
std::string ReadProcFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  return text.ok() ? *std::move(text) : std::string();
}

// The status texts of the threads process `pid` has now.
std::vector<std::string> TaskStatuses(pid_t pid) {
  std::vector<std::string> statuses;
  for (int tid : ThreadIdsOf(pid).value_or(std::vector<int>())) {
    std::string text = ReadProcFile(absl::StrCat("/proc/", pid, "/task/", tid, "/status"));
    // A thread that ended since the list was read has no status left.
    if (!text.empty()) statuses.push_back(std::move(text));
  }
  return statuses;
}

}  // namespace

uint64_t SumContextSwitches(const std::vector<std::string>& statuses) {
  uint64_t total = 0;
  for (const std::string& status : statuses) {
    for (absl::string_view line : absl::StrSplit(status, '\n')) {
      if (!absl::ConsumePrefix(&line, "voluntary_ctxt_switches:") &&
          !absl::ConsumePrefix(&line, "nonvoluntary_ctxt_switches:")) {
        continue;
      }
      uint64_t count = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &count)) total += count;
    }
  }
  return total;
}

absl::StatusOr<ProcessSample> SampleProcess(pid_t pid) {
  std::string base = absl::StrCat("/proc/", pid);
  const std::string stat = ReadProcFile(base + "/stat");
  // The command name, field 2, is in parentheses and may hold spaces: fields are counted from the
  // last ')'. What follows it starts at field 3 (state); utime and stime are fields 14 and 15.
  size_t close = stat.rfind(')');
  if (stat.empty() || close == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no process ", pid));
  }
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(close + 2), ' ', absl::SkipEmpty());
  uint64_t utime = 0;
  uint64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::InternalError(absl::StrCat(base, "/stat cannot be read"));
  }
  static const uint64_t kTicksPerSecond = static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  ProcessSample sample;
  sample.cpu_nanos = (utime + stime) * (1000000000 / kTicksPerSecond);

  const std::string status = ReadProcFile(base + "/status");
  if (status.empty()) return absl::NotFoundError(absl::StrCat("no process ", pid));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmHWM:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, " kB");
      if (!absl::SimpleAtoi(rest, &sample.peak_rss_kib)) {
        return absl::InternalError(absl::StrCat(base, "/status has an unreadable VmHWM"));
      }
    }
  }
  sample.context_switches = SumContextSwitches(TaskStatuses(pid));
  return sample;
}

absl::StatusOr<MachineSample> SampleMachine() {
  std::ifstream stat_file("/proc/stat");
  std::string line;
  if (!std::getline(stat_file, line) || !absl::StartsWith(line, "cpu ")) {
    return absl::InternalError("/proc/stat cannot be read");
  }
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
  // counted in user and nice.
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(line).substr(4), ' ', absl::SkipEmpty());
  uint64_t ticks[8] = {};
  if (fields.size() < 8) return absl::InternalError("/proc/stat has too few fields");
  for (int i = 0; i < 8; ++i) {
    if (!absl::SimpleAtoi(fields[i], &ticks[i])) {
      return absl::InternalError("/proc/stat has an unreadable field");
    }
  }
  static const uint64_t kNanosPerTick = 1000000000 / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  const uint64_t idle = ticks[3] + ticks[4];
  uint64_t total = 0;
  for (uint64_t t : ticks) total += t;
  MachineSample sample;
  sample.busy_nanos = (total - idle) * kNanosPerTick;
  sample.total_nanos = total * kNanosPerTick;
  return sample;
}

double OtherCpuShare(const MachineSample& start, const MachineSample& end,
                     uint64_t measured_nanos) {
  if (end.total_nanos <= start.total_nanos) return 0.0;
  const uint64_t busy = end.busy_nanos - start.busy_nanos;
  const uint64_t other = busy > measured_nanos ? busy - measured_nanos : 0;
  return static_cast<double>(other) / static_cast<double>(end.total_nanos - start.total_nanos);
}

ProcessSample SampleSelf() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  ProcessSample sample;
  auto nanos = [](const timeval& time) {
    return static_cast<uint64_t>(time.tv_sec) * 1000000000 +
           static_cast<uint64_t>(time.tv_usec) * 1000;
  };
  sample.cpu_nanos = nanos(usage.ru_utime) + nanos(usage.ru_stime);
  sample.peak_rss_kib = static_cast<uint64_t>(usage.ru_maxrss);  // KiB on Linux
  sample.context_switches = static_cast<uint64_t>(usage.ru_nvcsw + usage.ru_nivcsw);
  return sample;
}

}  // namespace pasarela::bench
