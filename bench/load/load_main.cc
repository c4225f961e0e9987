// pasarela-load: a load generator for one unary gRPC method over mutual TLS, and a probe of the
// disk's fdatasync latency. Prints a table for people and, last, one JSON line for programs.
//
//   pasarela-load --target HOST:PORT --method /pkg.Service/Method
//       --descriptor-set F [--descriptor-set F ...] --json '{"field": ...}'
//       --cert F --key F --ca F [--target-name NAME] [--metadata KEY=VALUE ...]
//       (--concurrency N | --rate CALLS_PER_S) [--duration S] [--warmup S] [--deadline-ms MS]
//       [--channels K] [--pid NAME=PID ...] [--label TEXT]
//
//   pasarela-load fsync --dir DIR [--count N] [--bytes B]
//
// The request is built once from --json with the descriptor sets and sent as the same bytes by
// every call. --pid NAME=PID (repeatable; several PIDs under one NAME add up) reports the CPU time
// each process used inside the measured window and its peak resident memory (VmHWM); "other load"
// is the share of the machine's CPU that went in that window to processes neither this tool nor
// named by --pid (on a busy machine the figures measure the other work too). The fsync probe
// reports the same share over its run, stretched to at least a second.
// Exit status: 0 when every call in the window succeeded, 1 when some failed, 2 on bad usage.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/load/fsync_probe.h"
#include "bench/load/latency_histogram.h"
#include "bench/load/load_generator.h"
#include "bench/load/process_stats.h"
#include "pilots/client_support.h"

namespace {

using pasarela::bench::LatencyHistogram;
using pasarela::bench::LoadOptions;
using pasarela::bench::LoadResult;
using pasarela::bench::MachineSample;
using pasarela::bench::ProcessSample;

constexpr char kProgram[] = "pasarela-load";

constexpr char kUsage[] =
    "usage: pasarela-load --target HOST:PORT --method /pkg.Service/Method --descriptor-set F"
    " --json J --cert F --key F --ca F (--concurrency N | --rate R) [--duration S] [--warmup S]"
    " [--deadline-ms MS] [--metadata K=V] [--target-name N] [--channels K] [--pid NAME=PID]"
    " [--label L]\n"
    "       pasarela-load fsync --dir DIR [--count N] [--bytes B]\n";

// The flags each command reads; any other name is a mistake worth stopping for (a misspelt
// --concurency would otherwise run with a default the caller did not ask for).
const std::set<std::string> kLoadFlags = {
    "--target", "--method",      "--descriptor-set", "--json",        "--cert", "--key",
    "--ca",     "--target-name", "--metadata",       "--concurrency", "--rate", "--duration",
    "--warmup", "--deadline-ms", "--channels",       "--pid",         "--label"};
const std::set<std::string> kFsyncFlags = {"--dir", "--count", "--bytes"};

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << kProgram << ": " << message << "\n" << kUsage;
  std::exit(2);
}

// Flags are --name value pairs; a name may repeat.
class Flags {
 public:
  Flags(int argc, char** argv, int first, const std::set<std::string>& known) {
    for (int i = first; i < argc; i += 2) {
      std::string name = argv[i];
      if (name.rfind("--", 0) != 0) Usage(absl::StrCat("expected a flag, found '", name, "'"));
      if (known.count(name) == 0) Usage(absl::StrCat("unknown flag ", name));
      if (i + 1 >= argc) Usage(absl::StrCat(name, " takes a value"));
      values_.emplace(name, argv[i + 1]);
    }
  }
  std::string Get(const std::string& name, const std::string& otherwise = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? otherwise : it->second;
  }
  std::string Required(const std::string& name) const {
    if (values_.count(name) == 0) Usage(absl::StrCat(name, " is required"));
    return Get(name);
  }
  std::vector<std::string> All(const std::string& name) const {
    std::vector<std::string> all;
    for (auto [it, end] = values_.equal_range(name); it != end; ++it) all.push_back(it->second);
    return all;
  }
  double Number(const std::string& name, double otherwise) const {
    if (values_.count(name) == 0) return otherwise;
    double value = 0;
    if (!absl::SimpleAtod(Get(name), &value)) Usage(absl::StrCat(name, " takes a number"));
    return value;
  }

 private:
  std::multimap<std::string, std::string> values_;
};

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  return out + "\"";
}

double Millis(uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

// The JSON object of a histogram's percentiles, in milliseconds.
std::string PercentilesJson(const LatencyHistogram& latency) {
  return absl::StrFormat(
      "{\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f,\"mean\":%.4f}",
      Millis(latency.ValueAtPercentile(50)), Millis(latency.ValueAtPercentile(90)),
      Millis(latency.ValueAtPercentile(99)), Millis(latency.ValueAtPercentile(99.9)),
      Millis(latency.max()), latency.mean() / 1e6);
}

// The histogram itself, in nanoseconds, for a program that merges the histograms of several runs:
// {"count":N,"min":N,"max":N,"sum":N,"buckets":[[low,high,count],...]}, occupied buckets only.
std::string HistogramJson(const LatencyHistogram& latency) {
  std::vector<std::string> buckets;
  for (const LatencyHistogram::Bucket& bucket : latency.NonEmptyBuckets()) {
    buckets.push_back(absl::StrCat("[", bucket.low, ",", bucket.high, ",", bucket.count, "]"));
  }
  return absl::StrCat("{\"count\":", latency.count(), ",\"min\":", latency.min(),
                      ",\"max\":", latency.max(), ",\"sum\":", latency.sum(), ",\"buckets\":[",
                      absl::StrJoin(buckets, ","), "]}");
}

std::string PercentilesText(const LatencyHistogram& latency) {
  return absl::StrFormat("p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms",
                         Millis(latency.ValueAtPercentile(50)),
                         Millis(latency.ValueAtPercentile(90)),
                         Millis(latency.ValueAtPercentile(99)),
                         Millis(latency.ValueAtPercentile(99.9)), Millis(latency.max()));
}

// The shortest window over which the fsync probe reads the machine's other load.
constexpr absl::Duration kMinLoadWindow = absl::Seconds(1);

int RunFsyncProbe(const Flags& flags) {
  std::string directory = flags.Required("--dir");
  int count = static_cast<int>(flags.Number("--count", 200));
  size_t bytes = static_cast<size_t>(flags.Number("--bytes", 1024));
  absl::StatusOr<MachineSample> machine_start = pasarela::bench::SampleMachine();
  const ProcessSample self_start = pasarela::bench::SampleSelf();
  const absl::Time started = absl::Now();
  absl::StatusOr<LatencyHistogram> latency =
      pasarela::bench::MeasureFdatasync(directory, count, bytes);
  if (!latency.ok()) {
    std::cerr << kProgram << ": " << latency.status().message() << "\n";
    return 1;
  }
  // The machine's counters advance by scheduler ticks (10 ms), so over a probe of a few tens of
  // milliseconds a tick or two of anything reads as up to a quarter of the machine: the other
  // load is taken over at least kMinLoadWindow, the probe's own run included.
  absl::SleepFor(kMinLoadWindow - (absl::Now() - started));
  const ProcessSample self_end = pasarela::bench::SampleSelf();
  absl::StatusOr<MachineSample> machine_end = pasarela::bench::SampleMachine();
  // A waiting fdatasync returns only when its thread gets a core back: on a machine busy with
  // other work that can take a scheduler tick, and the probe then measures the load, not the disk.
  const double other_share =
      machine_start.ok() && machine_end.ok()
          ? pasarela::bench::OtherCpuShare(*machine_start, *machine_end,
                                           self_end.cpu_nanos - self_start.cpu_nanos)
          : 0.0;
  std::cout << "fdatasync of a " << bytes << "-byte append in " << directory << ", " << count
            << " times: " << PercentilesText(*latency) << "\n";
  std::cout << absl::StrFormat(
      "  other load  %.0f%% of the machine's CPU went to other processes\n", 100 * other_share);
  std::cout << "{\"fdatasync_ms\":" << PercentilesJson(*latency) << ",\"count\":" << count
            << absl::StrFormat(",\"other_cpu_share\":%.3f}\n", other_share);
  return 0;
}

// The request message built from --json with the descriptor sets, serialized.
std::string BuildRequest(const Flags& flags, const std::string& method) {
  google::protobuf::DescriptorPool pool;
  std::vector<std::string> sets = flags.All("--descriptor-set");
  if (sets.empty()) Usage("at least one --descriptor-set is required");
  for (const std::string& path : sets) {
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromString(pasarela::pilots::ReadFileOrExit(path, kProgram))) {
      Usage(absl::StrCat(path, " is not a descriptor set"));
    }
    for (const auto& file : set.file()) {
      if (pool.FindFileByName(file.name()) == nullptr) pool.BuildFile(file);
    }
  }
  std::vector<std::string> parts = absl::StrSplit(method, '/', absl::SkipEmpty());
  const google::protobuf::ServiceDescriptor* service =
      parts.size() == 2 ? pool.FindServiceByName(parts[0]) : nullptr;
  const google::protobuf::MethodDescriptor* descriptor =
      service == nullptr ? nullptr : service->FindMethodByName(parts[1]);
  if (descriptor == nullptr) Usage(absl::StrCat("unknown method ", method));
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(descriptor->input_type())->New());
  auto parsed =
      google::protobuf::util::JsonStringToMessage(flags.Required("--json"), request.get());
  if (!parsed.ok()) {
    Usage(absl::StrCat("--json is not a ", descriptor->input_type()->full_name(), ": ",
                       parsed.message().as_string()));
  }
  return request->SerializeAsString();
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const Flags& flags) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = pasarela::pilots::ReadFileOrExit(flags.Required("--ca"), kProgram);
  tls.pem_cert_chain = pasarela::pilots::ReadFileOrExit(flags.Required("--cert"), kProgram);
  tls.pem_private_key = pasarela::pilots::ReadFileOrExit(flags.Required("--key"), kProgram);
  int count = static_cast<int>(flags.Number("--channels", 1));
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments arguments;
    if (!flags.Get("--target-name").empty()) {
      arguments.SetSslTargetNameOverride(flags.Get("--target-name"));
    }
    // Channels with equal arguments share one connection; each of ours must have its own.
    arguments.SetInt("pasarela.load.channel", i);
    channels.push_back(grpc::CreateCustomChannel(flags.Required("--target"),
                                                 grpc::SslCredentials(tls), arguments));
  }
  return channels;
}

// The processes named by --pid NAME=PID, in the order first named.
struct Watched {
  std::string name;
  std::vector<pid_t> pids;
  uint64_t cpu_at_start = 0;
  uint64_t cpu_at_end = 0;
  uint64_t switches_at_start = 0;
  uint64_t switches_at_end = 0;
  uint64_t peak_rss_kib = 0;
};

std::vector<Watched> ParseWatched(const Flags& flags) {
  std::vector<Watched> watched;
  for (const std::string& entry : flags.All("--pid")) {
    std::pair<std::string, std::string> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    int pid = 0;
    if (parts.first.empty() || !absl::SimpleAtoi(parts.second, &pid) || pid <= 0) {
      Usage(absl::StrCat("--pid takes NAME=PID, not ", entry));
    }
    auto it = std::find_if(watched.begin(), watched.end(),
                           [&](const Watched& w) { return w.name == parts.first; });
    if (it == watched.end()) it = watched.insert(watched.end(), Watched{parts.first, {}});
    it->pids.push_back(pid);
  }
  return watched;
}

// Sums the CPU time and context switches of each watched group (start or end) and, at the end,
// the peak resident memory. A process that is gone counts as nothing and is named on stderr.
void SampleWatched(std::vector<Watched>& watched, bool at_end) {
  for (Watched& group : watched) {
    uint64_t cpu = 0;
    uint64_t switches = 0;
    uint64_t rss = 0;
    for (pid_t pid : group.pids) {
      absl::StatusOr<ProcessSample> sample = pasarela::bench::SampleProcess(pid);
      if (!sample.ok()) {
        std::cerr << kProgram << ": " << group.name << ": " << sample.status().message() << "\n";
        continue;
      }
      cpu += sample->cpu_nanos;
      switches += sample->context_switches;
      rss += sample->peak_rss_kib;
    }
    (at_end ? group.cpu_at_end : group.cpu_at_start) = cpu;
    (at_end ? group.switches_at_end : group.switches_at_start) = switches;
    if (at_end) group.peak_rss_kib = rss;
  }
}

int RunLoadCommand(const Flags& flags) {
  LoadOptions options;
  std::string method = flags.Required("--method");
  if (method.front() != '/') method.insert(0, "/");
  options.method = method;
  options.request = BuildRequest(flags, method);
  options.channels = MakeChannels(flags);
  for (const std::string& entry : flags.All("--metadata")) {
    std::pair<std::string, std::string> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (parts.first.empty()) Usage(absl::StrCat("--metadata takes KEY=VALUE, not ", entry));
    options.metadata.push_back(parts);
  }
  options.concurrency = static_cast<int>(flags.Number("--concurrency", 0));
  options.rate = flags.Number("--rate", 0);
  options.duration = absl::Seconds(flags.Number("--duration", 10));
  options.warmup = absl::Seconds(flags.Number("--warmup", 1));
  options.deadline = absl::Milliseconds(flags.Number("--deadline-ms", 10000));

  std::vector<Watched> watched = ParseWatched(flags);
  ProcessSample self_start;
  ProcessSample self_end;
  MachineSample machine_start;
  MachineSample machine_end;
  auto sample_machine = [](MachineSample* sample) {
    absl::StatusOr<MachineSample> machine = pasarela::bench::SampleMachine();
    if (!machine.ok()) {
      std::cerr << kProgram << ": " << machine.status().message() << "\n";
      return;
    }
    *sample = *machine;
  };
  options.on_window_start = [&] {
    sample_machine(&machine_start);
    self_start = pasarela::bench::SampleSelf();
    SampleWatched(watched, /*at_end=*/false);
  };
  options.on_window_end = [&] {
    self_end = pasarela::bench::SampleSelf();
    SampleWatched(watched, /*at_end=*/true);
    sample_machine(&machine_end);
  };
  absl::StatusOr<LoadResult> result = pasarela::bench::RunLoad(options);
  if (!result.ok()) Usage(std::string(result.status().message()));

  uint64_t errors = 0;
  std::vector<std::string> error_json;
  std::vector<std::string> error_text;
  for (const auto& [code, count] : result->errors) {
    errors += count;
    const std::string name = pasarela::pilots::StatusCodeName(code);
    error_json.push_back(absl::StrCat(JsonString(name), ":", count));
    error_text.push_back(absl::StrCat(count, " ", name));
  }
  double seconds = absl::ToDoubleSeconds(result->window);
  double calls = static_cast<double>(result->ok + errors);
  auto per_call_ms = [&](uint64_t nanos) { return calls > 0 ? Millis(nanos) / calls : 0.0; };
  std::string mode = options.concurrency > 0
                         ? absl::StrCat("closed loop, ", options.concurrency, " in flight")
                         : absl::StrFormat("open loop, %.0f calls/s", options.rate);
  std::string label = flags.Get("--label", flags.Get("--target"));

  std::cout << label << ": " << mode << ", " << method << ", " << seconds << " s after "
            << absl::ToDoubleSeconds(options.warmup) << " s of warm-up\n";
  std::cout << absl::StrFormat("  throughput  %.0f calls/s (%d ok, %d errors%s)\n",
                               result->throughput(), result->ok, errors,
                               errors > 0 ? ": " + absl::StrJoin(error_text, ", ") : "");
  std::cout << "  latency     " << PercentilesText(result->latency) << "\n";
  std::cout << absl::StrFormat(
      "  sizes       request %d bytes, response %.0f bytes on average\n", options.request.size(),
      result->ok > 0 ? static_cast<double>(result->response_bytes) / static_cast<double>(result->ok)
                     : 0.0);
  std::cout << absl::StrFormat("  load tool   %.3f ms CPU per call\n",
                               per_call_ms(self_end.cpu_nanos - self_start.cpu_nanos));
  std::vector<std::string> process_json;
  for (const Watched& group : watched) {
    uint64_t cpu = group.cpu_at_end - group.cpu_at_start;
    // A thread that ended during the window takes its switches with it: never below zero.
    const uint64_t switches = group.switches_at_end > group.switches_at_start
                                  ? group.switches_at_end - group.switches_at_start
                                  : 0;
    const double switches_per_call = calls > 0 ? static_cast<double>(switches) / calls : 0.0;
    std::cout << absl::StrFormat(
        "  %-11s %.3f ms CPU per call, peak RSS %.1f MiB, %.2f context switches per call\n",
        group.name, per_call_ms(cpu), static_cast<double>(group.peak_rss_kib) / 1024,
        switches_per_call);
    process_json.push_back(
        absl::StrFormat("{\"name\":%s,\"pids\":[%s],\"cpu_ms\":%.1f,\"cpu_ms_per_call\":%.4f,"
                        "\"peak_rss_kib\":%d,\"context_switches_per_call\":%.3f}",
                        JsonString(group.name), absl::StrJoin(group.pids, ","), Millis(cpu),
                        per_call_ms(cpu), group.peak_rss_kib, switches_per_call));
  }
  uint64_t measured = self_end.cpu_nanos - self_start.cpu_nanos;
  for (const Watched& group : watched) measured += group.cpu_at_end - group.cpu_at_start;
  const double other_share = pasarela::bench::OtherCpuShare(machine_start, machine_end, measured);
  std::cout << absl::StrFormat(
      "  other load  %.0f%% of the machine's CPU went to processes neither this tool nor named "
      "by --pid\n",
      100 * other_share);
  if (result->abandoned > 0) {
    std::cout << "  " << result->abandoned << " calls had no answer after the deadline\n";
  }
  std::cout << absl::StrFormat(
      "{\"label\":%s,\"method\":%s,\"concurrency\":%d,\"rate\":%.1f,\"window_s\":%.3f,"
      "\"ok\":%d,\"errors\":{%s},\"throughput\":%.1f,\"latency_ms\":%s,\"request_bytes\":%d,"
      "\"response_bytes\":%.1f,\"calls_total\":%d,\"ok_total\":%d,\"abandoned\":%d,"
      "\"client_cpu_ms_per_call\":%.4f,\"other_cpu_share\":%.3f,\"processes\":[%s],"
      "\"latency_ns\":%s}\n",
      JsonString(label), JsonString(method), options.concurrency, options.rate, seconds, result->ok,
      absl::StrJoin(error_json, ","), result->throughput(), PercentilesJson(result->latency),
      options.request.size(),
      result->ok > 0 ? static_cast<double>(result->response_bytes) / result->ok : 0.0,
      result->calls_total, result->ok_total, result->abandoned,
      per_call_ms(self_end.cpu_nanos - self_start.cpu_nanos), other_share,
      absl::StrJoin(process_json, ","), HistogramJson(result->latency));
  return errors == 0 && result->abandoned == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  if (argc >= 2 && std::string(argv[1]) == "fsync") {
    return RunFsyncProbe(Flags(argc, argv, 2, kFsyncFlags));
  }
  return RunLoadCommand(Flags(argc, argv, 1, kLoadFlags));
}
