// Throughput of AuditLog::Append with group commit, in a temporary directory (or in
// $AUDIT_BENCH_DIR, to measure a particular disk). Reports records per second and fdatasyncs per
// record. Also the receipt batch signatures and the entries' checksum.

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/receipt_batch.h"
#include "gateway/audit/segment_format.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

struct Fixture {
  std::unique_ptr<testing::TempDir> dir;
  std::unique_ptr<testing::TestPki> pki;
  testing::KeyAndCert key;
  std::unique_ptr<AuditLog> log;
};
// Shared by the threads of one benchmark run: thread 0 makes it before the others start and
// destroys it after they stop.
std::unique_ptr<Fixture> fixture;

void SetUp(absl::Duration max_batch_delay) {
  fixture = std::make_unique<Fixture>();
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
  fixture.reset();
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

// A signer and its certificate, for the receipt benchmarks.
struct ReceiptKeys {
  testing::TempDir dir;
  std::unique_ptr<CheckpointSigner> signer;
  std::string certificate_pem;
};

std::unique_ptr<const ReceiptKeys> MakeReceiptKeys() {
  auto keys = std::make_unique<ReceiptKeys>();
  testing::TestPki pki(keys->dir.path());
  pki.MakeCa("CA");
  testing::KeyAndCert gateway = pki.MakeLeaf("CA", "gateway CL");
  auto signer = CheckpointSigner::Load(gateway.key_file, gateway.cert_file);
  if (!signer.ok()) std::abort();
  keys->signer = *std::move(signer);
  keys->certificate_pem = testing::ReadFileOrDie(gateway.cert_file);
  return keys;
}

const ReceiptKeys& Keys() {
  static const std::unique_ptr<const ReceiptKeys> keys = MakeReceiptKeys();
  return *keys;
}

std::vector<v1::Receipt> BatchOfReceipts(int64_t n) {
  std::vector<v1::Receipt> receipts(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    v1::Receipt& receipt = receipts[static_cast<size_t>(i)];
    receipt.set_exchange_id("6f1c1a52-3c59-4d1e-9f0a-" + std::to_string(100000000000 + i));
    receipt.set_gateway("CL");
    receipt.set_request_digest(std::string(32, 'q'));
    receipt.set_response_digest(std::string(32, static_cast<char>(i)));
    receipt.set_agreement_digest(std::string(32, 'a'));
    receipt.mutable_time()->set_seconds(1795000000);
  }
  return receipts;
}

// The provider gateway's side: the receipts of one audit batch signed with one signature over
// their Merkle root. Items are receipts, so items/s compares batch sizes.
void BM_SignReceiptBatch(benchmark::State& state) {
  const ReceiptKeys& keys = Keys();
  std::vector<v1::Receipt> receipts = BatchOfReceipts(state.range(0));
  std::vector<v1::Receipt*> pointers;
  for (v1::Receipt& receipt : receipts) pointers.push_back(&receipt);
  for (auto _ : state) {
    if (!SignReceiptBatch(*keys.signer, pointers).ok()) state.SkipWithError("signing failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SignReceiptBatch)->ArgName("batch")->Arg(1)->Arg(8)->Arg(64);

// The consumer gateway's side: every receipt of a batch checked as it arrives, the first with
// the signature check, the others against the remembered signature.
void BM_VerifyReceiptBatch(benchmark::State& state) {
  const ReceiptKeys& keys = Keys();
  std::vector<std::vector<std::string>> batches;
  for (int b = 0; b < 64; ++b) {
    std::vector<v1::Receipt> receipts = BatchOfReceipts(state.range(0));
    std::vector<v1::Receipt*> pointers;
    for (v1::Receipt& receipt : receipts) pointers.push_back(&receipt);
    if (!SignReceiptBatch(*keys.signer, pointers).ok()) std::abort();
    batches.emplace_back();
    for (const v1::Receipt& receipt : receipts)
      batches.back().push_back(receipt.SerializeAsString());
  }
  size_t next = 0;
  for (auto _ : state) {
    // A fresh key each round, as if these batches were new: nothing remembered yet.
    state.PauseTiming();
    auto key = SignerKey::FromPem(keys.certificate_pem);
    if (!key.ok()) std::abort();
    state.ResumeTiming();
    for (const std::string& serialized : batches[next++ % batches.size()]) {
      v1::Receipt receipt;
      receipt.ParseFromString(serialized);
      if (!VerifyReceipt(serialized, **key, receipt.exchange_id(), receipt.request_digest(),
                         receipt.response_digest())
               .ok()) {
        state.SkipWithError("a receipt did not verify");
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifyReceiptBatch)->ArgName("batch")->Arg(1)->Arg(8)->Arg(64);

// The checksum of each trail entry: the processor's instruction against the portable tables.
void BM_Crc32c(benchmark::State& state, uint32_t (*crc)(absl::string_view, uint32_t)) {
  const std::string entry(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crc(entry, 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK_CAPTURE(BM_Crc32c, instruction, &Crc32c)->ArgName("bytes")->Arg(1024);
BENCHMARK_CAPTURE(BM_Crc32c, tables, &internal::Crc32cTables)->ArgName("bytes")->Arg(1024);

}  // namespace
}  // namespace pasarela::audit

BENCHMARK_MAIN();
