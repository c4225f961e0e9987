// Operations through real gateways: the admin listener's /metrics moves with the calls, /livez and
// /readyz answer, and the access log has one JSON line per exchange with no payload values.
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/common/cpu_scheduling.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pasarela/catalog/v1/catalog.grpc.pb.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/support/admin_http.h"
#include "tests/support/free_port.h"
#include "tests/support/identity_calls.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The scheduling policy of each thread of process `pid`, by thread id.
std::map<int, int> ThreadPolicies(pid_t pid) {
  std::map<int, int> policies;
  for (int tid : ThreadIdsOf(pid).value_or(std::vector<int>())) {
    // A thread that ended meanwhile has no policy left.
    absl::StatusOr<int> policy = ThreadSchedulingPolicy(tid);
    if (policy.ok()) policies[tid] = *policy;
  }
  return policies;
}

TEST(OperationsTest, MetricsHealthAndAccessLogFollowTheExchanges) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  std::string admin = AdminAddress(ar);
  ASSERT_THAT(admin, HasSubstr("127.0.0.1:"));
  EXPECT_THAT(HttpGet(admin, "/livez"), HasSubstr("200"));
  EXPECT_THAT(HttpGet(admin, "/readyz"), HasSubstr("200"));

  auto stub = identity::v1::IdentityService::NewStub(MtlsChannel(
      ar.agency_address(), "AR/agencies/migraciones.crt", "AR/agencies/migraciones.key", "AR"));
  std::string exchange_id;
  for (const char* purpose : {"border-control", "border-control", "tax-audit"}) {
    grpc::ClientContext context;
    context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
    context.AddMetadata("x-pasarela-purpose", purpose);
    context.AddMetadata("x-pasarela-agreement", "test-identity");
    identity::v1::GetPersonRequest request;
    request.mutable_identifier()->set_scheme("CL-RUN");
    request.mutable_identifier()->set_value("12531909-2");
    identity::v1::GetPersonResponse response;
    stub->GetPerson(&context, request, &response);
    auto headers = context.GetServerInitialMetadata();
    auto it = headers.find("x-pasarela-exchange-id");
    ASSERT_NE(it, headers.end()) << purpose;
    const std::string this_exchange(it->second.data(), it->second.size());
    if (exchange_id.empty()) exchange_id = this_exchange;
    // The exchange's access-log line is written before its caller gets the answer, refusals too:
    // a program that reads the log after a call finds the call there, without waiting.
    EXPECT_THAT(ar.process->Log(),
                HasSubstr(absl::StrCat("\"exchange_id\":\"", this_exchange, "\"")))
        << purpose;
  }
  std::string metrics = HttpGet(admin, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("# TYPE pasarela_exchanges_total counter"));
  EXPECT_THAT(metrics, HasSubstr("consumer=\"AR/GOV/migraciones\""));
  EXPECT_THAT(metrics, HasSubstr("pasarela_denials_total"));
  EXPECT_THAT(metrics, HasSubstr("purpose-not-allowed"));
  EXPECT_THAT(metrics, HasSubstr("pasarela_stage_duration_seconds_bucket"));
  // Two allowed exchanges answered OK, counted on one series.
  bool found_two = false;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::StartsWith(line, "pasarela_exchanges_total{") &&
        absl::StrContains(line, "code=\"OK\"") && absl::EndsWith(line, " 2")) {
      found_two = true;
    }
  }
  EXPECT_TRUE(found_two) << metrics;

  ASSERT_FALSE(exchange_id.empty());
  ASSERT_TRUE(ar.process->WaitForLog(absl::StrCat("\"exchange_id\":\"", exchange_id, "\""),
                                     absl::Seconds(5)));
  std::string line;
  for (absl::string_view candidate : absl::StrSplit(ar.process->Log(), '\n')) {
    if (absl::StrContains(candidate, exchange_id) && absl::StartsWith(candidate, "{")) {
      line = std::string(candidate);
    }
  }
  EXPECT_THAT(line, HasSubstr("\"consumer\":\"AR/GOV/migraciones\""));
  EXPECT_THAT(line, HasSubstr("\"provider\":\"CL/GOV/registro-civil\""));
  EXPECT_THAT(line, HasSubstr("\"decision\":\"allow\""));
  EXPECT_THAT(line, HasSubstr("\"status\":\"OK\""));
  EXPECT_THAT(line, HasSubstr("\"agreement\":\"test-identity\""));
  // Never a payload value.
  EXPECT_THAT(line, Not(HasSubstr("12531909")));
  EXPECT_THAT(line, Not(HasSubstr("González")));
}

// An agency may name any agreement and any target: those the policy does not know are one label
// value in the metrics ("unknown"), so that a caller cannot mint series, while the access log
// keeps what the caller claimed.
TEST(OperationsTest, AgreementsAndTargetsThePolicyDoesNotKnowAreCountedAsUnknown) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  auto stub = identity::v1::IdentityService::NewStub(MtlsChannel(
      ar.agency_address(), "AR/agencies/migraciones.crt", "AR/agencies/migraciones.key", "AR"));
  auto call = [&](const std::string& target, const std::string& agreement) {
    grpc::ClientContext context;
    context.AddMetadata("x-pasarela-target", target);
    context.AddMetadata("x-pasarela-purpose", "border-control");
    context.AddMetadata("x-pasarela-agreement", agreement);
    identity::v1::GetPersonRequest request;
    request.mutable_identifier()->set_scheme("CL-RUN");
    request.mutable_identifier()->set_value("12531909-2");
    identity::v1::GetPersonResponse response;
    return stub->GetPerson(&context, request, &response);
  };
  for (int i = 0; i < 3; ++i) {
    grpc::Status made_up =
        call(absl::StrCat("CL/GOV/made-up-", i), absl::StrCat("made-up-agreement-", i));
    EXPECT_EQ(made_up.error_code(), grpc::StatusCode::NOT_FOUND) << made_up.error_message();
  }
  // A known agreement, and a target it does not cover.
  grpc::Status wrong_target = call("CL/GOV/made-up-target", "test-identity");
  EXPECT_EQ(wrong_target.error_code(), grpc::StatusCode::NOT_FOUND) << wrong_target.error_message();
  EXPECT_TRUE(call("CL/GOV/registro-civil", "test-identity").ok());

  const std::string metrics = HttpGet(AdminAddress(ar), "/metrics");
  std::vector<std::string> series;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::StartsWith(line, "pasarela_exchanges_total{")) series.emplace_back(line);
  }
  EXPECT_THAT(series, ::testing::UnorderedElementsAre(
                          HasSubstr("provider=\"unknown\",agreement=\"unknown\","
                                    "code=\"NOT_FOUND\"} 3"),
                          HasSubstr("provider=\"unknown\",agreement=\"test-identity\","
                                    "code=\"NOT_FOUND\"} 1"),
                          HasSubstr("provider=\"CL/GOV/registro-civil\",agreement=\"test-"
                                    "identity\",code=\"OK\"} 1")))
      << metrics;
  EXPECT_THAT(metrics, Not(HasSubstr("made-up")));
  // The access log says what each caller named.
  EXPECT_TRUE(ar.process->WaitForLog("\"agreement\":\"made-up-agreement-2\"", absl::Seconds(5)));
  EXPECT_THAT(ar.process->Log(), HasSubstr("\"provider\":\"CL/GOV/made-up-target\""));
}

// Handshakes refused for the certificate at the other end are counted by side, so that an
// operator can alert on them; each is also logged with its reason.
TEST(OperationsTest, RefusedHandshakesAreCountedBySide) {
  Topology topology({"AR", "CL"});
  // Where AR believes CL's gateway is, a server showing the rogue CA's look-alike of CL's
  // gateway certificate.
  ProviderProcess& rogue = topology.StartImpostor("rogue/CL-gateway.crt", "rogue/CL-gateway.key",
                                                  "AR", absl::StrCat("127.0.0.1:", PickFreePort()));
  topology.SetFederationAddress("CL", rogue.address);
  GatewayProcess& ar = topology.StartGateway("AR");
  const std::string admin = AdminAddress(ar);
  std::string metrics = HttpGet(admin, "/metrics");
  for (const char* side : {"agency", "federation", "upstream"}) {
    EXPECT_EQ(SampleValue(metrics,
                          absl::StrCat("pasarela_handshake_refusals_total{side=\"", side, "\"}")),
              0)
        << side << "\n"
        << metrics;
  }

  // A client with a certificate of the rogue CA, on each listener.
  for (const std::string& address : {ar.agency_address(), ar.federation_address()}) {
    CallResult refused =
        GetPerson(MtlsChannel(address, "rogue/AR-agency.crt", "rogue/AR-agency.key", "AR"));
    EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << refused.status.error_message();
  }
  // A call that AR forwards to the impostor.
  CallResult forwarded = GetPerson(AgencyChannel(ar, "AR/agencies/migraciones"));
  EXPECT_EQ(forwarded.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << forwarded.status.error_message();
  EXPECT_EQ(rogue.Calls().size(), 0u);

  metrics = HttpGet(admin, "/metrics");
  // gRPC's clients may try a refused connection again: at least one each.
  EXPECT_GE(SampleValue(metrics, "pasarela_handshake_refusals_total{side=\"agency\"}"), 1)
      << metrics;
  EXPECT_GE(SampleValue(metrics, "pasarela_handshake_refusals_total{side=\"federation\"}"), 1)
      << metrics;
  EXPECT_GE(SampleValue(metrics, "pasarela_handshake_refusals_total{side=\"upstream\"}"), 1)
      << metrics;
  EXPECT_TRUE(ar.process->WaitForLog("refused handshake on agency listener", absl::Seconds(5)));
  EXPECT_TRUE(ar.process->WaitForLog("refused handshake on federation listener", absl::Seconds(5)));
}

// A request larger than limits.max_message_bytes is refused by gRPC itself, before the gateway
// reads it: the caller gets RESOURCE_EXHAUSTED, and the access log and the metrics must say so
// too, not that the call carried no request. A request of exactly the limit crosses.
TEST(OperationsTest, ARequestOverTheSizeLimitIsRecordedAsTheCallerSawIt) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  GatewayProcess& ar = topology.StartGateway("AR", "limits:\n  max_message_bytes: 2048\n");
  topology.StartGateway("CL", "limits:\n  max_message_bytes: 2048\n");
  auto stub = identity::v1::IdentityService::NewStub(MtlsChannel(
      ar.agency_address(), "AR/agencies/migraciones.crt", "AR/agencies/migraciones.key", "AR"));
  auto call = [&](size_t request_bytes) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
    context.AddMetadata("x-pasarela-purpose", "border-control");
    context.AddMetadata("x-pasarela-agreement", "test-identity");
    identity::v1::GetPersonRequest request;
    request.mutable_identifier()->set_value("");
    // The identifier's value, then the whole request, grow to exactly `request_bytes`.
    while (request.ByteSizeLong() < request_bytes) {
      request.mutable_identifier()->mutable_value()->push_back('1');
    }
    EXPECT_EQ(request.ByteSizeLong(), request_bytes);
    identity::v1::GetPersonResponse response;
    return stub->GetPerson(&context, request, &response);
  };
  // At the limit: past both gateways to the registry, which knows nobody by that number.
  grpc::Status at_limit = call(2048);
  EXPECT_EQ(at_limit.error_code(), grpc::StatusCode::NOT_FOUND) << at_limit.error_message();
  grpc::Status over = call(2049);
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << over.error_message();

  ASSERT_TRUE(ar.process->WaitForLog("\"status\":\"RESOURCE_EXHAUSTED\"", absl::Seconds(5)))
      << ar.process->Log();
  std::string line;
  for (absl::string_view candidate : absl::StrSplit(ar.process->Log(), '\n')) {
    if (absl::StartsWith(candidate, "{") &&
        absl::StrContains(candidate, "\"status\":\"RESOURCE_EXHAUSTED\"")) {
      line = std::string(candidate);
    }
  }
  EXPECT_THAT(line, HasSubstr("\"consumer\":\"AR/GOV/migraciones\""));
  EXPECT_THAT(line, HasSubstr("\"decision\":\"deny\""));
  EXPECT_THAT(line, HasSubstr("\"rule\":\"\""));
  EXPECT_THAT(ar.process->Log(), Not(HasSubstr("the call carried no request message")));
  EXPECT_THAT(ar.process->Log(), HasSubstr("larger than limits.max_message_bytes (2048 bytes)"));
  std::string metrics = HttpGet(AdminAddress(ar), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("code=\"RESOURCE_EXHAUSTED\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(metrics, Not(HasSubstr("code=\"INVALID_ARGUMENT\"")));
}

constexpr char kGetPerson[] = "pasarela.identity.v1.IdentityService/GetPerson";

// A binding of GetPerson onto itself, for the simplest answer that grows in a gateway's mapping:
// the request maps as it is, and the answer's place of birth, when it is Valparaíso (the
// registry's 12531909-2), becomes 2,000 characters; any other place (7086428-2 was born in
// Concepción) passes as it is.
constexpr char kSameRequestMapping[] = R"(apiVersion: pasarela/v1
kind: Mapping
id: test-same-request
description: GetPersonRequest onto itself
source: pasarela.identity.v1.GetPersonRequest
target: pasarela.identity.v1.GetPersonRequest
rules:
  - from: identifier
    to: identifier
)";

std::string GrowingResponseMapping() {
  return absl::StrCat(R"(apiVersion: pasarela/v1
kind: Mapping
id: test-growing-response
description: GetPersonResponse onto itself, with a long place of birth
source: pasarela.identity.v1.GetPersonResponse
target: pasarela.identity.v1.GetPersonResponse
rules:
  - from: person
    to: person
    rules:
      - from: identifiers
        to: identifiers
      - from: place_of_birth
        to: place_of_birth
        translate:
          entries: [{source: "Valparaíso", target: ")",
                      std::string(2000, 'V'), R"("}]
          unmapped: pass_through
          reverse_unmapped: pass_through
)");
}

std::string SelfBindingYaml(const std::string& indent) {
  return absl::StrCat(indent, "- national: ", kGetPerson, "\n", indent, "  canonical: ", kGetPerson,
                      "\n", indent, "  request_mapping: test-same-request\n", indent,
                      "  response_mapping: test-growing-response\n");
}

void UseGrowingMappings(Topology& topology, const std::string& country) {
  topology.SetPolicyFile(country, "mappings/test-same-request.yaml", kSameRequestMapping);
  topology.SetPolicyFile(country, "mappings/test-growing-response.yaml", GrowingResponseMapping());
}

// The access-log line of `exchange_id` in `gateway`'s output, or "".
std::string AccessLogLine(const GatewayProcess& gateway, const std::string& exchange_id) {
  for (absl::string_view line : absl::StrSplit(gateway.process->Log(), '\n')) {
    if (absl::StartsWith(line, "{") &&
        absl::StrContains(line, absl::StrCat("\"exchange_id\":\"", exchange_id, "\""))) {
      return std::string(line);
    }
  }
  return "";
}

// The access log, the metrics and the audit trail of `gateway` each say that `exchange_id` ended
// with `code` (`code_number` in the audit record) and that no answer was sent.
void ExpectRecordedWithoutAnswer(const GatewayProcess& gateway, const std::string& exchange_id,
                                 const std::string& code, int code_number) {
  SCOPED_TRACE(gateway.country);
  ASSERT_TRUE(gateway.process->WaitForLog(absl::StrCat("\"exchange_id\":\"", exchange_id, "\""),
                                          absl::Seconds(5)))
      << gateway.process->Log();
  const std::string line = AccessLogLine(gateway, exchange_id);
  EXPECT_THAT(line, HasSubstr(absl::StrCat("\"status\":\"", code, "\"")));
  EXPECT_THAT(line, HasSubstr("\"bytes_out\":0,"));
  EXPECT_THAT(HttpGet(AdminAddress(gateway), "/metrics"),
              HasSubstr(absl::StrCat("code=\"", code, "\"} 1\n")));
  std::string shown;
  EXPECT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "show", gateway.dir + "/audit",
                        "--exchange", exchange_id},
                       &shown),
            0)
      << shown;
  EXPECT_THAT(shown, HasSubstr(absl::StrCat("\"grpc_status_code\":", code_number)));
}

// Asks AR's agency listener about a person whose answer stays small, then about one whose answer
// grows past the limit of `refusing`'s gateway in the mapping `mapped` names ("to M" or "from M"):
// the first crosses; the second is refused RESOURCE_EXHAUSTED naming the sizes, with an exchange
// id, and the records say so.
void ExpectOnlyTheGrownAnswerRefused(Topology& topology, const std::string& refusing,
                                     const std::string& mapped) {
  const std::shared_ptr<grpc::Channel> channel =
      AgencyChannel(topology.gateway("AR"), "AR/agencies/migraciones");
  GetPersonCall small;
  small.run = "7086428-2";
  CallResult crossed = GetPerson(channel, small);
  EXPECT_TRUE(crossed.status.ok()) << crossed.status.error_message();
  CallResult grown = GetPerson(channel);
  EXPECT_EQ(grown.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << grown.status.error_message();
  EXPECT_THAT(grown.status.error_message(),
              HasSubstr(absl::StrCat("once mapped ", mapped,
                                     ", larger than limits.max_message_bytes of gateway ", refusing,
                                     " (1024 bytes)")));
  ASSERT_FALSE(grown.exchange_id.empty()) << topology.gateway("AR").process->Log();
  // The refusing gateway and, when that is the provider's, the consumer gateway that relayed it.
  for (const std::string& country : std::set<std::string>{refusing, "AR"}) {
    ExpectRecordedWithoutAnswer(topology.gateway(country), grown.exchange_id, "RESOURCE_EXHAUSTED",
                                8);
  }
  // An answer refused by the provider gateway that made it never left: it disclosed nothing.
  if (refusing == "CL") {
    EXPECT_THAT(AccessLogLine(topology.gateway("CL"), grown.exchange_id),
                HasSubstr("\"categories_disclosed\":[]"));
  }
}

// An answer that the consumer gateway's mapping makes larger than limits.max_message_bytes cannot
// be sent by gRPC, which would fail the call after the records said OK: the gateway refuses it
// itself, and every record of the exchange says what the caller received.
TEST(OperationsTest, AnAnswerGrownPastTheSizeLimitByTheConsumerGatewayIsRecordedAsRefused) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  UseGrowingMappings(topology, "AR");
  topology.SetPolicyFile("AR", "services.yaml",
                         absl::StrCat("apiVersion: pasarela/v1\nkind: Services\nproviders: []\n"
                                      "bindings:\n",
                                      SelfBindingYaml("  ")));
  topology.StartGateway("AR", "limits:\n  max_message_bytes: 1024\n");
  topology.StartGateway("CL");
  ExpectOnlyTheGrownAnswerRefused(topology, "AR", absl::StrCat("to ", kGetPerson));
}

// The same at the provider gateway, whose mapping of the provider's answer to the canonical one
// grows past its limit: the consumer gateway relays the refusal.
TEST(OperationsTest, AnAnswerGrownPastTheSizeLimitByTheProviderGatewayIsRecordedAsRefused) {
  Topology topology({"AR", "CL"});
  ProviderProcess& registry = topology.StartProvider("CL/GOV/registro-civil");
  UseGrowingMappings(topology, "CL");
  topology.SetPolicyFile(
      "CL", "services.yaml",
      absl::StrCat("apiVersion: pasarela/v1\nkind: Services\nproviders:\n"
                   "  - participant: CL/GOV/registro-civil\n    address: ",
                   registry.address, "\n    ca_file: ", Pki("CL/ca.crt"),
                   "\n    methods: []\n    bindings:\n", SelfBindingYaml("      ")));
  topology.StartGateway("AR");
  topology.StartGateway("CL", "limits:\n  max_message_bytes: 1024\n");
  ExpectOnlyTheGrownAnswerRefused(topology, "CL", absl::StrCat("from ", kGetPerson));
}

// A request the consumer gateway's mapping refuses: the caller reads which mapping and which
// field, once each, and never the value it sent.
TEST(OperationsTest, AMappingRefusalNamesTheMappingOnceAndNotTheValue) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  topology.SetPolicyFile("AR", "mappings/test-strict-request.yaml", R"(apiVersion: pasarela/v1
kind: Mapping
id: test-strict-request
description: GetPersonRequest onto itself, for one known RUN only
source: pasarela.identity.v1.GetPersonRequest
target: pasarela.identity.v1.GetPersonRequest
rules:
  - from: identifier
    to: identifier
    rules:
      - from: issuing_country
        to: issuing_country
      - from: scheme
        to: scheme
      - from: value
        to: value
        translate:
          entries: [{source: "7086428-2", target: "7086428-2"}]
          unmapped: error
)");
  topology.SetPolicyFile("AR", "mappings/test-growing-response.yaml", GrowingResponseMapping());
  topology.SetPolicyFile(
      "AR", "services.yaml",
      absl::StrCat("apiVersion: pasarela/v1\nkind: Services\nproviders: []\nbindings:\n",
                   "  - national: ", kGetPerson, "\n    canonical: ", kGetPerson,
                   "\n    request_mapping: test-strict-request\n",
                   "    response_mapping: test-growing-response\n"));
  topology.StartGateway("AR");
  topology.StartGateway("CL");
  const std::shared_ptr<grpc::Channel> channel =
      AgencyChannel(topology.gateway("AR"), "AR/agencies/migraciones");
  CallResult refused = GetPerson(channel);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string message = refused.status.error_message();
  EXPECT_THAT(message, HasSubstr("mapping 'test-strict-request'"));
  EXPECT_THAT(message, HasSubstr("'identifier.value'"));
  EXPECT_EQ(message.find("test-strict-request"), message.rfind("test-strict-request")) << message;
  EXPECT_THAT(message, Not(HasSubstr("12531909"))) << message;
}

// Through a drain: the listeners are closed, so /readyz says so at once and a load balancer stops
// sending calls; /livez stays up, the call in flight is answered and the gateway exits 0.
TEST(OperationsTest, ReadinessFailsWhileTheGatewayDrains) {
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil", {"--delay-ms", "2500"});
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  const std::string admin = AdminAddress(ar);
  ASSERT_THAT(HttpGet(admin, "/readyz"), HasSubstr("200"));
  auto stub = identity::v1::IdentityService::NewStub(MtlsChannel(
      ar.agency_address(), "AR/agencies/migraciones.crt", "AR/agencies/migraciones.key", "AR"));
  auto in_flight = std::async(std::launch::async, [&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
    context.AddMetadata("x-pasarela-purpose", "border-control");
    context.AddMetadata("x-pasarela-agreement", "test-identity");
    identity::v1::GetPersonRequest request;
    request.mutable_identifier()->set_value("12531909-2");
    identity::v1::GetPersonResponse response;
    return stub->GetPerson(&context, request, &response);
  });
  // Long enough for the call to reach the provider, which answers after 2.5 s.
  absl::SleepFor(absl::Milliseconds(1000));
  ASSERT_EQ(::kill(ar.process->pid(), SIGTERM), 0);
  std::string readyz;
  for (absl::Time deadline = absl::Now() + absl::Seconds(1); absl::Now() < deadline;) {
    readyz = HttpGet(admin, "/readyz");
    if (absl::StrContains(readyz, "503")) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_THAT(readyz, HasSubstr("503"));
  EXPECT_THAT(readyz, HasSubstr("not ready: draining"));
  // The ready file went when the drain began: a supervisor polling it sees the gateway stopping.
  EXPECT_TRUE(ar.process->running());
  EXPECT_NE(::access((ar.dir + "/ready.json").c_str(), F_OK), 0);
  EXPECT_THAT(HttpGet(admin, "/livez"), HasSubstr("200"));
  grpc::Status answered = in_flight.get();
  EXPECT_TRUE(answered.ok()) << answered.error_message();
  EXPECT_EQ(ar.process->Stop(SIGTERM, absl::Seconds(10)), 0);
}

// A supervisor that polls the ready file must not take a stopped gateway for a ready one: the file
// goes when the gateway stops, on SIGINT as on SIGTERM.
TEST(OperationsTest, TheReadyFileGoesWhenTheGatewayStops) {
  for (int signal_number : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(::strsignal(signal_number));
    Topology topology({"AR", "CL"});
    GatewayProcess& ar = topology.StartGateway("AR");
    const std::string ready = ar.dir + "/ready.json";
    ASSERT_THAT(ReadFileOrEmpty(ready), HasSubstr("\"admin_address\""));
    EXPECT_EQ(ar.process->Stop(signal_number, absl::Seconds(10)), 0);
    EXPECT_NE(::access(ready.c_str(), F_OK), 0) << ReadFileOrEmpty(ready);
    EXPECT_THAT(ar.process->Log(), HasSubstr("gateway stopped"));
  }
}

// A client watching grpc.health.v1.Health (for its load balancing, say) hears NOT_SERVING as soon
// as the drain begins, and its stream, which never ends by itself, does not hold the drain once
// no exchange is left.
TEST(OperationsTest, HealthWatchersHearNotServingWhenTheDrainBeginsAndDoNotHoldIt) {
  Topology topology({"AR", "CL"});
  GatewayProcess& ar = topology.StartGateway("AR", "defaults:\n  drain_timeout: 10s\n");
  auto health = grpc::health::v1::Health::NewStub(AgencyChannel(ar, "AR/agencies/migraciones"));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("pasarela.identity.v1.IdentityService");
  auto watch = health->Watch(&context, request);
  grpc::health::v1::HealthCheckResponse answer;
  ASSERT_TRUE(watch->Read(&answer));
  ASSERT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_EQ(::kill(ar.process->pid(), SIGTERM), 0);
  const absl::Time signalled = absl::Now();
  ASSERT_TRUE(watch->Read(&answer));
  EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(2));
  EXPECT_FALSE(watch->Read(&answer));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ar.process->Wait(), 0);
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(3));
}

// The ready file is the gateway's own write, like its audit trail: beside gateway.yaml, in a
// watched directory, writing it (and removing it) starts no policy reload.
TEST(OperationsTest, WritingTheReadyFileStartsNoReload) {
  Topology topology({"AR", "CL"});
  GatewayProcess& ar = topology.StartGateway("AR");
  // Longer than the watcher's settle time, after the ready file appeared.
  EXPECT_FALSE(ar.process->WaitForLog("policy reload", absl::Seconds(1))) << ar.process->Log();
  // The watcher still works: an edit of the policy reloads it.
  WriteFile(ar.dir + "/policy/agreements/test-identity.yaml",
            absl::StrReplaceAll(Topology::DefaultAgreementYaml({"AR", "CL"}),
                                {{"retention: P1D", "retention: P2D"}}));
  EXPECT_TRUE(ar.process->WaitForLog("policy reloaded: ", absl::Seconds(5))) << ar.process->Log();
}

TEST(OperationsTest, PrometheusScrapesTheExchangeCounter) {
  if (::access("/usr/bin/prometheus", X_OK) != 0) {
    GTEST_SKIP() << "Debian's prometheus is not installed (scripts/setup installs it)";
  }
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  std::string dir = MakeTempDir("prometheus");
  WriteFile(dir + "/prometheus.yml",
            absl::StrCat("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: pasarela\n"
                         "    static_configs:\n      - targets: [\"",
                         AdminAddress(ar), "\"]\n"));
  int port = PickFreePort();
  std::string web = absl::StrCat("127.0.0.1:", port);
  ChildProcess prometheus({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                           "--storage.tsdb.path=" + dir + "/data", "--web.listen-address=" + web},
                          dir + "/prometheus.log");
  auto stub = identity::v1::IdentityService::NewStub(MtlsChannel(
      ar.agency_address(), "AR/agencies/migraciones.crt", "AR/agencies/migraciones.key", "AR"));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
    context.AddMetadata("x-pasarela-purpose", "border-control");
    context.AddMetadata("x-pasarela-agreement", "test-identity");
    identity::v1::GetPersonRequest request;
    request.mutable_identifier()->set_value("12531909-2");
    identity::v1::GetPersonResponse response;
    ASSERT_TRUE(stub->GetPerson(&context, request, &response).ok());
  }
  // The counter the calls moved, read back through Prometheus's own HTTP API.
  std::string answer;
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    answer = HttpGet(web, "/api/v1/query?query=sum(pasarela_exchanges_total%7Bcode%3D%22OK%22%7D)");
    if (absl::StrContains(answer, "\"3\"]")) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  EXPECT_THAT(answer, HasSubstr("\"status\":\"success\""));
  EXPECT_THAT(answer, HasSubstr("\"3\"]")) << prometheus.Log();
}

TEST(OperationsTest, CatalogAnswersDifferPerCaller) {
  Topology topology({"AR", "CL"});
  std::string only_migraciones = absl::StrReplaceAll(
      Topology::DefaultAgreementYaml({"AR", "CL"}),
      {{"id: test-identity", "id: migraciones-only"},
       {"AR/GOV/migraciones, AR/GOV/afip, AR/GOV/spare-agency", "AR/GOV/migraciones"}});
  topology.SetAgreement("migraciones-only", only_migraciones);
  GatewayProcess& ar = topology.StartGateway("AR");
  auto offerings = [&](const std::string& agency) {
    auto stub = catalog::v1::CatalogService::NewStub(
        MtlsChannel(ar.agency_address(), "AR/agencies/" + agency + ".crt",
                    "AR/agencies/" + agency + ".key", "AR"));
    grpc::ClientContext context;
    catalog::v1::ListOfferingsResponse response;
    grpc::Status status =
        stub->ListOfferings(&context, catalog::v1::ListOfferingsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> agreements;
    for (const auto& offering : response.offerings()) {
      agreements.push_back(offering.agreement() + " " + offering.method());
    }
    EXPECT_EQ(response.participant(), "AR/GOV/" + agency);
    return agreements;
  };
  std::vector<std::string> migraciones = offerings("migraciones");
  std::vector<std::string> afip = offerings("afip");
  EXPECT_THAT(migraciones, ::testing::Contains(
                               "migraciones-only pasarela.identity.v1.IdentityService/GetPerson"));
  EXPECT_THAT(migraciones,
              ::testing::Contains("test-identity pasarela.identity.v1.IdentityService/GetPerson"));
  EXPECT_THAT(afip,
              ::testing::Contains("test-identity pasarela.identity.v1.IdentityService/GetPerson"));
  EXPECT_THAT(afip, ::testing::Not(::testing::Contains(
                        "migraciones-only pasarela.identity.v1.IdentityService/GetPerson")));
}

// By default every thread of a gateway, those gRPC starts for its listeners and calls among
// them, runs under SCHED_BATCH; `cpu_scheduling: inherited` leaves the policy it was started with.
TEST(OperationsTest, TheGatewaysThreadsRunUnderTheSchedulingItsFileNames) {
  // The processes this thread starts inherit its policy: the usual one, whatever the test runner
  // was started with.
  const sched_param priority{};
  ASSERT_EQ(::sched_setscheduler(0, SCHED_OTHER, &priority), 0);
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  GatewayProcess& ar = topology.StartGateway("AR");
  GatewayProcess& cl = topology.StartGateway("CL", "cpu_scheduling: inherited\n");
  // The threads that carry exchanges exist once an exchange has crossed.
  CallResult call = GetPerson(AgencyChannel(ar, "AR/agencies/migraciones"));
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();

  const std::map<int, int> batch = ThreadPolicies(ar.process->pid());
  ASSERT_GT(batch.size(), 3u);
  for (const auto& [tid, policy] : batch) EXPECT_EQ(policy, SCHED_BATCH) << "thread " << tid;
  EXPECT_THAT(ar.process->Log(),
              HasSubstr("cpu_scheduling: batch: the gateway's threads run under SCHED_BATCH"));

  const std::map<int, int> inherited = ThreadPolicies(cl.process->pid());
  ASSERT_GT(inherited.size(), 3u);
  for (const auto& [tid, policy] : inherited) EXPECT_EQ(policy, SCHED_OTHER) << "thread " << tid;
  EXPECT_THAT(cl.process->Log(), Not(HasSubstr("SCHED_BATCH")));
}

TEST(OperationsTest, TheGatewayLogsTheAllocatorThatServesIt) {
  Topology topology({"AR", "CL"});
  GatewayProcess& ar = topology.StartGateway("AR");
#ifdef PASARELA_TCMALLOC
  EXPECT_THAT(ar.process->Log(), HasSubstr("allocator: tcmalloc (gperftools 2."));
  EXPECT_THAT(ar.process->Log(), HasSubstr(", thread caches up to 8 MiB\n"));
#else
  EXPECT_THAT(ar.process->Log(),
              HasSubstr("allocator: the system's malloc (built without tcmalloc)"));
#endif
}

// The allocator's account is on /metrics from the start, so that an administrator can tell a
// gateway that leaks (allocated grows) from one whose allocator keeps what it freed (held grows).
TEST(OperationsTest, MetricsGiveTheAllocatorsAccountOfTheGatewaysMemory) {
  Topology topology({"AR", "CL"});
  GatewayProcess& ar = topology.StartGateway("AR");
  const std::string metrics = HttpGet(AdminAddress(ar), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("# TYPE pasarela_allocator_allocated_bytes gauge\n"));
  EXPECT_THAT(metrics, HasSubstr("# TYPE pasarela_allocator_held_bytes gauge\n"));
  const double allocated = SampleValue(metrics, "pasarela_allocator_allocated_bytes");
  const double held = SampleValue(metrics, "pasarela_allocator_held_bytes");
  // A gateway holds its policy, descriptor pool and gRPC's listeners: megabytes.
  EXPECT_GT(allocated, 1 << 20) << metrics;
  EXPECT_GE(held, allocated) << metrics;
}

}  // namespace
}  // namespace pasarela::testing
