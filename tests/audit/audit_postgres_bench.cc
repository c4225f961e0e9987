// Throughput of PostgresAuditSink with group commit against a PostgreSQL 15 server the benchmark
// starts (as PostgresServer does for the tests: fsync on, Unix socket), with one sink or two sinks
// (replicas) appending into one chain. Reports records per second and records per transaction.

#include <cstdlib>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "gateway/audit/postgres_sink.h"
#include "tests/audit/audit_test_util.h"
#include "tests/audit/postgres_server.h"

namespace pasarela::audit {
namespace {

struct Fixture {
  std::unique_ptr<testing::TempDir> dir;
  std::unique_ptr<testing::TestPki> pki;
  testing::KeyAndCert key;
  std::unique_ptr<testing::PostgresServer> server;
  std::vector<std::unique_ptr<PostgresAuditSink>> sinks;
};
Fixture* fixture = nullptr;

void SetUp(int replicas) {
  fixture = new Fixture;
  fixture->dir = std::make_unique<testing::TempDir>();
  fixture->pki = std::make_unique<testing::TestPki>(fixture->dir->path());
  fixture->pki->MakeCa("CA");
  fixture->key = fixture->pki->MakeLeaf("CA", "gateway");
  auto server = testing::PostgresServer::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    std::abort();
  }
  fixture->server = *std::move(server);
  for (int i = 0; i < replicas; ++i) {
    PostgresSinkOptions o;
    o.conninfo = fixture->server->conninfo();
    o.gateway = "CL";
    o.replica = "replica-" + std::to_string(i);
    o.signing_key_file = fixture->key.key_file;
    o.signing_cert_file = fixture->key.cert_file;
    auto sink = PostgresAuditSink::Open(o);
    if (!sink.ok()) std::abort();
    fixture->sinks.push_back(*std::move(sink));
  }
}

void TearDown(benchmark::State& state) {
  uint64_t records = 0, batches = 0;
  for (auto& sink : fixture->sinks) {
    sink->Close().IgnoreError();
    records += sink->stats().records_written;
    batches += sink->stats().batches_written;
  }
  state.counters["records_per_batch"] =
      batches == 0 ? 0.0 : static_cast<double>(records) / static_cast<double>(batches);
  delete fixture;
  fixture = nullptr;
}

// Each thread appends one record and waits until it is committed, as a gateway reactor does;
// threads are spread over the replicas.
void BM_PostgresAppendAndWait(benchmark::State& state) {
  if (state.thread_index() == 0) SetUp(static_cast<int>(state.range(0)));
  const v1::AuditRecord record = testing::MakeRecord(1);
  for (auto _ : state) {
    PostgresAuditSink* sink =
        fixture->sinks[static_cast<size_t>(state.thread_index()) % fixture->sinks.size()].get();
    if (!sink->AppendAndWait(record).ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) TearDown(state);
}
BENCHMARK(BM_PostgresAppendAndWait)
    ->ArgName("replicas")
    ->Arg(1)
    ->Arg(2)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->UseRealTime();

}  // namespace
}  // namespace pasarela::audit

BENCHMARK_MAIN();
