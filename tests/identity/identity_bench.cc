// Identity extraction per call: from the caller's leaf certificate (PEM, as gRPC's AuthContext
// gives it) to a verified participant id. TrustStore::Verify caches its verdict by certificate,
// so a call on a known certificate pays the cached path; the first call of each certificate pays
// parsing and chain verification. Run build/bin/identity_bench; figures in docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gateway/identity/certificate.h"
#include "gateway/identity/participant_id.h"
#include "gateway/identity/trust_store.h"
#include "tests/support/child_process.h"
#include "tests/support/topology.h"

namespace pasarela {
namespace {

using ::pasarela::testing::Pki;
using ::pasarela::testing::ReadFileOrEmpty;

std::unique_ptr<TrustStore> ArgentineStore() {
  absl::StatusOr<std::unique_ptr<TrustStore>> store =
      TrustStore::Create({{"AR", Pki("AR/ca.crt"), Pki("AR/ca.crl")}});
  if (!store.ok()) std::abort();
  return *std::move(store);
}

// What every call on an established connection pays.
void BM_VerifyKnownCertificate(benchmark::State& state) {
  std::unique_ptr<TrustStore> store = ArgentineStore();
  std::string pem = ReadFileOrEmpty(Pki("AR/agencies/migraciones.crt"));
  absl::Time now = absl::Now();
  if (!store->Verify(pem, now).ok()) state.SkipWithError("the certificate does not verify");
  for (auto _ : state) {
    absl::StatusOr<VerifiedPeer> peer = store->Verify(pem, now);
    benchmark::DoNotOptimize(peer);
  }
}
BENCHMARK(BM_VerifyKnownCertificate)->Threads(1)->Threads(2);

// The first call of a certificate: PEM parsing, signature and chain check, CRL lookup, SAN.
void BM_VerifyNewCertificate(benchmark::State& state) {
  std::string pem = ReadFileOrEmpty(Pki("AR/agencies/migraciones.crt"));
  absl::Time now = absl::Now();
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<TrustStore> store = ArgentineStore();
    state.ResumeTiming();
    absl::StatusOr<VerifiedPeer> peer = store->Verify(pem, now);
    if (!peer.ok()) state.SkipWithError("the certificate does not verify");
    benchmark::DoNotOptimize(peer);
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_VerifyNewCertificate);

void BM_ParsePemCertificate(benchmark::State& state) {
  std::string pem = ReadFileOrEmpty(Pki("AR/agencies/migraciones.crt"));
  for (auto _ : state) {
    absl::StatusOr<Certificate> certificate = Certificate::FromPem(pem);
    benchmark::DoNotOptimize(certificate);
  }
}
BENCHMARK(BM_ParsePemCertificate);

void BM_ParticipantFromUri(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<ParticipantId> id = ParticipantId::FromUri("urn:pasarela:AR:GOV:migraciones");
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_ParticipantFromUri);

}  // namespace
}  // namespace pasarela

BENCHMARK_MAIN();
