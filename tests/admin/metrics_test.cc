// The metrics registry's exposition, checked line by line, its thread safety, and the gateway's
// metric families.
#include "gateway/admin/metrics.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/admin/gateway_metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace pasarela::admin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "the exposition ends in a line feed";
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// A parsed sample line: name, labels (in order), value.
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string value;
};

// Parses one sample line of the text format, unescaping label values; fails the test when the
// line is malformed.
Sample ParseSample(const std::string& line) {
  Sample sample;
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') sample.name.push_back(line[i++]);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::string label;
      while (i < line.size() && line[i] != '=') label.push_back(line[i++]);
      EXPECT_EQ(line.substr(i, 2), "=\"") << line;
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          ++i;
          EXPECT_LT(i, line.size()) << line;
          char escaped = line[i];
          EXPECT_TRUE(escaped == '\\' || escaped == '"' || escaped == 'n') << line;
          value.push_back(escaped == 'n' ? '\n' : escaped);
        } else {
          value.push_back(line[i]);
        }
        ++i;
      }
      ++i;  // closing quote
      sample.labels.emplace_back(label, value);
      if (i < line.size() && line[i] == ',') ++i;
    }
    ++i;  // closing brace
  }
  EXPECT_EQ(line.substr(i, 1), " ") << line;
  sample.value = line.substr(i + 1);
  EXPECT_FALSE(sample.value.empty()) << line;
  EXPECT_EQ(sample.value.find(' '), std::string::npos) << "no timestamps: " << line;
  return sample;
}

// Checks the structure of a whole exposition: every family opens with HELP then TYPE, its
// samples follow under its name (with _bucket/_sum/_count for histograms), no family appears
// twice, and each histogram series has cumulative buckets ending in +Inf equal to its _count.
// Returns the samples by family name.
std::map<std::string, std::vector<Sample>> CheckExposition(const std::string& text) {
  std::map<std::string, std::vector<Sample>> families;
  std::map<std::string, std::string> types;
  std::string family;
  std::string type;
  bool expect_type = false;
  for (const std::string& line : Lines(text)) {
    if (absl::StartsWith(line, "# HELP ")) {
      EXPECT_FALSE(expect_type) << "HELP without TYPE before " << line;
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (parts.size() != 4) {
        ADD_FAILURE() << "malformed HELP: " << line;
        continue;
      }
      family = parts[2];
      EXPECT_EQ(types.count(family), 0u) << family << " appears twice";
      expect_type = true;
      continue;
    }
    if (absl::StartsWith(line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      EXPECT_TRUE(expect_type) << "TYPE without HELP: " << line;
      if (parts.size() != 4) {
        ADD_FAILURE() << "malformed TYPE: " << line;
        continue;
      }
      EXPECT_EQ(parts[2], family) << line;
      type = parts[3];
      EXPECT_THAT(type, ::testing::AnyOf("counter", "gauge", "histogram")) << line;
      types[family] = type;
      families[family];
      expect_type = false;
      continue;
    }
    EXPECT_FALSE(expect_type) << "sample before TYPE: " << line;
    EXPECT_NE(line[0], '#') << "unexpected comment: " << line;
    Sample sample = ParseSample(line);
    if (type == "histogram") {
      EXPECT_TRUE(sample.name == family + "_bucket" || sample.name == family + "_sum" ||
                  sample.name == family + "_count")
          << line;
    } else {
      EXPECT_EQ(sample.name, family) << line;
    }
    if (type == "counter") {
      uint64_t value = 0;
      EXPECT_TRUE(absl::SimpleAtoi(sample.value, &value))
          << "a counter is a whole number: " << line;
    }
    families[family].push_back(sample);
  }
  EXPECT_FALSE(expect_type);

  // Histograms: per series (labels without le), buckets cumulative and ending in +Inf == count.
  for (const auto& [name, samples] : families) {
    if (types[name] != "histogram") continue;
    std::map<std::vector<std::pair<std::string, std::string>>, std::vector<const Sample*>> series;
    for (const Sample& sample : samples) {
      auto labels = sample.labels;
      if (sample.name == name + "_bucket") {
        EXPECT_FALSE(labels.empty());
        EXPECT_EQ(labels.back().first, "le");
        labels.pop_back();
      }
      series[labels].push_back(&sample);
    }
    for (const auto& [labels, parts] : series) {
      double previous_bound = -1;
      uint64_t previous_count = 0;
      std::string inf_count;
      std::string count;
      bool sum_seen = false;
      for (const Sample* sample : parts) {
        if (sample->name == name + "_bucket") {
          EXPECT_TRUE(count.empty() && !sum_seen) << "buckets come before _sum and _count";
          EXPECT_TRUE(inf_count.empty()) << "+Inf is the last bucket";
          uint64_t value = 0;
          EXPECT_TRUE(absl::SimpleAtoi(sample->value, &value)) << sample->value;
          EXPECT_GE(value, previous_count) << name << ": buckets are cumulative";
          previous_count = value;
          const std::string& le = sample->labels.back().second;
          if (le == "+Inf") {
            inf_count = sample->value;
          } else {
            double bound = 0;
            EXPECT_TRUE(absl::SimpleAtod(le, &bound)) << le;
            EXPECT_GT(bound, previous_bound) << name << ": bounds increase";
            previous_bound = bound;
          }
        } else if (sample->name == name + "_sum") {
          sum_seen = true;
        } else {
          count = sample->value;
        }
      }
      EXPECT_FALSE(inf_count.empty()) << name << " has a +Inf bucket";
      EXPECT_TRUE(sum_seen) << name << " has _sum";
      EXPECT_EQ(inf_count, count) << name << ": +Inf equals _count";
    }
  }
  return families;
}

TEST(MetricsExposition, CounterAndGaugeLineByLine) {
  MetricsRegistry registry;
  Family<Counter>& calls =
      registry.AddCounter("test_calls_total", "Calls made.", {"method", "code"});
  calls.WithLabels({"b/M", "OK"}).Increment(3);
  calls.WithLabels({"a/M", "NOT_FOUND"}).Increment();
  Family<Gauge>& depth = registry.AddGauge("test_depth", "Queue depth.", {});
  depth.Get().Set(12.5);

  EXPECT_THAT(Lines(registry.Exposition()),
              ElementsAre("# HELP test_calls_total Calls made.",  //
                          "# TYPE test_calls_total counter",
                          "test_calls_total{method=\"a/M\",code=\"NOT_FOUND\"} 1",
                          "test_calls_total{method=\"b/M\",code=\"OK\"} 3",
                          "# HELP test_depth Queue depth.",  //
                          "# TYPE test_depth gauge",         //
                          "test_depth 12.5"));
}

TEST(MetricsExposition, FamilyWithoutSeriesHasOnlyItsHeader) {
  MetricsRegistry registry;
  registry.AddCounter("test_empty_total", "Nothing yet.", {"rule"});
  EXPECT_THAT(Lines(registry.Exposition()), ElementsAre("# HELP test_empty_total Nothing yet.",
                                                        "# TYPE test_empty_total counter"));
}

TEST(MetricsExposition, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  Family<Gauge>& gauge =
      registry.AddGauge("test_escaped", "Help with a \\ backslash\nand a second line.", {"v"});
  gauge.WithLabels({"a\\b\"c\nd"}).Set(1);
  gauge.WithLabels({"plain é 日本"}).Set(2);

  std::vector<std::string> lines = Lines(registry.Exposition());
  EXPECT_THAT(
      lines,
      ElementsAre("# HELP test_escaped Help with a \\\\ backslash\\nand a second line.",
                  "# TYPE test_escaped gauge",  //
                  "test_escaped{v=\"a\\\\b\\\"c\\nd\"} 1", "test_escaped{v=\"plain é 日本\"} 2"));
  // And they read back as they were set.
  std::map<std::string, std::vector<Sample>> families = CheckExposition(registry.Exposition());
  ASSERT_EQ(families["test_escaped"].size(), 2u);
  EXPECT_EQ(families["test_escaped"][0].labels[0].second, "a\\b\"c\nd");
  EXPECT_EQ(families["test_escaped"][1].labels[0].second, "plain é 日本");
  EXPECT_EQ(EscapeLabelValue("x\\y\"z\n"), "x\\\\y\\\"z\\n");
  EXPECT_EQ(EscapeHelp("quote \" stays\\\n"), "quote \" stays\\\\\\n");
}

TEST(MetricsExposition, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry registry;
  Family<Histogram>& latency =
      registry.AddHistogram("test_latency_seconds", "Latency.", {"stage"}, {0.125, 0.5, 1});
  Histogram& forward = latency.WithLabels({"forward"});
  // Binary fractions, so that the sum is exact.
  forward.Observe(0.0625);                           // <= 0.125
  forward.Observe(0.125);                            // on a bound: counted in that bucket
  forward.Observe(0.25);                             // <= 0.5
  forward.Observe(2);                                // only +Inf
  forward.ObserveDuration(absl::Milliseconds(750));  // <= 1

  EXPECT_THAT(
      Lines(registry.Exposition()),
      ElementsAre("# HELP test_latency_seconds Latency.", "# TYPE test_latency_seconds histogram",
                  "test_latency_seconds_bucket{stage=\"forward\",le=\"0.125\"} 2",
                  "test_latency_seconds_bucket{stage=\"forward\",le=\"0.5\"} 3",
                  "test_latency_seconds_bucket{stage=\"forward\",le=\"1\"} 4",
                  "test_latency_seconds_bucket{stage=\"forward\",le=\"+Inf\"} 5",
                  "test_latency_seconds_sum{stage=\"forward\"} 3.1875",
                  "test_latency_seconds_count{stage=\"forward\"} 5"));
  CheckExposition(registry.Exposition());
}

TEST(MetricsExposition, UnlabelledHistogramUsesOnlyLe) {
  MetricsRegistry registry;
  Family<Histogram>& fsync =
      registry.AddHistogram("test_fsync_seconds", "Fsync.", {}, LatencyBuckets());
  fsync.Get().Observe(0.003);
  std::vector<std::string> lines = Lines(registry.Exposition());
  ASSERT_EQ(lines.size(), 2 + LatencyBuckets().size() + 1 + 2);
  EXPECT_EQ(lines[2], "test_fsync_seconds_bucket{le=\"0.0005\"} 0");
  EXPECT_EQ(lines[5], "test_fsync_seconds_bucket{le=\"0.005\"} 1");
  EXPECT_EQ(lines[15], "test_fsync_seconds_bucket{le=\"10\"} 1");
  EXPECT_EQ(lines[16], "test_fsync_seconds_bucket{le=\"+Inf\"} 1");
  EXPECT_EQ(lines[17], "test_fsync_seconds_sum 0.003");
  EXPECT_EQ(lines[18], "test_fsync_seconds_count 1");
}

TEST(MetricsExposition, LatencyBucketsSpanHalfAMillisecondToTenSeconds) {
  EXPECT_THAT(LatencyBuckets(), ElementsAre(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25, 0.5, 1, 2.5, 5, 10));
}

TEST(MetricsExposition, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(1), "1");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(0.0005), "0.0005");
  EXPECT_EQ(FormatMetricValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatMetricValue(1e20), "1e+20");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(MetricsExposition, CallbackGaugeIsComputedAtEachScrape) {
  MetricsRegistry registry;
  std::atomic<int> scrapes{0};
  registry.AddGaugeCallback("test_scrapes", "Scrapes so far.", {"kind"}, [&scrapes] {
    int n = ++scrapes;
    return std::vector<GaugeSample>{{{"z"}, static_cast<double>(n)}, {{"a"}, 0.5}};
  });
  EXPECT_THAT(Lines(registry.Exposition()),
              ElementsAre("# HELP test_scrapes Scrapes so far.", "# TYPE test_scrapes gauge",
                          "test_scrapes{kind=\"a\"} 0.5", "test_scrapes{kind=\"z\"} 1"));
  EXPECT_THAT(Lines(registry.Exposition()), ::testing::Contains("test_scrapes{kind=\"z\"} 2"));
}

TEST(MetricsRegistry, FullFamilyCountsNewLabelSetsInTheOverflowSeries) {
  MetricsRegistry registry;
  Family<Counter>& family = registry.AddCounter("test_capped_total", "Capped.", {"a", "b"}, 2);
  family.WithLabels({"1", "x"}).Increment();
  family.WithLabels({"2", "x"}).Increment();
  family.WithLabels({"3", "x"}).Increment();
  family.WithLabels({"4", "x"}).Increment(5);
  family.WithLabels({"1", "x"}).Increment();  // existing sets still count on their own
  EXPECT_EQ(family.size(), 2u);
  EXPECT_THAT(
      Lines(registry.Exposition()),
      ElementsAre("# HELP test_capped_total Capped.", "# TYPE test_capped_total counter",
                  "test_capped_total{a=\"1\",b=\"x\"} 2", "test_capped_total{a=\"2\",b=\"x\"} 1",
                  "test_capped_total{a=\"_overflow\",b=\"_overflow\"} 6"));
}

TEST(MetricsRegistry, SameLabelsGiveTheSameSeries) {
  MetricsRegistry registry;
  Family<Counter>& family = registry.AddCounter("test_same_total", "Same.", {"a"});
  std::string value = "x";
  Counter& first = family.WithLabels({value});
  Counter& second = family.WithLabels({absl::string_view("x")});
  EXPECT_EQ(&first, &second);
  EXPECT_NE(&first, &family.WithLabels({"y"}));
}

TEST(MetricsRegistry, CounterRaiseToNeverLowers) {
  MetricsRegistry registry;
  Counter& counter = registry.AddCounter("test_raise_total", "Raise.", {}).Get();
  counter.RaiseTo(10);
  counter.RaiseTo(4);
  EXPECT_EQ(counter.value(), 10u);
  counter.Increment();
  EXPECT_EQ(counter.value(), 11u);
}

TEST(MetricsRegistryDeathTest, RefusesBadNamesAndDuplicates) {
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.AddCounter("test_calls", "no _total", {});
      },
      "ends in _total");
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.AddGauge("test-bad", "dash", {});
      },
      "not a valid metric name");
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.AddGauge("test_g", "reserved label", {"__name"});
      },
      "not a valid label name");
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.AddGauge("test_g", "one", {});
        registry.AddGauge("test_g", "two", {});
      },
      "registered twice");
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.AddHistogram("test_h", "le", {"le"}, {1});
      },
      "label 'le'");
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.AddGauge("test_g", "two labels", {"a", "b"}).WithLabels({"only-one"});
      },
      "has 2 labels; 1 values were given");
}

TEST(MetricsConcurrency, CountersAddUpExactlyAcrossThreads) {
  MetricsRegistry registry;
  Family<Counter>& family = registry.AddCounter("test_concurrent_total", "Concurrent.", {"k"});
  Family<Histogram>& histogram =
      registry.AddHistogram("test_concurrent_seconds", "Concurrent.", {"k"}, LatencyBuckets());
  Counter& shared = family.WithLabels({"shared"});
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string own = absl::StrCat("thread-", t);
      for (int i = 0; i < kIterations; ++i) {
        shared.Increment();
        // Resolved every time, as the data plane does for label sets that vary per call.
        family.WithLabels({absl::StrCat("key-", i % 50)}).Increment();
        family.WithLabels({own}).Increment(2);
        histogram.WithLabels({"all"}).Observe(0.001);
      }
    });
  }
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop.load()) CheckExposition(registry.Exposition());
  });
  for (std::thread& thread : threads) thread.join();
  stop.store(true);
  scraper.join();

  EXPECT_EQ(shared.value(), uint64_t{kThreads} * kIterations);
  for (int k = 0; k < 50; ++k) {
    EXPECT_EQ(family.WithLabels({absl::StrCat("key-", k)}).value(),
              uint64_t{kThreads} * kIterations / 50);
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(family.WithLabels({absl::StrCat("thread-", t)}).value(), 2u * kIterations);
  }
  Histogram::Reading reading = histogram.WithLabels({"all"}).Read();
  EXPECT_EQ(reading.count, uint64_t{kThreads} * kIterations);
  EXPECT_NEAR(reading.sum, 0.001 * kThreads * kIterations, 1e-6);
  EXPECT_EQ(family.size(), 1u + 50u + kThreads);
}

// A scrape used to keep pointers to the label values inside the shards' hash maps after
// unlocking them; a new label set added meanwhile rehashes a map and frees those values
// (AddressSanitizer: heap-use-after-free in AppendSamples). Many new label sets while scraping.
TEST(MetricsConcurrency, ScrapeWhileNewLabelSetsAreAddedReadsOnlyLiveValues) {
  MetricsRegistry registry;
  Family<Counter>& family = registry.AddCounter("test_growing_total", "Growing.", {"k"});
  constexpr int kThreads = 4;
  constexpr int kLabelSets = 2000;  // 8000 in all, under the default limit of 10000
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop.load()) CheckExposition(registry.Exposition());
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLabelSets; ++i) {
        family.WithLabels({absl::StrCat("thread-", t, "-key-", i)}).Increment();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  stop.store(true);
  scraper.join();
  EXPECT_EQ(family.size(), size_t{kThreads} * kLabelSets);
  std::string exposition = registry.Exposition();
  EXPECT_NE(exposition.find("test_growing_total{k=\"thread-3-key-1999\"} 1"), std::string::npos);
}

// ---- GatewayMetrics ----

const absl::Time kNow = absl::FromUnixSeconds(1780000000);  // 2026-05-28T20:26:40Z

std::vector<std::string> SampleLines(const std::string& exposition, absl::string_view prefix) {
  std::vector<std::string> lines;
  for (const std::string& line : Lines(exposition)) {
    if (absl::StartsWith(line, prefix)) lines.push_back(line);
  }
  return lines;
}

TEST(GatewayMetrics, ExposesEveryFamilyWithHelpAndType) {
  GatewayMetrics metrics([] { return kNow; });
  std::map<std::string, std::vector<Sample>> families = CheckExposition(metrics.Exposition());
  std::set<std::string> names;
  for (const auto& [name, samples] : families) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"pasarela_exchanges_total",
                                          "pasarela_exchange_duration_seconds",
                                          "pasarela_stage_duration_seconds",
                                          "pasarela_request_bytes_total",
                                          "pasarela_response_bytes_total",
                                          "pasarela_categories_disclosed_total",
                                          "pasarela_denials_total",
                                          "pasarela_policy_reloads_total",
                                          "pasarela_policy_snapshot_age_seconds",
                                          "pasarela_audit_queue_depth",
                                          "pasarela_audit_fsync_duration_seconds",
                                          "pasarela_audit_write_failures_total",
                                          "pasarela_audit_records_total",
                                          "pasarela_audit_batches_total",
                                          "pasarela_receipts_signed_total",
                                          "pasarela_receipt_signatures_total",
                                          "pasarela_handshake_refusals_total",
                                          "pasarela_connections_replaced_total",
                                          "pasarela_peer_connection_state",
                                          "pasarela_certificate_expiry_days",
                                          "pasarela_crl_expiry_days",
                                          "pasarela_agreement_expiry_days"}));
  // Families with fixed series show them from the start.
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_handshake_refusals_total"),
              ElementsAre("pasarela_handshake_refusals_total{side=\"agency\"} 0",
                          "pasarela_handshake_refusals_total{side=\"federation\"} 0",
                          "pasarela_handshake_refusals_total{side=\"upstream\"} 0"));
  metrics.SetHandshakeRefusals(3, 1, 2);
  metrics.SetHandshakeRefusals(2, 1, 4);  // a count read earlier never lowers the counter
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_handshake_refusals_total"),
              ElementsAre("pasarela_handshake_refusals_total{side=\"agency\"} 3",
                          "pasarela_handshake_refusals_total{side=\"federation\"} 1",
                          "pasarela_handshake_refusals_total{side=\"upstream\"} 4"));
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_connections_replaced_total"),
              ElementsAre("pasarela_connections_replaced_total{upstream=\"peer_gateway\"} 0",
                          "pasarela_connections_replaced_total{upstream=\"provider\"} 0"));
  metrics.RecordConnectionReplaced(GatewayMetrics::ReplacedUpstream::kProvider);
  metrics.RecordConnectionReplaced(GatewayMetrics::ReplacedUpstream::kPeerGateway);
  metrics.RecordConnectionReplaced(GatewayMetrics::ReplacedUpstream::kProvider);
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_connections_replaced_total"),
              ElementsAre("pasarela_connections_replaced_total{upstream=\"peer_gateway\"} 1",
                          "pasarela_connections_replaced_total{upstream=\"provider\"} 2"));
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_policy_reloads_total"),
              ElementsAre("pasarela_policy_reloads_total{result=\"failed\"} 0",
                          "pasarela_policy_reloads_total{result=\"ok\"} 0"));
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_stage_duration_seconds_count"),
              ElementsAre("pasarela_stage_duration_seconds_count{stage=\"audit\"} 0",
                          "pasarela_stage_duration_seconds_count{stage=\"authorise\"} 0",
                          "pasarela_stage_duration_seconds_count{stage=\"classify\"} 0",
                          "pasarela_stage_duration_seconds_count{stage=\"forward\"} 0",
                          "pasarela_stage_duration_seconds_count{stage=\"map\"} 0"));
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_audit"),
              IsSupersetOf({"pasarela_audit_queue_depth 0", "pasarela_audit_write_failures_total 0",
                            "pasarela_audit_fsync_duration_seconds_count 0"}));
}

ExchangeFacts AllowedExchange() {
  ExchangeFacts facts;
  facts.exchange_id = "ex-1";
  facts.gateway = "CL";
  facts.direction = ExchangeDirection::kProviderSide;
  facts.consumer = "AR/GOV/migraciones";
  facts.provider = "CL/GOV/registro-civil";
  facts.method = "pasarela.identity.v1.IdentityService/GetPerson";
  facts.agreement = "ar-cl-identity-2026";
  facts.purpose = "border-control";
  facts.agreement_known = true;
  facts.provider_known = true;
  facts.allowed = true;
  facts.rule = "allowed";
  facts.code = absl::StatusCode::kOk;
  facts.time_in = kNow;
  facts.time_out = kNow + absl::Milliseconds(3);
  facts.SetStage(ExchangeStage::kAuthorise, absl::Microseconds(20));
  facts.SetStage(ExchangeStage::kForward, absl::Microseconds(2500));
  facts.SetStage(ExchangeStage::kAudit, absl::Microseconds(400));
  facts.bytes_in = 40;
  facts.bytes_out = 120;
  return facts;
}

TEST(GatewayMetrics, RecordExchangeMovesEachFamily) {
  GatewayMetrics metrics([] { return kNow; });
  static const DataCategory kCategories[] = {DataCategory::kPersonal,
                                             DataCategory::kPersonalIdentifier};
  ExchangeFacts allowed = AllowedExchange();
  allowed.categories_disclosed = kCategories;
  metrics.RecordExchange(allowed);
  metrics.RecordExchange(allowed);

  ExchangeFacts denied = AllowedExchange();
  denied.allowed = false;
  denied.rule = "purpose-not-allowed";
  denied.purpose = "tax-audit";
  denied.code = absl::StatusCode::kPermissionDenied;
  denied.stages = {};
  denied.SetStage(ExchangeStage::kAuthorise, absl::Microseconds(10));
  denied.bytes_out = 0;
  metrics.RecordExchange(denied);

  ExchangeFacts unauthenticated;  // refused before anything was known
  unauthenticated.code = absl::StatusCode::kUnauthenticated;
  unauthenticated.rule = "";
  unauthenticated.time_in = kNow;
  unauthenticated.time_out = kNow;
  metrics.RecordExchange(unauthenticated);

  std::string text = metrics.Exposition();
  CheckExposition(text);
  EXPECT_THAT(
      SampleLines(text, "pasarela_exchanges_total"),
      ElementsAre("pasarela_exchanges_total{method=\"none\",consumer=\"none\",provider=\"none\","
                  "agreement=\"none\",code=\"UNAUTHENTICATED\"} 1",
                  "pasarela_exchanges_total{method=\"pasarela.identity.v1.IdentityService/"
                  "GetPerson\",consumer=\"AR/GOV/migraciones\",provider=\"CL/GOV/registro-civil\","
                  "agreement=\"ar-cl-identity-2026\",code=\"OK\"} 2",
                  "pasarela_exchanges_total{method=\"pasarela.identity.v1.IdentityService/"
                  "GetPerson\",consumer=\"AR/GOV/migraciones\",provider=\"CL/GOV/registro-civil\","
                  "agreement=\"ar-cl-identity-2026\",code=\"PERMISSION_DENIED\"} 1"));
  EXPECT_THAT(SampleLines(text, "pasarela_denials_total"),
              ElementsAre("pasarela_denials_total{rule=\"purpose-not-allowed\"} 1",
                          "pasarela_denials_total{rule=\"unknown\"} 1"));
  EXPECT_THAT(SampleLines(text, "pasarela_categories_disclosed_total"),
              ElementsAre("pasarela_categories_disclosed_total{agreement=\"ar-cl-identity-2026\","
                          "category=\"personal\"} 2",
                          "pasarela_categories_disclosed_total{agreement=\"ar-cl-identity-2026\","
                          "category=\"personal_identifier\"} 2"));
  EXPECT_THAT(SampleLines(text, "pasarela_request_bytes_total"),
              ElementsAre("pasarela_request_bytes_total{method=\"none\"} 0",
                          "pasarela_request_bytes_total{method=\"pasarela.identity.v1."
                          "IdentityService/GetPerson\"} 120"));
  EXPECT_THAT(SampleLines(text, "pasarela_response_bytes_total"),
              ElementsAre("pasarela_response_bytes_total{method=\"none\"} 0",
                          "pasarela_response_bytes_total{method=\"pasarela.identity.v1."
                          "IdentityService/GetPerson\"} 240"));
  EXPECT_THAT(SampleLines(text, "pasarela_stage_duration_seconds_count"),
              ElementsAre("pasarela_stage_duration_seconds_count{stage=\"audit\"} 2",
                          "pasarela_stage_duration_seconds_count{stage=\"authorise\"} 3",
                          "pasarela_stage_duration_seconds_count{stage=\"classify\"} 0",
                          "pasarela_stage_duration_seconds_count{stage=\"forward\"} 2",
                          "pasarela_stage_duration_seconds_count{stage=\"map\"} 0"));
  EXPECT_THAT(text, HasSubstr("pasarela_exchange_duration_seconds_bucket{method=\"pasarela."
                              "identity.v1.IdentityService/GetPerson\",le=\"0.0025\"} 0\n"
                              "pasarela_exchange_duration_seconds_bucket{method=\"pasarela."
                              "identity.v1.IdentityService/GetPerson\",le=\"0.005\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("pasarela_exchange_duration_seconds_count{method=\"pasarela."
                              "identity.v1.IdentityService/GetPerson\"} 3\n"));
}

TEST(GatewayMetrics, AgreementsAndProvidersThePolicyDoesNotKnowAreOneLabelValue) {
  GatewayMetrics metrics([] { return kNow; });
  // A caller naming agreements and targets of its own invention: each would be a new series.
  for (int i = 0; i < 3; ++i) {
    ExchangeFacts refused = AllowedExchange();
    const std::string agreement = absl::StrCat("made-up-", i);
    const std::string provider = absl::StrCat("CL/GOV/made-up-", i);
    refused.agreement = agreement;
    refused.provider = provider;
    refused.agreement_known = false;
    refused.provider_known = false;
    refused.allowed = false;
    refused.rule = "agreement-unknown";
    refused.code = absl::StatusCode::kPermissionDenied;
    metrics.RecordExchange(refused);
  }
  // A known agreement that does not name the target as its provider.
  ExchangeFacts wrong_target = AllowedExchange();
  wrong_target.provider = "CL/GOV/another";
  wrong_target.provider_known = false;
  wrong_target.allowed = false;
  wrong_target.rule = "provider-mismatch";
  wrong_target.code = absl::StatusCode::kPermissionDenied;
  metrics.RecordExchange(wrong_target);

  const std::string text = metrics.Exposition();
  CheckExposition(text);
  EXPECT_THAT(SampleLines(text, "pasarela_exchanges_total"),
              ElementsAre("pasarela_exchanges_total{method=\"pasarela.identity.v1.IdentityService/"
                          "GetPerson\",consumer=\"AR/GOV/migraciones\",provider=\"unknown\","
                          "agreement=\"ar-cl-identity-2026\",code=\"PERMISSION_DENIED\"} 1",
                          "pasarela_exchanges_total{method=\"pasarela.identity.v1.IdentityService/"
                          "GetPerson\",consumer=\"AR/GOV/migraciones\",provider=\"unknown\","
                          "agreement=\"unknown\",code=\"PERMISSION_DENIED\"} 3"));
}

TEST(GatewayMetrics, ReloadsAndSnapshotAge) {
  absl::Time now = kNow;
  GatewayMetrics metrics([&now] { return now; });
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_policy_snapshot_age_seconds"),
              ::testing::IsEmpty());
  metrics.SetPolicyLoaded(kNow - absl::Seconds(30));
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_policy_snapshot_age_seconds"),
              ElementsAre("pasarela_policy_snapshot_age_seconds 30"));
  metrics.RecordReload(false);
  now += absl::Seconds(10);
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_policy_snapshot_age_seconds"),
              ElementsAre("pasarela_policy_snapshot_age_seconds 40"));
  metrics.RecordReload(true);
  now += absl::Milliseconds(1500);
  std::string text = metrics.Exposition();
  EXPECT_THAT(SampleLines(text, "pasarela_policy_snapshot_age_seconds"),
              ElementsAre("pasarela_policy_snapshot_age_seconds 1.5"));
  EXPECT_THAT(SampleLines(text, "pasarela_policy_reloads_total"),
              ElementsAre("pasarela_policy_reloads_total{result=\"failed\"} 1",
                          "pasarela_policy_reloads_total{result=\"ok\"} 1"));
}

TEST(GatewayMetrics, AuditStats) {
  GatewayMetrics metrics([] { return kNow; });
  audit::AuditLogStats stats;
  stats.queue_depth = 7;
  stats.fsyncs = 3;
  stats.write_failures = 1;
  stats.last_fsync_latency = absl::Microseconds(1500);
  metrics.SetAuditStats(stats);
  metrics.SetAuditStats(stats);  // no new fsync: not observed again
  stats.fsyncs = 4;
  stats.queue_depth = 0;
  stats.last_fsync_latency = absl::Milliseconds(30);
  stats.records_written = 40;
  stats.batches_written = 4;
  stats.receipts_signed = 20;
  stats.receipt_signatures = 3;
  metrics.SetAuditStats(stats);
  std::string text = metrics.Exposition();
  CheckExposition(text);
  EXPECT_THAT(SampleLines(text, "pasarela_audit_records_total"),
              ElementsAre("pasarela_audit_records_total 40"));
  EXPECT_THAT(SampleLines(text, "pasarela_audit_batches_total"),
              ElementsAre("pasarela_audit_batches_total 4"));
  EXPECT_THAT(SampleLines(text, "pasarela_receipts_signed_total"),
              ElementsAre("pasarela_receipts_signed_total 20"));
  EXPECT_THAT(SampleLines(text, "pasarela_receipt_signatures_total"),
              ElementsAre("pasarela_receipt_signatures_total 3"));
  EXPECT_THAT(SampleLines(text, "pasarela_audit_queue_depth"),
              ElementsAre("pasarela_audit_queue_depth 0"));
  EXPECT_THAT(SampleLines(text, "pasarela_audit_write_failures_total"),
              ElementsAre("pasarela_audit_write_failures_total 1"));
  EXPECT_THAT(SampleLines(text, "pasarela_audit_fsync_duration_seconds_"),
              IsSupersetOf({"pasarela_audit_fsync_duration_seconds_bucket{le=\"0.001\"} 0",
                            "pasarela_audit_fsync_duration_seconds_bucket{le=\"0.0025\"} 1",
                            "pasarela_audit_fsync_duration_seconds_bucket{le=\"0.025\"} 1",
                            "pasarela_audit_fsync_duration_seconds_bucket{le=\"0.05\"} 2",
                            "pasarela_audit_fsync_duration_seconds_count 2",
                            "pasarela_audit_fsync_duration_seconds_sum 0.0315"}));
}

TEST(GatewayMetrics, PeerStatesOneHot) {
  GatewayMetrics metrics([] { return kNow; });
  metrics.SetPeerState("CL", PeerConnectionState::kReady);
  metrics.SetPeerState("BR", PeerConnectionState::kConnecting);
  metrics.SetPeerState("CL", PeerConnectionState::kTransientFailure);
  std::vector<std::string> lines =
      SampleLines(metrics.Exposition(), "pasarela_peer_connection_state{");
  EXPECT_THAT(lines,
              ElementsAre("pasarela_peer_connection_state{peer=\"BR\",state=\"connecting\"} 1",
                          "pasarela_peer_connection_state{peer=\"BR\",state=\"idle\"} 0",
                          "pasarela_peer_connection_state{peer=\"BR\",state=\"ready\"} 0",
                          "pasarela_peer_connection_state{peer=\"BR\",state=\"shutdown\"} 0",
                          "pasarela_peer_connection_state{peer=\"BR\",state=\"transient_"
                          "failure\"} 0",
                          "pasarela_peer_connection_state{peer=\"CL\",state=\"connecting\"} 0",
                          "pasarela_peer_connection_state{peer=\"CL\",state=\"idle\"} 0",
                          "pasarela_peer_connection_state{peer=\"CL\",state=\"ready\"} 0",
                          "pasarela_peer_connection_state{peer=\"CL\",state=\"shutdown\"} 0",
                          "pasarela_peer_connection_state{peer=\"CL\",state=\"transient_"
                          "failure\"} 1"));
  metrics.SetPeerStates({{"UY", PeerConnectionState::kIdle}});
  lines = SampleLines(metrics.Exposition(), "pasarela_peer_connection_state{");
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1], "pasarela_peer_connection_state{peer=\"UY\",state=\"idle\"} 1");
}

TEST(GatewayMetrics, DaysUntilExpiryAreComputedWhenScraped) {
  absl::Time now = kNow;
  GatewayMetrics metrics([&now] { return now; });
  metrics.SetExpiries(ExpiryKind::kCertificate, {{"gateway", kNow + absl::Hours(24 * 90)},
                                                 {"ca:CL", kNow + absl::Hours(36)}});
  metrics.SetExpiry(ExpiryKind::kCrl, "crl:CL", kNow - absl::Hours(12));
  Agreement agreement;
  agreement.id = "ar-cl-identity-2026";
  agreement.valid_until = kNow + absl::Hours(24 * 10);
  std::vector<std::unique_ptr<const Agreement>> agreements;
  agreements.push_back(std::make_unique<const Agreement>(agreement));
  metrics.SetAgreementExpiries(agreements);

  std::string text = metrics.Exposition();
  CheckExposition(text);
  EXPECT_THAT(SampleLines(text, "pasarela_certificate_expiry_days"),
              ElementsAre("pasarela_certificate_expiry_days{certificate=\"ca:CL\"} 1.5",
                          "pasarela_certificate_expiry_days{certificate=\"gateway\"} 90"));
  EXPECT_THAT(SampleLines(text, "pasarela_crl_expiry_days"),
              ElementsAre("pasarela_crl_expiry_days{crl=\"crl:CL\"} -0.5"));
  EXPECT_THAT(SampleLines(text, "pasarela_agreement_expiry_days"),
              ElementsAre("pasarela_agreement_expiry_days{agreement=\"ar-cl-identity-2026\"} 10"));

  now += absl::Hours(24);  // a day later, with nothing set again
  text = metrics.Exposition();
  EXPECT_THAT(SampleLines(text, "pasarela_agreement_expiry_days"),
              ElementsAre("pasarela_agreement_expiry_days{agreement=\"ar-cl-identity-2026\"} 9"));
  metrics.SetAgreementExpiries({});  // the agreement left the policy: its series goes
  EXPECT_THAT(SampleLines(metrics.Exposition(), "pasarela_agreement_expiry_days{"),
              ::testing::IsEmpty());
}

TEST(GatewayMetrics, ConcurrentExchangesAddUpExactly) {
  GatewayMetrics metrics;
  constexpr int kThreads = 8;
  constexpr int kExchanges = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      std::string consumer = absl::StrCat("AR/GOV/agency-", t % 2);
      for (int i = 0; i < kExchanges; ++i) {
        ExchangeFacts facts = AllowedExchange();
        facts.consumer = consumer;
        metrics.RecordExchange(facts);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::string text = metrics.Exposition();
  CheckExposition(text);
  for (int c = 0; c < 2; ++c) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("consumer=\"AR/GOV/agency-", c,
                                             "\",provider=\"CL/GOV/registro-civil\",agreement=\"ar-"
                                             "cl-identity-2026\",code=\"OK\"} ",
                                             kThreads / 2 * kExchanges, "\n")));
  }
  EXPECT_THAT(text,
              HasSubstr(absl::StrCat("pasarela_stage_duration_seconds_count{stage=\"forward\"} ",
                                     kThreads * kExchanges, "\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("pasarela_request_bytes_total{method=\"pasarela."
                                           "identity.v1.IdentityService/GetPerson\"} ",
                                           40 * kThreads * kExchanges, "\n")));
}

// promtool (Debian package prometheus) is the reference parser of the format; when it is
// installed, it must accept the gateway's exposition without a complaint.
TEST(GatewayMetrics, PromtoolAcceptsTheExposition) {
  const char* promtool = "/usr/bin/promtool";
  if (std::ifstream(promtool).fail()) GTEST_SKIP() << "promtool is not installed";
  GatewayMetrics metrics([] { return kNow; });
  metrics.RecordExchange(AllowedExchange());
  metrics.SetPolicyLoaded(kNow);
  metrics.SetPeerState("CL", PeerConnectionState::kReady);
  metrics.SetExpiry(ExpiryKind::kCertificate, "gateway", kNow + absl::Hours(100));
  metrics.SetExpiry(ExpiryKind::kCrl, "CL", kNow + absl::Hours(10));
  metrics.SetExpiry(ExpiryKind::kAgreement, "ar-cl-identity-2026", kNow + absl::Hours(1000));
  metrics.RecordReload(true);
  audit::AuditLogStats stats;
  stats.fsyncs = 1;
  metrics.SetAuditStats(stats);
  std::string path = pasarela::testing::MakeTempDir("metrics") + "/metrics.txt";
  {
    std::ofstream out(path);
    out << metrics.Exposition();
  }
  std::string command = absl::StrCat(promtool, " check metrics < ", path, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  pclose(pipe);
  // promtool's lint asks for base units; the expiry gauges count days on purpose (see
  // docs/OPERATIONS.md), so that complaint, and only that one, is accepted.
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    EXPECT_THAT(std::string(line),
                HasSubstr("_expiry_days use base unit \"seconds\" instead of \"days\""))
        << output;
  }
}

}  // namespace
}  // namespace pasarela::admin
