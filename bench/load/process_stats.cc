#include "bench/load/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pasarela::bench {

absl::StatusOr<ProcessSample> SampleProcess(pid_t pid) {
  std::string base = absl::StrCat("/proc/", pid);
  std::ifstream stat_file(base + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
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

  std::ifstream status_file(base + "/status");
  std::string line;
  while (std::getline(status_file, line)) {
    absl::string_view rest(line);
    if (absl::ConsumePrefix(&rest, "VmHWM:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, " kB");
      if (!absl::SimpleAtoi(rest, &sample.peak_rss_kib)) {
        return absl::InternalError(absl::StrCat(base, "/status has an unreadable VmHWM"));
      }
    }
  }
  return sample;
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
  return sample;
}

}  // namespace pasarela::bench
