// What each exchange pays for its access-log line (formatting only, no write) and for the
// timestamp every log line starts with, beside absl::FormatTime, which both used before.
#include <benchmark/benchmark.h>

#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/admin/access_log.h"
#include "gateway/common/rfc3339.h"

namespace pasarela::admin {
namespace {

const std::string kWithheld[] = {"address"};
const DataCategory kCategories[] = {DataCategory::kPersonalIdentifier, DataCategory::kPersonal};

ExchangeFacts TypicalFacts() {
  ExchangeFacts facts;
  facts.exchange_id = "0f6c7a2e-1b7d-4c55-9d1e-3f1f2b0a9e01";
  facts.gateway = "CL";
  facts.direction = ExchangeDirection::kProviderSide;
  facts.consumer = "AR/GOV/migraciones";
  facts.provider = "CL/GOV/registro-civil";
  facts.method = "pasarela.identity.v1.IdentityService/GetPerson";
  facts.agreement = "ar-cl-identity-2026";
  facts.purpose = "border-control";
  facts.allowed = true;
  facts.rule = "allowed";
  facts.code = absl::StatusCode::kOk;
  facts.time_in = absl::FromUnixMillis(1780000000123);
  facts.time_out = facts.time_in + absl::Microseconds(12345);
  facts.bytes_in = 42;
  facts.bytes_out = 1234;
  facts.withheld_fields = kWithheld;
  facts.categories_disclosed = kCategories;
  facts.federation_protocol = 2;
  return facts;
}

void BM_FormatAccessLogLine(benchmark::State& state) {
  ExchangeFacts facts = TypicalFacts();
  for (auto _ : state) {
    std::string line = FormatAccessLogLine(facts);
    benchmark::DoNotOptimize(line);
    facts.time_out += absl::Microseconds(1);
  }
}
BENCHMARK(BM_FormatAccessLogLine);

void BM_TimestampRfc3339Millis(benchmark::State& state) {
  absl::Time time = absl::Now();
  for (auto _ : state) {
    std::string text = FormatRfc3339Millis(time);
    benchmark::DoNotOptimize(text);
    time += absl::Microseconds(7);
  }
}
BENCHMARK(BM_TimestampRfc3339Millis);

void BM_TimestampAbslFormatTime(benchmark::State& state) {
  absl::Time time = absl::Now();
  for (auto _ : state) {
    std::string text = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
    benchmark::DoNotOptimize(text);
    time += absl::Microseconds(7);
  }
}
BENCHMARK(BM_TimestampAbslFormatTime);

}  // namespace
}  // namespace pasarela::admin

BENCHMARK_MAIN();
