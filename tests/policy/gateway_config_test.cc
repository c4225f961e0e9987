#include "gateway/policy/gateway_config.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& text) {
  std::string path = testing::MakeTempDir("config") + "/gateway.yaml";
  testing::WriteFile(path, text);
  return path;
}

TEST(GatewayConfigTest, ReadsEveryKeyAndResolvesPathsAgainstTheFile) {
  std::string path = Write(
      "apiVersion: pasarela/v1\nkind: Gateway\ncountry: CL\nlisteners:\n  agency: 127.0.0.1:0\n"
      "  federation: 0.0.0.0:7444\ntls:\n  certificate_file: certs/gw.crt\n  key_file: /k/gw.key\n"
      "policy_dir: policy\ndefaults:\n  deadline: 3s\n  drain_timeout: 5s\n"
      "  crl_refresh_interval: 250ms\nlimits:\n  max_message_bytes: 1048576\n"
      "upstreams:\n  channels: 4\n  max_reconnect_backoff: 1s\n"
      "audit:\n  directory: trail\n  pseudonym_key_file: /k/pseudonym.key\n"
      "  checkpoint_every_records: 50\n  checkpoint_interval: 2s\n  max_segment_bytes: 1048576\n"
      "  max_batch_delay: 1ms\nlog_level: warning\ncpu_scheduling: inherited\n");
  Diagnostics diagnostics;
  absl::optional<GatewayConfig> config = LoadGatewayConfig(path, diagnostics);
  ASSERT_TRUE(config.has_value()) << diagnostics.ToString();
  std::string dir = path.substr(0, path.rfind('/'));
  EXPECT_EQ(config->log_level, LogLevel::kWarning);
  EXPECT_EQ(config->cpu_scheduling, CpuScheduling::kInherited);
  EXPECT_EQ(config->country, "CL");
  EXPECT_EQ(config->agency_address, "127.0.0.1:0");
  EXPECT_EQ(config->federation_address, "0.0.0.0:7444");
  EXPECT_EQ(config->certificate_file, dir + "/certs/gw.crt");
  EXPECT_EQ(config->key_file, "/k/gw.key");
  EXPECT_EQ(config->policy_dir, dir + "/policy");
  EXPECT_EQ(config->default_deadline, absl::Seconds(3));
  EXPECT_EQ(config->drain_timeout, absl::Seconds(5));
  EXPECT_EQ(config->crl_refresh_interval, absl::Milliseconds(250));
  EXPECT_EQ(config->max_message_bytes, 1048576);
  EXPECT_EQ(config->channels_per_upstream, 4);
  EXPECT_EQ(config->max_reconnect_backoff, absl::Seconds(1));
  EXPECT_EQ(config->audit_directory, dir + "/trail");
  EXPECT_EQ(config->pseudonym_key_file, "/k/pseudonym.key");
  EXPECT_EQ(config->audit_checkpoint_every_records, 50);
  EXPECT_EQ(config->audit_checkpoint_interval, absl::Seconds(2));
  EXPECT_EQ(config->audit_max_segment_bytes, 1048576);
  EXPECT_EQ(config->audit_max_batch_delay, absl::Milliseconds(1));
}

TEST(GatewayConfigTest, ReportsEveryErrorWithItsLocation) {
  std::string path = Write(
      "apiVersion: pasarela/v1\nkind: Gatway\ncountry: Chile\nlisteners:\n  agency: nowhere\n"
      "tls:\n  certificate_file: a.crt\npolicy_dir: p\nupstreams:\n  max_reconnect_backoff: 2m\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadGatewayConfig(path, diagnostics).has_value());
  std::string text = diagnostics.ToString();
  EXPECT_THAT(
      text,
      HasSubstr("gateway.yaml:2:7: error: kind: expected 'Gateway' in this file, found 'Gatway'"));
  EXPECT_THAT(
      text, HasSubstr("gateway.yaml:3:10: error: country: expected a two-letter upper-case code"));
  EXPECT_THAT(
      text,
      HasSubstr("gateway.yaml:5:11: error: listeners.agency: expected host:port, found 'nowhere'"));
  EXPECT_THAT(text,
              HasSubstr("gateway.yaml:5:3: error: listeners: missing required key 'federation'"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:7:3: error: tls: missing required key 'key_file'"));
  EXPECT_THAT(text,
              HasSubstr("gateway.yaml:10:26: error: upstreams.max_reconnect_backoff: at most 2s"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:1:1: error: gateway: missing required key 'audit'"));
  EXPECT_EQ(diagnostics.errors().size(), 7u) << text;
}

TEST(GatewayConfigTest, AnotherKindOfFileIsOneErrorThatSaysWhereItBelongs) {
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadGatewayConfig(Write("apiVersion: pasarela/v1\nkind: Federation\ncountries:\n"
                                       "  - code: CL\n    gateway: 127.0.0.1:7444\n"),
                                 diagnostics)
                   .has_value());
  EXPECT_THAT(diagnostics.ToString(),
              HasSubstr("gateway.yaml:2:7: error: kind: this is a Federation file, which belongs "
                        "in federation.yaml at the top of the policy directory; expected a Gateway "
                        "file here: move the file where it belongs\n"));
  EXPECT_EQ(diagnostics.errors().size(), 1u) << diagnostics.ToString();
}

constexpr char kHead[] =
    "apiVersion: pasarela/v1\nkind: Gateway\ncountry: CL\nlisteners:\n  agency: 127.0.0.1:0\n"
    "  federation: 0.0.0.0:7444\ntls:\n  certificate_file: gw.crt\n  key_file: gw.key\n"
    "policy_dir: policy\n";

TEST(GatewayConfigTest, ReadsThePostgresqlAuditSink) {
  std::string path = Write(std::string(kHead) +
                           "audit:\n  sink: postgresql\n  postgresql:\n"
                           "    conninfo_file: secrets/audit-db.conninfo\n"
                           "  pseudonym_key_file: pseudonym.key\n");
  Diagnostics diagnostics;
  absl::optional<GatewayConfig> config = LoadGatewayConfig(path, diagnostics);
  ASSERT_TRUE(config.has_value()) << diagnostics.ToString();
  std::string dir = path.substr(0, path.rfind('/'));
  EXPECT_EQ(config->audit_sink, "postgresql");
  EXPECT_EQ(config->audit_postgresql_conninfo_file, dir + "/secrets/audit-db.conninfo");
  EXPECT_EQ(config->audit_directory, "");
}

TEST(GatewayConfigTest, DiagnosesBadAuditSinkKeys) {
  Diagnostics d1;
  EXPECT_FALSE(
      LoadGatewayConfig(Write(std::string(kHead) + "audit:\n  sink: postgres\n  directory: trail\n"
                                                   "  pseudonym_key_file: k\n"),
                        d1)
          .has_value());
  EXPECT_THAT(d1.ToString(), HasSubstr("gateway.yaml:12:9: error: audit.sink: expected segments or "
                                       "postgresql, found 'postgres' (did you mean "
                                       "'postgresql'?)"));
  Diagnostics d2;
  EXPECT_FALSE(LoadGatewayConfig(
                   Write(std::string(kHead) + "audit:\n  sink: postgresql\n  directory: trail\n"
                                              "  pseudonym_key_file: k\n  postgresql:\n"
                                              "    conninfo: host=db\n"),
                   d2)
                   .has_value());
  const std::string text = d2.ToString();
  EXPECT_THAT(text, HasSubstr("gateway.yaml:13:14: error: audit.directory: not used with sink: "
                              "postgresql"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:16:5: error: audit.postgresql: unknown key "
                              "'conninfo'"));
  EXPECT_THAT(text, HasSubstr("missing required key 'conninfo_file'"));
  Diagnostics d3;
  EXPECT_FALSE(LoadGatewayConfig(Write(std::string(kHead) +
                                       "audit:\n  directory: trail\n  pseudonym_key_file: k\n"
                                       "  postgresql:\n    conninfo_file: f\n"),
                                 d3)
                   .has_value());
  EXPECT_THAT(d3.ToString(), HasSubstr("gateway.yaml:15:5: error: audit.postgresql: only read with "
                                       "sink: postgresql"));
}

TEST(GatewayConfigTest, LogLevelIsInfoUnlessNamed) {
  const std::string audit = "audit:\n  directory: trail\n  pseudonym_key_file: k\n";
  Diagnostics diagnostics;
  absl::optional<GatewayConfig> config =
      LoadGatewayConfig(Write(std::string(kHead) + audit), diagnostics);
  ASSERT_TRUE(config.has_value()) << diagnostics.ToString();
  EXPECT_EQ(config->log_level, LogLevel::kInfo);
  for (const auto& [name, level] : {std::pair<const char*, LogLevel>{"debug", LogLevel::kDebug},
                                    {"info", LogLevel::kInfo},
                                    {"warning", LogLevel::kWarning},
                                    {"error", LogLevel::kError}}) {
    Diagnostics named;
    config = LoadGatewayConfig(Write(absl::StrCat(kHead, "log_level: ", name, "\n", audit)), named);
    ASSERT_TRUE(config.has_value()) << named.ToString();
    EXPECT_EQ(config->log_level, level) << name;
  }
}

TEST(GatewayConfigTest, UnknownLogLevelIsAnErrorWithItsPlace) {
  Diagnostics diagnostics;
  EXPECT_FALSE(
      LoadGatewayConfig(Write(std::string(kHead) + "log_level: warnig\naudit:\n  directory: trail\n"
                                                   "  pseudonym_key_file: k\n"),
                        diagnostics)
          .has_value());
  EXPECT_THAT(diagnostics.ToString(),
              HasSubstr("gateway.yaml:11:12: error: log_level: expected debug, info, warning or "
                        "error, found 'warnig' (did you mean 'warning'?)"));
  EXPECT_EQ(diagnostics.errors().size(), 1u) << diagnostics.ToString();
}

TEST(GatewayConfigTest, CpuSchedulingIsBatchUnlessNamed) {
  const std::string audit = "audit:\n  directory: trail\n  pseudonym_key_file: k\n";
  Diagnostics diagnostics;
  absl::optional<GatewayConfig> config =
      LoadGatewayConfig(Write(std::string(kHead) + audit), diagnostics);
  ASSERT_TRUE(config.has_value()) << diagnostics.ToString();
  EXPECT_EQ(config->cpu_scheduling, CpuScheduling::kBatch);
  for (const auto& [name, scheduling] :
       {std::pair<const char*, CpuScheduling>{"batch", CpuScheduling::kBatch},
        {"inherited", CpuScheduling::kInherited}}) {
    Diagnostics named;
    config =
        LoadGatewayConfig(Write(absl::StrCat(kHead, "cpu_scheduling: ", name, "\n", audit)), named);
    ASSERT_TRUE(config.has_value()) << named.ToString();
    EXPECT_EQ(config->cpu_scheduling, scheduling) << name;
  }

  Diagnostics unknown;
  EXPECT_FALSE(
      LoadGatewayConfig(Write(absl::StrCat(kHead, "cpu_scheduling: bach\n", audit)), unknown)
          .has_value());
  EXPECT_THAT(unknown.ToString(),
              HasSubstr("gateway.yaml:11:17: error: cpu_scheduling: expected batch or inherited, "
                        "found 'bach' (did you mean 'batch'?)"));
  EXPECT_EQ(unknown.errors().size(), 1u) << unknown.ToString();
  // A policy name of the kernel's is not one of the values.
  Diagnostics kernel_name;
  EXPECT_FALSE(LoadGatewayConfig(Write(absl::StrCat(kHead, "cpu_scheduling: SCHED_OTHER\n", audit)),
                                 kernel_name)
                   .has_value());
  EXPECT_THAT(kernel_name.ToString(),
              HasSubstr("cpu_scheduling: expected batch or inherited, found 'SCHED_OTHER'"));
}

TEST(GatewayConfigTest, QuotaShareTakesOnlyAPlainDecimalInItsRange) {
  const std::string audit = "audit:\n  directory: trail\n  pseudonym_key_file: k\n";
  for (const char* written : {"0x1", "+0.5", "5e-1", "\" 0.5\"", "0", "1.5", "0.5.0", "half"}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(LoadGatewayConfig(
                     Write(absl::StrCat(kHead, "limits:\n  quota_share: ", written, "\n", audit)),
                     diagnostics)
                     .has_value())
        << written;
    const std::string found = written[0] == '"' ? " 0.5" : written;
    EXPECT_THAT(diagnostics.ToString(),
                HasSubstr(absl::StrCat("gateway.yaml:12:16: error: limits.quota_share: expected a "
                                       "decimal number (0.5, 0.25) greater than 0 and at most 1, "
                                       "found '",
                                       found, "'")));
    EXPECT_EQ(diagnostics.errors().size(), 1u) << diagnostics.ToString();
  }
  for (const auto& [written, share] :
       std::vector<std::pair<const char*, double>>{{"1", 1}, {"0.25", 0.25}, {".5", 0.5}}) {
    Diagnostics diagnostics;
    absl::optional<GatewayConfig> config = LoadGatewayConfig(
        Write(absl::StrCat(kHead, "limits:\n  quota_share: ", written, "\n", audit)), diagnostics);
    ASSERT_TRUE(config.has_value()) << diagnostics.ToString();
    EXPECT_EQ(config->quota_share, share) << written;
  }
}

TEST(GatewayConfigTest, TwoListenersOnOnePortAreAnErrorWithItsPlace) {
  const std::string rest =
      "tls:\n  certificate_file: gw.crt\n  key_file: gw.key\npolicy_dir: policy\n"
      "audit:\n  directory: trail\n  pseudonym_key_file: k\n";
  auto load = [&](const std::string& listeners, Diagnostics& diagnostics) {
    return LoadGatewayConfig(
        Write(absl::StrCat("apiVersion: pasarela/v1\nkind: Gateway\ncountry: CL\nlisteners:\n",
                           listeners, rest)),
        diagnostics);
  };
  Diagnostics same;
  EXPECT_FALSE(
      load("  agency: 127.0.0.1:18931\n  federation: 127.0.0.1:18931\n", same).has_value());
  EXPECT_THAT(same.ToString(),
              HasSubstr("gateway.yaml:6:15: error: listeners.federation: '127.0.0.1:18931' takes "
                        "the port of listeners.agency ('127.0.0.1:18931'); each listener needs a "
                        "port of its own"));
  EXPECT_EQ(same.errors().size(), 1u) << same.ToString();

  // Every address of the host includes the loopback one.
  Diagnostics admin;
  EXPECT_FALSE(load("  agency: 0.0.0.0:7443\n  federation: 0.0.0.0:7444\n"
                    "  admin: 127.0.0.1:7443\n",
                    admin)
                   .has_value());
  EXPECT_THAT(admin.ToString(),
              HasSubstr("gateway.yaml:7:10: error: listeners.admin: '127.0.0.1:7443' takes the "
                        "port of listeners.agency ('0.0.0.0:7443')"));

  // Port 0 picks a free port for each; one port on two different hosts is two sockets.
  for (const char* listeners :
       {"  agency: 127.0.0.1:0\n  federation: 127.0.0.1:0\n  admin: 127.0.0.1:0\n",
        "  agency: 127.0.0.1:7443\n  federation: 127.0.0.2:7443\n"}) {
    Diagnostics fine;
    EXPECT_TRUE(load(listeners, fine).has_value()) << listeners << fine.ToString();
  }
}

TEST(GatewayConfigTest, RestartOnlyKeysKeepTheirRunningValues) {
  GatewayConfig running;
  running.country = "CL";
  running.agency_address = "127.0.0.1:7443";
  running.audit_directory = "/var/lib/pasarela/audit";
  GatewayConfig loaded = running;
  loaded.agency_address = "127.0.0.1:8443";
  loaded.max_message_bytes = running.max_message_bytes * 2;
  loaded.audit_directory = "/srv/audit";
  loaded.cpu_scheduling = CpuScheduling::kInherited;
  // Applied by a reload: not kept.
  loaded.max_in_flight = 7;
  loaded.quota_share = 0.5;
  loaded.crl_refresh_interval = absl::Minutes(1);
  loaded.drain_timeout = absl::Seconds(1);
  loaded.log_level = LogLevel::kError;
  // Refused by a reload, not kept here.
  loaded.country = "AR";

  EXPECT_THAT(KeepRestartOnlyValues(running, &loaded),
              ::testing::ElementsAre("listeners.agency", "cpu_scheduling",
                                     "limits.max_message_bytes", "audit.directory"));
  EXPECT_EQ(loaded.agency_address, running.agency_address);
  EXPECT_EQ(loaded.cpu_scheduling, CpuScheduling::kBatch);
  EXPECT_EQ(loaded.max_message_bytes, running.max_message_bytes);
  EXPECT_EQ(loaded.audit_directory, running.audit_directory);
  EXPECT_EQ(loaded.max_in_flight, 7);
  EXPECT_EQ(loaded.quota_share, 0.5);
  EXPECT_EQ(loaded.crl_refresh_interval, absl::Minutes(1));
  EXPECT_EQ(loaded.drain_timeout, absl::Seconds(1));
  EXPECT_EQ(loaded.log_level, LogLevel::kError);
  EXPECT_EQ(loaded.country, "AR");
  EXPECT_THAT(KeepRestartOnlyValues(running, &loaded), ::testing::IsEmpty());
}

TEST(GatewayConfigTest, EmptyValuesAreReportedAtTheirKeys) {
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadGatewayConfig(Write("apiVersion: pasarela/v1\nkind: Gateway\ncountry:\n"
                                       "listeners:\n  agency: 127.0.0.1:0\n  federation:\n"
                                       "tls:\npolicy_dir: p\naudit:\n  directory: trail\n"
                                       "  pseudonym_key_file: k\n"),
                                 diagnostics)
                   .has_value());
  const std::string text = diagnostics.ToString();
  EXPECT_THAT(text,
              HasSubstr("gateway.yaml:3:1: error: gateway.country: expected a single value, found "
                        "nothing"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:6:3: error: listeners.federation: expected a single "
                              "value, found nothing"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:7:1: error: tls: expected a mapping (key: value), "
                              "found nothing"));
  EXPECT_EQ(diagnostics.errors().size(), 3u) << text;
}

TEST(GatewayConfigTest, SmallMistakesAreEachReportedOnce) {
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadGatewayConfig(Write(std::string(kHead) +
                                       "access_log: none\nlog_level: warn\ndefaults:\n"
                                       "  crl_refresh_interval: 1ns\nlimits:\n  max_in_flight: +5\n"
                                       "audit:\n  directory: trail\n  pseudonym_key_file: k\n"
                                       "  max_batch_delay: {}\n"),
                                 diagnostics)
                   .has_value());
  const std::string text = diagnostics.ToString();
  EXPECT_THAT(text, HasSubstr("gateway.yaml:11:13: error: access_log: 'none' would be a file of "
                              "that name; write off for no access log"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:12:12: error: log_level: expected debug, info, "
                              "warning or error, found 'warn' (did you mean 'warning'?)"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:14:25: error: defaults.crl_refresh_interval: at least "
                              "100ms, found '1ns'"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:16:18: error: limits.max_in_flight: expected a whole "
                              "number from 0 to 1000000, found '+5'"));
  EXPECT_THAT(text, HasSubstr("gateway.yaml:20:20: error: audit.max_batch_delay: expected a single "
                              "value, found a mapping"));
  EXPECT_EQ(diagnostics.errors().size(), 5u) << text;
}

TEST(GatewayConfigTest, ASecondDocumentIsAnError) {
  Diagnostics diagnostics;
  EXPECT_FALSE(
      LoadGatewayConfig(Write(std::string(kHead) + "---\ncountry: AR\n"), diagnostics).has_value());
  EXPECT_THAT(diagnostics.ToString(),
              HasSubstr("gateway.yaml:11:1: error: a second YAML document (after ---): expected "
                        "one document per file"));
  EXPECT_EQ(diagnostics.errors().size(), 1u) << diagnostics.ToString();
}

TEST(GatewayConfigTest, MissingFileIsReported) {
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadGatewayConfig("/nonexistent/gateway.yaml", diagnostics).has_value());
  EXPECT_THAT(diagnostics.ToString(), HasSubstr("/nonexistent/gateway.yaml: error: cannot read"));
}

}  // namespace
}  // namespace pasarela
