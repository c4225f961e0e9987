// Throughput of AuditLog::Append with group commit, in a temporary directory (or in
// $AUDIT_BENCH_DIR, to measure a particular disk). Reports records per second and fdatasyncs per
// record.

#include <atomic>
#include <cstdlib>
#include <memory>

#include "benchmark/benchmark.h"
#include "gateway/audit/audit_log.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

struct Fixture {
  std::unique_ptr<testing::TempDir> dir;
  std::unique_ptr<testing::TestPki> pki;
  testing::KeyAndCert key;
  std::unique_ptr<AuditLog> log;
};
Fixture* fixture = nullptr;

void SetUp(absl::Duration max_batch_delay) {
  fixture = new Fixture;
  fixture->dir = std::make_unique<testing::TempDir>();
  fixture->pki = std::make_unique<testing::TestPki>(fixture->dir->path());
  fixture->pki->MakeCa("CA");
  fixture->key = fixture->pki->MakeLeaf("CA", "gateway");
  const char* base = std::getenv("AUDIT_BENCH_DIR");
  AuditLogOptions o;
  o.directory = base != nullptr ? std::string(base) + "/trail-" + std::to_string(::getpid())
                                : fixture->dir->Sub("trail");
  o.gateway = "CL";
  o.signing_key_file = fixture->key.key_file;
  o.signing_cert_file = fixture->key.cert_file;
  o.max_batch_delay = max_batch_delay;
  auto log = AuditLog::Open(o);
  if (!log.ok()) std::abort();
  fixture->log = *std::move(log);
}

void TearDown(benchmark::State& state) {
  AuditLogStats stats = fixture->log->stats();
  fixture->log->Close().IgnoreError();
  state.counters["fsyncs_per_record"] =
      stats.records_written == 0 ? 0.0 : static_cast<double>(stats.fsyncs) / stats.records_written;
  state.counters["records_per_batch"] =
      stats.batches_written == 0
          ? 0.0
          : static_cast<double>(stats.records_written) / stats.batches_written;
  delete fixture;
  fixture = nullptr;
}

// Each thread appends one record and waits until it is durable, as a gateway reactor does.
void BM_AppendAndWait(benchmark::State& state) {
  if (state.thread_index() == 0) SetUp(absl::Microseconds(state.range(0)));
  const v1::AuditRecord record = testing::MakeRecord(1);
  for (auto _ : state) {
    if (!fixture->log->AppendAndWait(record).ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) TearDown(state);
}
BENCHMARK(BM_AppendAndWait)
    ->ArgName("delay_us")
    ->Arg(0)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->Threads(256)
    ->UseRealTime();
BENCHMARK(BM_AppendAndWait)->ArgName("delay_us")->Arg(500)->Threads(64)->UseRealTime();

// One thread appends without waiting; the batch of callbacks is awaited at the end.
void BM_AppendAsync(benchmark::State& state) {
  SetUp(absl::ZeroDuration());
  const v1::AuditRecord record = testing::MakeRecord(1);
  std::atomic<int64_t> pending{0};
  for (auto _ : state) {
    ++pending;
    fixture->log->Append(record, [&pending](absl::Status) { --pending; });
  }
  fixture->log->Close().IgnoreError();  // waits for every queued record
  if (pending.load() != 0) state.SkipWithError("callbacks missing");
  state.SetItemsProcessed(state.iterations());
  TearDown(state);
}
BENCHMARK(BM_AppendAsync)->UseRealTime();

}  // namespace
}  // namespace pasarela::audit

BENCHMARK_MAIN();
