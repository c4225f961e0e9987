// The agreement decision per call, as the gateways take it: Decide alone (a pure function of the
// book), a refusal, and Authorize, which also takes a token of the agreement's quota. Run
// build/bin/agreement_bench; the figures are in gateway/agreement/README.md and
// docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <atomic>

#include "gateway/agreement/decision.h"
#include "tests/agreement/agreement_test_util.h"

namespace pasarela {
namespace {

constexpr char kGetPerson[] = "pasarela.identity.v1.IdentityService/GetPerson";

const AgreementBook& Book() {
  static const AgreementBook* book = new AgreementBook(testing::LoadTestBook("valid"));
  return *book;
}

CallFacts AllowedCall() {
  return CallFacts{"AR/GOV/migraciones",
                   "CL/GOV/registro-civil",
                   kGetPerson,
                   "border-control",
                   "ar-cl-identity-2026",
                   "",
                   testing::T("2026-06-01T12:00:00Z")};
}

void BM_DecideAllowed(benchmark::State& state) {
  const AgreementBook& book = Book();
  CallFacts facts = AllowedCall();
  for (auto _ : state) {
    AgreementDecision decision = Decide(book, facts);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_DecideAllowed);

// A refusal builds a message a person reads: it costs more than an allowed call.
void BM_DecideRefusedPurpose(benchmark::State& state) {
  const AgreementBook& book = Book();
  CallFacts facts = AllowedCall();
  facts.purpose = "tax-audit";
  for (auto _ : state) {
    AgreementDecision decision = Decide(book, facts);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_DecideRefusedPurpose);

// Decide plus one token of the (agreement, consumer) quota. The clock moves a second per call so
// that the bucket always has a token (every call is allowed, as in a gateway under its quota).
void BM_AuthorizeWithQuota(benchmark::State& state) {
  const AgreementBook& book = Book();
  static QuotaLimiter* quota = new QuotaLimiter();
  // One clock for every thread and every run of the benchmark, so that it never goes back.
  static std::atomic<int64_t> seconds{0};
  CallFacts facts = AllowedCall();
  const absl::Time start = facts.now;
  for (auto _ : state) {
    facts.now = start + absl::Seconds(seconds.fetch_add(1, std::memory_order_relaxed));
    AgreementDecision decision = Authorize(book, facts, *quota);
    if (!decision.allowed) state.SkipWithError("the quota refused a call");
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_AuthorizeWithQuota)->Threads(1)->Threads(2);

}  // namespace
}  // namespace pasarela

BENCHMARK_MAIN();
