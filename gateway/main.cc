// The pasarela command: the gateway itself (serve) and the offline tools administrators use.
#include <google/protobuf/stubs/logging.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/admin/catalog.h"
#include "gateway/admin/metrics.h"
#include "gateway/agreement/explain.h"
#include "gateway/audit/audit_tools.h"
#include "gateway/classify/classify_command.h"
#include "gateway/common/allocator.h"
#include "gateway/common/command_line.h"
#include "gateway/common/counted.h"
#include "gateway/common/cpu_scheduling.h"
#include "gateway/common/log.h"
#include "gateway/identity/participant_id.h"
#include "gateway/mapping/map_command.h"
#include "gateway/mapping/mapping.h"
#include "gateway/net/gateway_server.h"
#include "gateway/net/grpc_shutdown_guard.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/policy_snapshot.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  pasarela serve --config gateway.yaml [--ready-file FILE]\n"
    "  pasarela policy lint DIR [--country CC] [--descriptor-set FILE]...\n"
    "  pasarela policy explain DIR --agreement ID [--country CC] [--descriptor-set FILE]...\n"
    "  pasarela catalog --policy DIR [--participant P] [--descriptor-set FILE]... [--at TIME]\n"
    "  pasarela classify --policy DIR [--descriptor-set FILE]...   (one text per line on stdin)\n"
    "  pasarela map --policy DIR --mapping ID [--reverse] [--descriptor-set FILE]...\n"
    "  pasarela audit verify PATH [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert FILE]...\n"
    "                        [--peer-ca [CC=]FILE]... [--peer-crl FILE]... [--strict]\n"
    "  pasarela audit reconcile PATH_A PATH_B\n"
    "  pasarela audit subject DIR --id SCHEME:VALUE --key-file FILE\n"
    "  pasarela audit show PATH --exchange ID\n"
    "  pasarela audit report PATH... [--from TIME] [--to TIME] [--format text|html]\n"
    "                        [--output FILE]\n"
    "                        [--verify [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert FILE]...\n"
    "                                  [--peer-ca [CC=]FILE]... [--peer-crl FILE]...]\n"
    "  pasarela version\n";

int UsageError(const std::string& message) {
  std::cerr << "pasarela: " << message << "\n" << kUsage;
  return 2;
}

// protobuf logs on stderr what its parsers and printers refuse (a string field of invalid UTF-8,
// a time out of range). Each refusal also reaches the caller as an error value, which the
// commands report in their own words: the log line would repeat it in another form, or stand
// alone on stderr where a record was quietly left out. Only its fatal messages are kept.
void KeepOnlyFatalProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                              const std::string& message) {
  if (level != google::protobuf::LOGLEVEL_FATAL) return;
  std::cerr << "[libprotobuf FATAL " << filename << ":" << line << "] " << message << "\n";
}

// The gateway logs them as its own warnings, in the log's format.
void LogProtobufMessage(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    KeepOnlyFatalProtobufLog(level, filename, line, message);
    return;
  }
  LogWarning(absl::StrCat("protobuf (", filename, ":", line, "): ", message));
}

int Help() {
  std::cout << kUsage;
  return 0;
}

// Where WriteFileAtomically writes `path` before renaming it into place.
std::string TemporaryPathFor(const std::string& path) {
  return absl::StrCat(path, ".tmp.", ::getpid());
}

// Writes `contents` to `path` atomically, so a reader never sees half a file.
bool WriteFileAtomically(const std::string& path, const std::string& contents) {
  std::string temporary = TemporaryPathFor(path);
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << contents;
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

// The --ready-file: written once the gateway serves, removed as soon as it begins to stop (and
// when this object goes), so that a supervisor polling it never takes a stopping gateway for a
// ready one. A crash leaves it behind: the pid in it tells whether its writer still runs.
class ReadyFile {
 public:
  explicit ReadyFile(std::string path) : path_(std::move(path)) {}
  ReadyFile(const ReadyFile&) = delete;
  ReadyFile& operator=(const ReadyFile&) = delete;
  ~ReadyFile() { Remove(); }

  // The files it writes: none without a path.
  std::vector<std::string> files() const {
    if (path_.empty()) return {};
    return {path_, TemporaryPathFor(path_)};
  }
  bool Write(const std::string& contents) {
    written_ = WriteFileAtomically(path_, contents);
    return written_;
  }
  void Remove() {
    if (!written_) return;
    written_ = false;
    if (std::remove(path_.c_str()) != 0 && errno != ENOENT) {
      LogWarning(absl::StrCat("cannot remove ready file ", path_, ": ", std::strerror(errno)));
    }
  }

 private:
  std::string path_;
  bool written_ = false;
};

const char* SignalName(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal";
  }
}

// Stops `server` (see GatewayServer::Shutdown) while this thread goes on taking `signals`: a
// second SIGTERM or SIGINT ends the drain at once, as an administrator pressing Ctrl-C twice or a
// supervisor repeating SIGTERM expects; SIGHUP, a reload, means nothing to a stopping gateway.
// True once the audit trail is sealed.
bool StopTakingSignals(GatewayServer& server, const sigset_t& signals) {
  absl::Notification stopped;
  absl::Status sealed;
  std::thread stopper([&] {
    sealed = server.Shutdown();
    stopped.Notify();
  });
  // Polled: sigtimedwait cannot also wait for the drain's end, and the poll adds at most its
  // period to the stop.
  const timespec poll = {0, 50 * 1000 * 1000};
  while (!stopped.HasBeenNotified()) {
    const int signal_number = sigtimedwait(&signals, nullptr, &poll);
    if (signal_number == SIGHUP) {
      LogInfo("SIGHUP received during the drain: ignored, the gateway is stopping");
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      server.EndDrainNow(absl::StrCat("second ", SignalName(signal_number), " received"));
    }
  }
  stopper.join();
  return sealed.ok();
}

// Before the listeners start: the threads gRPC starts for them inherit the policy. A kernel that
// refuses it leaves the gateway as it was started, which serves all the same.
void ApplyCpuScheduling(CpuScheduling scheduling) {
  if (scheduling != CpuScheduling::kBatch) return;
  absl::StatusOr<int> moved = ScheduleEveryThreadAsBatch();
  if (!moved.ok()) {
    LogWarning(
        absl::StrCat("cpu_scheduling: batch not applied, the threads keep the policy the "
                     "gateway was started with: ",
                     moved.status().message()));
    return;
  }
  LogInfo("cpu_scheduling: batch: the gateway's threads run under SCHED_BATCH");
}

// A build with tcmalloc whose malloc another library took over serves all the same, only slower.
void LogAllocator() {
  const AllocatorInUse allocator = DescribeAllocator();
#ifdef PASARELA_TCMALLOC
  if (!allocator.tcmalloc) {
    LogWarning(absl::StrCat("allocator: ", allocator.description));
    return;
  }
#endif
  const int64_t budget = LimitThreadCaches();
  std::string caches;
  if (budget > 0) {
    caches = budget % (int64_t{1} << 20) == 0
                 ? absl::StrCat(", thread caches up to ", budget >> 20, " MiB")
                 : absl::StrCat(", thread caches up to ", budget, " bytes");
  }
  LogInfo(absl::StrCat("allocator: ", allocator.description, caches));
}

// pasarela_allocator_allocated_bytes and _held_bytes, beside the process's resident memory: a
// leak raises the first, memory the allocator keeps for reuse only the second.
void ExposeAllocatorMemory(admin::MetricsRegistry& registry) {
  const auto read = [](int64_t AllocatorMemory::*figure) {
    return [figure] {
      return std::vector<admin::GaugeSample>{
          {{}, static_cast<double>(ReadAllocatorMemory().*figure)}};
    };
  };
  registry.AddGaugeCallback(
      "pasarela_allocator_allocated_bytes",
      "Bytes in the blocks the gateway has allocated and not freed, as its allocator counts them.",
      {}, read(&AllocatorMemory::allocated_bytes));
  registry.AddGaugeCallback("pasarela_allocator_held_bytes",
                            "Bytes the gateway's allocator holds from the system: the allocated "
                            "ones and those it keeps free for reuse.",
                            {}, read(&AllocatorMemory::held_bytes));
}

int Serve(const std::vector<std::string>& args) {
  absl::StatusOr<CommandLine> line = CommandLine::Parse(
      args, {{"--config", CommandLine::Arity::kOnce}, {"--ready-file", CommandLine::Arity::kOnce}},
      {});
  if (!line.ok()) return UsageError(absl::StrCat("serve: ", line.status().message()));
  if (line->help()) return Help();
  const std::string config_path = line->Value("--config").value_or("");
  const std::string ready_file = line->Value("--ready-file").value_or("");
  if (config_path.empty()) return UsageError("serve: --config is required");

  // Signals are taken synchronously by this thread; every thread gRPC starts inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  RouteGrpcLogs();
  google::protobuf::SetLogHandler(&LogProtobufMessage);
  // Declared before the server, so destroyed after it: gRPC has stopped before the process exits.
  GrpcShutdownGuard grpc_library;

  absl::StatusOr<PolicySnapshotPtr> snapshot = LoadPolicySnapshot(config_path);
  if (!snapshot.ok()) {
    std::cerr << snapshot.status().message() << "\n";
    LogError(absl::StrCat("cannot start: policy of ", config_path, " has errors"));
    return 1;
  }
  ApplyCpuScheduling((*snapshot)->gateway().cpu_scheduling);
  LogAllocator();
  ReadyFile ready(ready_file);
  // The ready file may lie beside gateway.yaml, which is watched: writing it is no policy edit.
  absl::StatusOr<std::unique_ptr<GatewayServer>> server =
      GatewayServer::Start(config_path, *snapshot, ready.files());
  if (!server.ok()) {
    LogError(absl::StrCat("cannot start: ", server.status().message()));
    return 1;
  }
  ExposeAllocatorMemory((*server)->metrics_registry());
  if (!ready_file.empty()) {
    std::string json =
        absl::StrCat("{\"country\":\"", (*snapshot)->gateway().country, "\",\"agency_address\":\"",
                     (*server)->agency_address(), "\",\"federation_address\":\"",
                     (*server)->federation_address(), "\",\"admin_address\":\"",
                     (*server)->admin_address(), "\",\"pid\":", ::getpid(), "}\n");
    if (!ready.Write(json)) {
      LogError(absl::StrCat("cannot write ready file ", ready_file));
      return 1;
    }
  }
  while (true) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGHUP) {
      LogInfo("SIGHUP received: reloading policy");
      (void)(*server)->Reload();
      continue;
    }
    LogInfo(absl::StrCat("received ", SignalName(signal_number)));
    break;
  }
  ready.Remove();
  // A supervisor learns from the exit status that the trail was left unsealed.
  return StopTakingSignals(**server, signals) ? 0 : 1;
}

// Loads a policy directory the way `policy lint` and `policy explain` both need it.
struct LoadedPolicyDirectory {
  std::unique_ptr<const DescriptorCatalog> catalog;
  absl::optional<PolicyDirectory> directory;
};

// Parses "DIR [--country CC] [--descriptor-set FILE]... [--agreement ID]"; returns 2 on usage
// errors, 1 (after printing them) on policy errors, 0 when loaded, -1 after printing the usage
// for --help.
int LoadPolicyCommand(const char* command, const std::vector<std::string>& args,
                      LoadedPolicyDirectory* loaded, std::string* dir, std::string* agreement) {
  std::vector<CommandLine::Option> options = {
      {"--country", CommandLine::Arity::kOnce},
      {"--descriptor-set", CommandLine::Arity::kRepeated},
  };
  if (agreement != nullptr) options.push_back({"--agreement", CommandLine::Arity::kOnce});
  absl::StatusOr<CommandLine> line = CommandLine::Parse(args, options, {"DIR"});
  if (!line.ok()) return UsageError(absl::StrCat(command, ": ", line.status().message()));
  if (line->help()) {
    Help();
    return -1;
  }
  *dir = line->Positional(0).value_or("");
  const std::string country = line->Value("--country").value_or("");
  std::vector<std::string> sets = line->Values("--descriptor-set");
  if (agreement != nullptr) *agreement = line->Value("--agreement").value_or("");
  if (dir->empty()) return UsageError(absl::StrCat(command, ": DIR is required"));
  if (!country.empty() && !IsCountryCode(country)) {
    return UsageError(absl::StrCat(command, ": --country '", country,
                                   "': expected a two-letter upper-case code such as CL"));
  }
  if (agreement != nullptr && agreement->empty()) {
    return UsageError(absl::StrCat(command, ": --agreement ID is required"));
  }
  if (sets.empty()) sets = DefaultDescriptorSetPaths();
  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog = DescriptorCatalog::Load(sets);
  if (!catalog.ok()) {
    std::cout << catalog.status().message() << "\n";
    return 1;
  }
  loaded->catalog = *std::move(catalog);
  Diagnostics diagnostics;
  loaded->directory = LoadPolicyDirectory(*dir, country, *loaded->catalog, diagnostics);
  if (!loaded->directory.has_value()) {
    std::cout << diagnostics.ToString();
    std::cout << diagnostics.CountLine(*dir);
    return 1;
  }
  return 0;
}

int PolicyLint(const std::vector<std::string>& args) {
  LoadedPolicyDirectory loaded;
  std::string dir;
  if (int status = LoadPolicyCommand("policy lint", args, &loaded, &dir, nullptr); status != 0) {
    return std::max(status, 0);
  }
  const PolicyDirectory& directory = *loaded.directory;
  // Lossy conversions and rules that cannot run in reverse do not stop a load, but the
  // administrator checking a mapping needs to see them, as pasarela map shows them.
  if (directory.mappings != nullptr) {
    std::set<std::string> shown;
    for (const Diagnostic& warning : directory.mappings->warnings()) {
      std::string line = FormatWarning(warning);
      shown.insert(line);
      std::cout << line << "\n";
    }
    for (const std::string& id : directory.mappings->ids()) {
      for (const Diagnostic& note : directory.mappings->Find(id)->non_invertible_rules()) {
        // A lossy date is both a warning and the reason it is not invertible: say it once.
        if (shown.count(FormatWarning(note)) > 0) continue;
        std::cout << FormatWarning(
                         Diagnostic{note.location, absl::StrCat("not invertible: ", note.message)})
                  << "\n";
      }
    }
  }
  size_t methods = 0;
  for (const ProviderService& provider : directory.services.providers()) {
    methods += provider.methods.size();
  }
  std::cout << dir
            << ": OK: " << Counted(directory.federation.countries.size(), "country", "countries")
            << ", " << Counted(directory.services.providers().size(), "provider", "providers")
            << ", " << Counted(methods, "method", "methods") << ", "
            << Counted(directory.agreements.size(), "agreement", "agreements") << "\n";
  return 0;
}

int PolicyExplain(const std::vector<std::string>& args) {
  LoadedPolicyDirectory loaded;
  std::string dir;
  std::string id;
  if (int status = LoadPolicyCommand("policy explain", args, &loaded, &dir, &id); status != 0) {
    return std::max(status, 0);
  }
  const Agreement* agreement = loaded.directory->agreements.Find(id);
  if (agreement == nullptr) {
    // A mistyped id is the usual cause: say which ids there are, as lint does for keys.
    std::vector<std::string> ids;
    for (const auto& known : loaded.directory->agreements.agreements()) ids.push_back(known->id);
    const std::string guess = ClosestMatch(id, ids);
    std::cout << "no agreement '" << id << "' in " << dir
              << (guess.empty() ? "" : absl::StrCat(" (did you mean '", guess, "'?)")) << "; "
              << (ids.empty() ? "it holds no agreements"
                              : absl::StrCat("its agreements: ", absl::StrJoin(ids, ", ")))
              << "\n";
    return 1;
  }
  std::cout << ExplainAgreement(*agreement, absl::Now());
  return 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return UsageError("no command");
  std::string command = args.front();
  args.erase(args.begin());
  if (command == "serve") return Serve(args);
  if (command == "policy") {
    if (args.empty()) return UsageError("policy: a subcommand is needed: lint or explain");
    const std::string subcommand = args.front();
    args.erase(args.begin());
    if (subcommand == "lint") return PolicyLint(args);
    if (subcommand == "explain") return PolicyExplain(args);
    if (subcommand == "-h" || subcommand == "--help") return Help();
    return UsageError(
        absl::StrCat("policy: unknown subcommand '", subcommand, "': lint or explain"));
  }
  if (command == "audit") return audit::RunAuditCommand(args, std::cout, std::cerr);
  if (command == "classify")
    return classify::RunClassifyCommand(args, std::cin, std::cout, std::cerr);
  if (command == "map") return RunMapCommand(args, std::cin, std::cout, std::cerr);
  if (command == "catalog") return admin::RunCatalogCommand(args, std::cout, std::cerr);
  if (command == "version" || command == "--version") {
    if (!args.empty()) {
      return UsageError(absl::StrCat("version: unexpected argument '", args.front(), "'"));
    }
    std::cout << "pasarela " << PASARELA_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") return Help();
  return UsageError(absl::StrCat("unknown command '", command, "'"));
}

}  // namespace
}  // namespace pasarela

int main(int argc, char** argv) {
  // Debian's Abseil is built with mutex deadlock detection on, which costs a graph update on every
  // lock of every absl::Mutex, gRPC's included: a few percent of the gateway's CPU per exchange.
  // Lock ordering is checked by the ThreadSanitizer build instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  google::protobuf::SetLogHandler(&pasarela::KeepOnlyFatalProtobufLog);
  return pasarela::Main(argc, argv);
}
