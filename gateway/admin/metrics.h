// A small metrics registry with Prometheus text exposition (format 0.0.4): counters, gauges and
// fixed-bucket histograms, each in a family of series told apart by label values.
//
// Typical use:
//
//   MetricsRegistry registry;
//   Family<Counter>& calls = registry.AddCounter("pasarela_calls_total", "Calls.", {"method"});
//   Counter& get_person = calls.WithLabels({"pasarela.identity.v1.IdentityService/GetPerson"});
//   get_person.Increment();            // hot path: one relaxed atomic add
//   std::string text = registry.Exposition();
//
// Cost on the hot path. A Counter, Gauge or Histogram reference is resolved once and then costs
// one relaxed atomic operation per update (a histogram: one bucket search over at most a few
// dozen bounds, one atomic add and one compare-and-swap loop on the sum). WithLabels hashes the
// label values and takes the mutex of one of 16 shards of the family for a hash-map lookup (no
// allocation when the series exists); a new label set allocates its series once. Exposition
// takes each shard's mutex only to copy out pointers, then reads the atomics without locks, so a
// scrape never holds up the data plane for longer than one shard's pointer copy.
//
// Cardinality: a family holds at most `max_series` label sets. Once full, new label sets are all
// counted in one series whose every label value is "_overflow", so that label values from
// untrusted input can never grow memory without bound.
//
// Thread safety: everything here is safe for concurrent use from several threads without
// external synchronisation. Series references stay valid as long as the registry.
#ifndef PASARELA_GATEWAY_ADMIN_METRICS_H_
#define PASARELA_GATEWAY_ADMIN_METRICS_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gateway/common/annotated_mutex.h"

namespace pasarela::admin {

// The Content-Type of the text exposition format 0.0.4.
inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// The label value every label of the overflow series carries (see the file comment).
inline constexpr char kOverflowLabelValue[] = "_overflow";

// Upper bounds, in seconds, of the buckets of every latency histogram: 0.0005, 0.001, 0.0025,
// 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 (and +Inf).
const std::vector<double>& LatencyBuckets();

// A monotonically increasing count.
class Counter {
 public:
  struct Options {};
  explicit Counter(const Options&) {}

  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  // Raises the value to `total` when it is higher; never lowers it. For a counter that mirrors a
  // count kept elsewhere (the audit writer's failures).
  void RaiseTo(uint64_t total);
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  struct Options {};
  explicit Gauge(const Options&) {}

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets, with their sum and count.
class Histogram {
 public:
  struct Options {
    // Strictly increasing finite upper bounds; +Inf is implied.
    std::shared_ptr<const std::vector<double>> bounds;
  };
  explicit Histogram(const Options& options);

  void Observe(double value);
  void ObserveDuration(absl::Duration duration) { Observe(absl::ToDoubleSeconds(duration)); }

  // A reading: per-bucket cumulative counts (one per bound, then +Inf, which equals `count`).
  struct Reading {
    std::vector<uint64_t> cumulative;
    uint64_t count = 0;
    double sum = 0;
  };
  Reading Read() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  // Non-cumulative: counts_[i] holds observations in (bounds[i-1], bounds[i]]; the last is +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };
// "counter", "gauge", "histogram".
absl::string_view MetricTypeName(MetricType type);

// What every family has; the registry writes each one's part of the exposition.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends the HELP and TYPE lines and one line per sample, series sorted by label values.
  void AppendExposition(std::string* out) const;

 protected:
  // Appends the sample lines only.
  virtual void AppendSamples(std::string* out) const = 0;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

namespace metrics_internal {

// Hash and equality over label values, for looking up by a span of views without building
// strings.
struct LabelsHash {
  using is_transparent = void;
  size_t operator()(absl::Span<const absl::string_view> values) const;
  size_t operator()(const std::vector<std::string>& values) const;
};
struct LabelsEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (absl::string_view(a[i]) != absl::string_view(b[i])) return false;
    }
    return true;
  }
};

// Writes `name{label="value",...} ` (the braces only when there are labels; the last label pair
// is `extra_label`="extra_value" when extra_label is non-empty), escaping label values.
void AppendSeriesName(std::string* out, absl::string_view name,
                      const std::vector<std::string>& label_names,
                      const std::vector<std::string>& label_values,
                      absl::string_view extra_label = "", absl::string_view extra_value = "");
void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const Counter& counter);
void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const Gauge& gauge);
void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const Histogram& histogram);
// Aborts with a message when `name` is not a valid metric or label name.
void CheckMetricName(absl::string_view name);
void CheckLabelName(absl::string_view name);
[[noreturn]] void AbortOnLabelCount(absl::string_view family, size_t expected, size_t given);

}  // namespace metrics_internal

// A family of series of one kind (Counter, Gauge or Histogram).
template <typename Series>
class Family final : public MetricFamily {
 public:
  static constexpr size_t kShards = 16;

  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         typename Series::Options options, size_t max_series)
      : MetricFamily(std::move(name), std::move(help), type, std::move(label_names)),
        options_(std::move(options)),
        max_series_(max_series) {}

  // The series of `values` (in the order of label_names()), created on first use; the overflow
  // series once the family is full. REQUIRES: values.size() == label_names().size().
  // Valid as long as the family.
  Series& WithLabels(absl::Span<const absl::string_view> values) {
    if (values.size() != label_names().size()) {
      metrics_internal::AbortOnLabelCount(name(), label_names().size(), values.size());
    }
    size_t hash = metrics_internal::LabelsHash()(values);
    Shard& shard = shards_[hash % kShards];
    AnnotatedMutexLock lock(&shard.mu);
    auto it = shard.series.find(values);
    if (it != shard.series.end()) return *it->second;
    if (series_count_.fetch_add(1, std::memory_order_relaxed) >= max_series_) {
      series_count_.fetch_sub(1, std::memory_order_relaxed);
      return Overflow();
    }
    std::vector<std::string> key(values.begin(), values.end());
    auto inserted = shard.series.emplace(std::move(key), std::make_unique<Series>(options_));
    return *inserted.first->second;
  }
  // The series without labels. REQUIRES: the family has no labels.
  Series& Get() { return WithLabels({}); }

  // Number of label sets (the overflow series not counted).
  size_t size() const { return series_count_.load(std::memory_order_relaxed); }

 protected:
  void AppendSamples(std::string* out) const override {
    // The label values are copied under the shard's lock: a concurrent WithLabels may rehash
    // the map and move its keys. The series themselves stay put (each behind a unique_ptr).
    std::vector<std::pair<std::vector<std::string>, const Series*>> all;
    for (const Shard& shard : shards_) {
      AnnotatedMutexLock lock(&shard.mu);
      for (const auto& [values, series] : shard.series) all.emplace_back(values, series.get());
    }
    {
      AnnotatedMutexLock lock(&overflow_mu_);
      if (overflow_ != nullptr) all.emplace_back(overflow_values_, overflow_.get());
    }
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [values, series] : all) {
      metrics_internal::AppendSample(out, name(), label_names(), values, *series);
    }
  }

 private:
  struct Shard {
    mutable AnnotatedMutex mu;
    absl::flat_hash_map<std::vector<std::string>, std::unique_ptr<Series>,
                        metrics_internal::LabelsHash, metrics_internal::LabelsEq>
        series ABSL_GUARDED_BY(mu);
  };

  Series& Overflow() {
    AnnotatedMutexLock lock(&overflow_mu_);
    if (overflow_ == nullptr) {
      overflow_values_.assign(label_names().size(), kOverflowLabelValue);
      overflow_ = std::make_unique<Series>(options_);
    }
    return *overflow_;
  }
  const typename Series::Options options_;
  const size_t max_series_;
  std::atomic<size_t> series_count_{0};
  std::array<Shard, kShards> shards_;
  mutable AnnotatedMutex overflow_mu_;
  std::vector<std::string> overflow_values_ ABSL_GUARDED_BY(overflow_mu_);
  std::unique_ptr<Series> overflow_ ABSL_GUARDED_BY(overflow_mu_);
};

// One sample of a callback gauge: label values in the order of the family's label names.
struct GaugeSample {
  std::vector<std::string> label_values;
  double value = 0;
};

// The registry of all families; writes the exposition.
class MetricsRegistry {
 public:
  static constexpr size_t kDefaultMaxSeries = 10000;

  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each Add registers a family and returns it; valid as long as the registry. Names must be
  // valid Prometheus names and unique; counter names end in "_total"; label names must not start
  // with "__" (nor be "le" for histograms). A violation is a programming error and aborts.
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names,
                              size_t max_series = kDefaultMaxSeries);
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names,
                          size_t max_series = kDefaultMaxSeries);
  // REQUIRES: `bounds` strictly increasing and finite.
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names, std::vector<double> bounds,
                                  size_t max_series = kDefaultMaxSeries);
  // A gauge family whose samples `collect` returns at each exposition, for values that are best
  // computed when read (ages, days until a date) or whose label sets come and go as a whole.
  // `collect` runs on the scraping thread; it must be quick and must not call Exposition().
  void AddGaugeCallback(std::string name, std::string help, std::vector<std::string> label_names,
                        std::function<std::vector<GaugeSample>()> collect);

  // The text exposition (format 0.0.4) of every family, in registration order.
  std::string Exposition() const;

 private:
  void Register(std::unique_ptr<MetricFamily> family);

  mutable AnnotatedMutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ ABSL_GUARDED_BY(mu_);
};

// Prometheus's float format: "+Inf", "-Inf", "NaN", else the shortest of %.15g and %.17g that
// reads back exactly ("0.0005", "1", "12.5", "1e+20").
std::string FormatMetricValue(double value);

// Escapes a label value: backslash, double quote and line feed become \\, \" and \n.
std::string EscapeLabelValue(absl::string_view value);
// Escapes HELP text: backslash and line feed become \\ and \n.
std::string EscapeHelp(absl::string_view help);

}  // namespace pasarela::admin

#endif  // PASARELA_GATEWAY_ADMIN_METRICS_H_
