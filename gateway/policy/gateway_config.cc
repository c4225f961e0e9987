#include "gateway/policy/gateway_config.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/file.h"
#include "gateway/common/host_port.h"
#include "gateway/identity/participant_id.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace {

// Below it, refreshing would keep a core busy for nothing: CRLs change a few times a day.
constexpr absl::Duration kMinCrlRefreshInterval = absl::Milliseconds(100);

bool IsHostPort(absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

bool IsWildcardHost(absl::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::";
}

// Whether two listeners would ask for one socket: the same port (not 0, which picks a free one)
// on the same host, or on any host when one of them listens on every address.
bool SameSocket(absl::string_view a, absl::string_view b) {
  absl::StatusOr<HostPort> a_split = ParseHostPort(a);
  absl::StatusOr<HostPort> b_split = ParseHostPort(b);
  if (!a_split.ok() || !b_split.ok()) return false;
  absl::optional<int> a_port = PortNumber(a_split->port, 1);
  if (!a_port.has_value() || a_port != PortNumber(b_split->port, 1)) return false;
  return a_split->host == b_split->host || IsWildcardHost(a_split->host) ||
         IsWildcardHost(b_split->host);
}

}  // namespace

absl::optional<GatewayConfig> LoadGatewayConfig(const std::string& path, Diagnostics& diagnostics) {
  size_t errors_before = diagnostics.errors().size();
  YamlFile file = ParseYamlFile(path, diagnostics);
  if (!file.ok()) return absl::nullopt;
  YamlMap top(file.root, path, diagnostics, "gateway");
  if (!CheckFileBelongsHere(top, {"Gateway"})) return absl::nullopt;
  top.ExpectKeys({"apiVersion", "kind", "country", "listeners", "tls", "policy_dir",
                  "descriptor_sets", "defaults", "limits", "upstreams", "audit", "access_log",
                  "log_level", "cpu_scheduling"});
  CheckHeader(top, "Gateway");

  GatewayConfig config;
  config.file = path;
  if (absl::optional<std::string> country = top.RequiredString("country")) {
    if (!IsCountryCode(*country)) {
      top.Error(top.Get("country"),
                absl::StrCat("country: expected a two-letter upper-case code such as CL, found '",
                             *country, "'"));
    }
    config.country = *country;
  }

  if (top.Has("listeners")) {
    YamlMap listeners(top, top.Get("listeners"), "listeners");
    listeners.ExpectKeys({"agency", "federation", "admin"});
    if (absl::optional<std::string> admin = listeners.OptionalString("admin")) {
      if (!IsHostPort(*admin)) {
        listeners.Error(listeners.Get("admin"),
                        absl::StrCat("listeners.admin: expected host:port, found '", *admin, "'"));
      }
      config.admin_address = *admin;
    }
    for (auto [key, target] :
         {std::pair<const char*, std::string*>{"agency", &config.agency_address},
          {"federation", &config.federation_address}}) {
      if (absl::optional<std::string> address = listeners.RequiredString(key)) {
        if (!IsHostPort(*address)) {
          listeners.Error(
              listeners.Get(key),
              absl::StrCat("listeners.", key, ": expected host:port, found '", *address, "'"));
        }
        *target = *address;
      }
    }
    // The second listener on a port would fail the start; found here, the error has its place in
    // the file.
    const std::vector<std::pair<const char*, const std::string*>> bound = {
        {"agency", &config.agency_address},
        {"federation", &config.federation_address},
        {"admin", &config.admin_address}};
    for (size_t i = 1; i < bound.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (!listeners.Has(bound[i].first) || !listeners.Has(bound[j].first) ||
            !SameSocket(*bound[i].second, *bound[j].second)) {
          continue;
        }
        listeners.Error(
            listeners.Get(bound[i].first),
            absl::StrCat("listeners.", bound[i].first, ": '", *bound[i].second,
                         "' takes the port of listeners.", bound[j].first, " ('", *bound[j].second,
                         "'); each listener needs a port of its own"));
        break;
      }
    }
  } else {
    top.Error(file.root, "gateway: missing required key 'listeners'");
  }

  if (top.Has("tls")) {
    YamlMap tls(top, top.Get("tls"), "tls");
    tls.ExpectKeys({"certificate_file", "key_file"});
    if (auto value = tls.RequiredString("certificate_file")) {
      config.certificate_file = ResolvePath(path, *value);
    }
    if (auto value = tls.RequiredString("key_file")) config.key_file = ResolvePath(path, *value);
  } else {
    top.Error(file.root, "gateway: missing required key 'tls'");
  }

  if (auto value = top.RequiredString("policy_dir")) config.policy_dir = ResolvePath(path, *value);
  if (auto value = top.OptionalString("access_log")) {
    if (*value == "none" || *value == "no" || *value == "false" || *value == "disabled") {
      // Taken as a path, the word would name a file the log is written to.
      top.Error(top.Get("access_log"),
                absl::StrCat("access_log: '", *value,
                             "' would be a file of that name; write off for no access log"));
    }
    config.access_log = GatewayConfig::IsAccessLogFile(*value) ? ResolvePath(path, *value) : *value;
  }
  if (auto value = top.OptionalString("log_level")) {
    if (absl::optional<LogLevel> level = ParseLogLevel(*value)) {
      config.log_level = *level;
    } else {
      const std::string guess = ClosestMatch(*value, {"debug", "info", "warning", "error"});
      top.Error(
          top.Get("log_level"),
          absl::StrCat("log_level: expected debug, info, warning or error, found '", *value, "'",
                       guess.empty() ? "" : absl::StrCat(" (did you mean '", guess, "'?)")));
    }
  }
  if (auto value = top.OptionalString("cpu_scheduling")) {
    if (absl::optional<CpuScheduling> scheduling = ParseCpuScheduling(*value)) {
      config.cpu_scheduling = *scheduling;
    } else {
      const std::string guess = ClosestMatch(*value, {"batch", "inherited"});
      top.Error(top.Get("cpu_scheduling"),
                absl::StrCat("cpu_scheduling: expected batch or inherited, found '", *value, "'",
                             guess.empty() ? "" : absl::StrCat(" (did you mean '", guess, "'?)")));
    }
  }
  if (auto sets = top.OptionalStringList("descriptor_sets")) {
    for (const std::string& set : *sets) config.descriptor_sets.push_back(ResolvePath(path, set));
  }

  if (top.Has("defaults")) {
    YamlMap defaults(top, top.Get("defaults"), "defaults");
    defaults.ExpectKeys({"deadline", "drain_timeout", "crl_refresh_interval"});
    if (auto value = defaults.OptionalDuration("deadline")) config.default_deadline = *value;
    if (auto value = defaults.OptionalDuration("drain_timeout")) config.drain_timeout = *value;
    if (auto value = defaults.OptionalDuration("crl_refresh_interval")) {
      // Each refresh looks at every CRL and the gateway's own certificate and key.
      if (*value < kMinCrlRefreshInterval) {
        defaults.Error(
            defaults.Get("crl_refresh_interval"),
            absl::StrCat("defaults.crl_refresh_interval: at least ",
                         absl::FormatDuration(kMinCrlRefreshInterval), ", found '",
                         defaults.OptionalString("crl_refresh_interval").value_or(""), "'"));
      }
      config.crl_refresh_interval = *value;
    }
  }
  if (top.Has("limits")) {
    YamlMap limits(top, top.Get("limits"), "limits");
    limits.ExpectKeys({"max_message_bytes", "max_metadata_bytes", "max_in_flight",
                       "max_in_flight_per_consumer", "quota_share"});
    if (auto value = limits.OptionalInt("max_metadata_bytes", 1024, 1024 * 1024)) {
      config.max_metadata_bytes = *value;
    }
    if (auto value = limits.OptionalInt("max_in_flight", 0, 1000000)) config.max_in_flight = *value;
    if (auto value = limits.OptionalInt("max_in_flight_per_consumer", 0, 1000000)) {
      config.max_in_flight_per_consumer = *value;
    }
    if (auto text = limits.OptionalString("quota_share")) {
      absl::optional<double> share = ParsePlainDecimal(*text);
      if (!share.has_value() || !(*share > 0) || *share > 1) {
        limits.Error(limits.Get("quota_share"),
                     absl::StrCat("limits.quota_share: expected a decimal number (0.5, 0.25) "
                                  "greater than 0 and at most 1, found '",
                                  *text, "'"));
      } else {
        config.quota_share = *share;
      }
    }
    if (auto value = limits.OptionalInt("max_message_bytes", 1024, 64 * 1024 * 1024)) {
      config.max_message_bytes = *value;
    }
  }
  if (top.Has("audit")) {
    YamlMap audit(top, top.Get("audit"), "audit");
    audit.ExpectKeys({"sink", "directory", "postgresql", "pseudonym_key_file",
                      "checkpoint_every_records", "checkpoint_interval", "max_segment_bytes",
                      "max_batch_delay"});
    if (auto value = audit.OptionalString("sink")) {
      static const std::vector<std::string> kSinks = {"segments", "postgresql"};
      if (std::find(kSinks.begin(), kSinks.end(), *value) != kSinks.end()) {
        config.audit_sink = *value;
      } else {
        const std::string guess = ClosestMatch(*value, kSinks);
        audit.Error(
            audit.Get("sink"),
            absl::StrCat("audit.sink: expected segments or postgresql, found '", *value, "'",
                         guess.empty() ? "" : absl::StrCat(" (did you mean '", guess, "'?)")));
      }
    }
    if (config.audit_sink == "postgresql") {
      if (audit.Has("directory")) {
        audit.Error(audit.Get("directory"),
                    "audit.directory: not used with sink: postgresql (the records go to the "
                    "database named by audit.postgresql.conninfo_file)");
      }
      if (audit.Has("max_segment_bytes")) {
        audit.Error(audit.Get("max_segment_bytes"),
                    "audit.max_segment_bytes: not used with sink: postgresql");
      }
      if (!audit.Has("postgresql")) {
        audit.Error(audit.Get("sink"),
                    "audit.postgresql: required with sink: postgresql (conninfo_file: FILE)");
      } else {
        YamlMap postgresql(audit, audit.Get("postgresql"), "audit.postgresql");
        postgresql.ExpectKeys({"conninfo_file"});
        if (auto value = postgresql.RequiredString("conninfo_file")) {
          config.audit_postgresql_conninfo_file = ResolvePath(path, *value);
        }
      }
    } else {
      if (audit.Has("postgresql")) {
        audit.Error(audit.Get("postgresql"),
                    "audit.postgresql: only read with sink: postgresql (the sink is segments)");
      }
      if (auto value = audit.RequiredString("directory")) {
        config.audit_directory = ResolvePath(path, *value);
      }
    }
    if (auto value = audit.RequiredString("pseudonym_key_file")) {
      config.pseudonym_key_file = ResolvePath(path, *value);
    }
    if (auto value = audit.OptionalInt("checkpoint_every_records", 1, 1000000)) {
      config.audit_checkpoint_every_records = *value;
    }
    if (auto value = audit.OptionalDuration("checkpoint_interval")) {
      config.audit_checkpoint_interval = *value;
    }
    if (auto value = audit.OptionalInt("max_segment_bytes", 64 * 1024, int64_t{1} << 40)) {
      config.audit_max_segment_bytes = *value;
    }
    // A value that is not a single one is reported by OptionalString.
    if (absl::optional<std::string> text = audit.OptionalString("max_batch_delay")) {
      absl::Duration delay;
      if (*text == "0" || *text == "0s" || *text == "0ms") {
        config.audit_max_batch_delay = absl::ZeroDuration();
      } else if (absl::ParseDuration(*text, &delay) && delay > absl::ZeroDuration() &&
                 delay <= absl::Milliseconds(100)) {
        config.audit_max_batch_delay = delay;
      } else {
        audit.Error(
            audit.Get("max_batch_delay"),
            absl::StrCat("audit.max_batch_delay: expected 0 or a duration up to 100ms, found '",
                         *text, "'"));
      }
    }
  } else {
    top.Error(file.root,
              "gateway: missing required key 'audit' (every exchange is recorded: name its "
              "directory and pseudonym_key_file)");
  }

  if (top.Has("upstreams")) {
    YamlMap upstreams(top, top.Get("upstreams"), "upstreams");
    upstreams.ExpectKeys({"channels", "max_reconnect_backoff"});
    if (auto value = upstreams.OptionalInt("channels", 1, 64))
      config.channels_per_upstream = *value;
    if (auto value = upstreams.OptionalDuration("max_reconnect_backoff")) {
      if (*value > absl::Seconds(2)) {
        upstreams.Error(upstreams.Get("max_reconnect_backoff"),
                        "upstreams.max_reconnect_backoff: at most 2s, so that a peer that comes "
                        "back is used again at once");
      }
      config.max_reconnect_backoff = *value;
    }
  }
  if (diagnostics.errors().size() != errors_before) return absl::nullopt;
  return config;
}

std::vector<std::string> KeepRestartOnlyValues(const GatewayConfig& running,
                                               GatewayConfig* loaded) {
  std::vector<std::string> kept;
  auto keep = [&](const char* key, auto GatewayConfig::*value) {
    if (loaded->*value == running.*value) return;
    kept.push_back(key);
    loaded->*value = running.*value;
  };
  keep("listeners.agency", &GatewayConfig::agency_address);
  keep("listeners.federation", &GatewayConfig::federation_address);
  keep("listeners.admin", &GatewayConfig::admin_address);
  keep("access_log", &GatewayConfig::access_log);
  keep("cpu_scheduling", &GatewayConfig::cpu_scheduling);
  keep("tls.certificate_file", &GatewayConfig::certificate_file);
  keep("tls.key_file", &GatewayConfig::key_file);
  keep("policy_dir", &GatewayConfig::policy_dir);
  keep("limits.max_message_bytes", &GatewayConfig::max_message_bytes);
  keep("limits.max_metadata_bytes", &GatewayConfig::max_metadata_bytes);
  keep("audit.sink", &GatewayConfig::audit_sink);
  keep("audit.directory", &GatewayConfig::audit_directory);
  keep("audit.postgresql.conninfo_file", &GatewayConfig::audit_postgresql_conninfo_file);
  keep("audit.pseudonym_key_file", &GatewayConfig::pseudonym_key_file);
  keep("audit.checkpoint_every_records", &GatewayConfig::audit_checkpoint_every_records);
  keep("audit.checkpoint_interval", &GatewayConfig::audit_checkpoint_interval);
  keep("audit.max_segment_bytes", &GatewayConfig::audit_max_segment_bytes);
  keep("audit.max_batch_delay", &GatewayConfig::audit_max_batch_delay);
  return kept;
}

}  // namespace pasarela
