// End-to-end: real gateway processes of AR, BR and CL, a real provider, real certificates, real
// gRPC clients. Each refusal test also makes a successful call on the same listener and checks the
// logged reason, so that a broken listener cannot pass for a refusing one.
#include <signal.h>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <grpcpp/generic/generic_stub.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/support/free_port.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::pasarela::identity::v1::GetPersonRequest;
using ::pasarela::identity::v1::GetPersonResponse;
using ::pasarela::identity::v1::IdentityService;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kMigracionesCert[] = "AR/agencies/migraciones.crt";
constexpr char kMigracionesKey[] = "AR/agencies/migraciones.key";
constexpr char kRegistry[] = "CL/GOV/registro-civil";

struct CallResult {
  grpc::Status status;
  GetPersonResponse response;
  std::string exchange_id;
  absl::Duration elapsed;
};

CallResult GetPerson(const std::shared_ptr<grpc::Channel>& channel, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& extra_metadata = {},
                     absl::Duration deadline = absl::Seconds(10)) {
  auto stub = IdentityService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  context.AddMetadata("x-pasarela-target", target);
  std::map<std::string, std::string> metadata = {{"x-pasarela-purpose", "border-control"},
                                                 {"x-pasarela-agreement", "test-identity"}};
  for (const auto& [key, value] : extra_metadata) metadata[key] = value;
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  GetPersonRequest request;
  request.mutable_identifier()->set_issuing_country("CL");
  request.mutable_identifier()->set_scheme("CL-RUN");
  request.mutable_identifier()->set_value("12531909-2");
  CallResult result;
  absl::Time start = absl::Now();
  result.status = stub->GetPerson(&context, request, &result.response);
  result.elapsed = absl::Now() - start;
  auto headers = context.GetServerInitialMetadata();
  auto it = headers.find("x-pasarela-exchange-id");
  if (it != headers.end()) result.exchange_id.assign(it->second.data(), it->second.size());
  return result;
}

std::shared_ptr<grpc::Channel> Migraciones(const GatewayProcess& gateway) {
  return MtlsChannel(gateway.agency_address(), kMigracionesCert, kMigracionesKey, "AR");
}

// AR and CL gateways, CL's registry behind CL's gateway: shared by the tests that do not change
// the topology.
class ExchangeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    topology_ = std::make_unique<Topology>(std::vector<std::string>{"AR", "BR", "CL"});
    registry_ = &topology_->StartProvider(kRegistry);
    topology_->StartGateway("AR", "defaults:\n  crl_refresh_interval: 100ms\n");
    topology_->StartGateway("CL", "defaults:\n  crl_refresh_interval: 100ms\n");
  }
  static void TearDownTestSuite() { topology_.reset(); }
  static GatewayProcess& ar() { return topology_->gateway("AR"); }
  static GatewayProcess& cl() { return topology_->gateway("CL"); }

  // Asserts that a good agency still gets through the AR agency listener.
  static void ExpectListenerStillServes() {
    CallResult ok = GetPerson(Migraciones(ar()), kRegistry);
    EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
  }

  static std::unique_ptr<Topology> topology_;
  static ProviderProcess* registry_;
};

std::unique_ptr<Topology> ExchangeTest::topology_;
ProviderProcess* ExchangeTest::registry_ = nullptr;

TEST_F(ExchangeTest, CrossBorderCallIsIdentifiedOnBothSidesFromCertificates) {
  size_t calls_before = registry_->Calls().size();
  CallResult result = GetPerson(Migraciones(ar()), kRegistry);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.response.person().family_names(0), "González");
  EXPECT_EQ(result.response.person().birth_date(), "1985-03-12");
  ASSERT_EQ(result.exchange_id.size(), 36u);

  std::vector<std::string> calls = registry_->Calls();
  ASSERT_EQ(calls.size(), calls_before + 1);
  const std::string& seen = calls.back();
  EXPECT_THAT(seen, HasSubstr("\"caller\":\"urn:pasarela:gateway:CL\""));
  EXPECT_THAT(seen, HasSubstr("\"consumer\":\"AR/GOV/migraciones\""));
  EXPECT_THAT(seen, HasSubstr("\"purpose\":\"border-control\""));
  EXPECT_THAT(seen, HasSubstr(absl::StrCat("\"exchange_id\":\"", result.exchange_id, "\"")));
  std::string line = absl::StrCat("exchange ", result.exchange_id,
                                  " pasarela.identity.v1.IdentityService/GetPerson "
                                  "AR/GOV/migraciones -> CL/GOV/registro-civil");
  EXPECT_TRUE(
      ar().process->WaitForLog(line + " via agency under test-identity: OK", absl::Seconds(5)));
  EXPECT_TRUE(
      cl().process->WaitForLog(line + " via federation under test-identity: OK", absl::Seconds(5)));
}

TEST_F(ExchangeTest, SpoofedConsumerAndExchangeIdAreReplacedByTheGateway) {
  CallResult result =
      GetPerson(Migraciones(ar()), kRegistry,
                {{"x-pasarela-consumer", "AR/GOV/afip"},
                 {"x-pasarela-exchange-id", "00000000-0000-4000-8000-000000000000"}});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  const std::string seen = registry_->Calls().back();
  EXPECT_THAT(seen, HasSubstr("\"consumer\":\"AR/GOV/migraciones\""));
  EXPECT_THAT(seen, Not(HasSubstr("afip")));
  EXPECT_THAT(seen, Not(HasSubstr("00000000-0000-4000-8000-000000000000")));
  EXPECT_THAT(seen, HasSubstr(result.exchange_id));
}

TEST_F(ExchangeTest, CallWithoutClientCertificateIsRefused) {
  CallResult result = GetPerson(MtlsChannel(ar().agency_address(), "", "", "AR"), kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ar().process->WaitForLog("refused handshake: no client certificate presented",
                                       absl::Seconds(5)));
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, ExpiredCertificateIsRefused) {
  CallResult result = GetPerson(
      MtlsChannel(ar().agency_address(), "AR/test/expired.crt", "AR/test/expired.key", "AR"),
      kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(
      ar().process->WaitForLog("refused handshake on agency listener: certificate of agency "
                               "AR/GOV/expired-agency expired at "
                               "2021-01-01T00:00:00Z",
                               absl::Seconds(5)));
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, RevokedCertificateIsRefused) {
  CallResult result = GetPerson(
      MtlsChannel(ar().agency_address(), "AR/test/revoked.crt", "AR/test/revoked.key", "AR"),
      kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ar().process->WaitForLog(
      "refused handshake on agency listener: certificate revoked (serial", absl::Seconds(5)));
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, CertificateRevokedAfterTheHandshakeIsRefusedOnTheOpenConnection) {
  auto channel = MtlsChannel(ar().agency_address(), "AR/test/spare.crt", "AR/test/spare.key", "AR");
  CallResult before = GetPerson(channel, kRegistry);
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();
  std::string output;
  ASSERT_EQ(RunCommand({"/bin/bash", SourceDir() + "/certs/make-pki.sh", "-q", "revoke", PkiDir(),
                        Pki("AR/test/spare.crt")},
                       &output),
            0)
      << output;
  ASSERT_TRUE(ar().process->WaitForLog("loaded CRL of AR: 2 revoked", absl::Seconds(5)));
  // Same channel, same HTTP/2 connection: only the per-call check can stop it.
  CallResult after = GetPerson(channel, kRegistry);
  EXPECT_EQ(after.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(after.status.error_message(), HasSubstr("certificate revoked"));
  EXPECT_TRUE(
      ar().process->WaitForLog("refused call pasarela.identity.v1.IdentityService/GetPerson "
                               "on agency listener",
                               absl::Seconds(5)));
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, CertificateFromUnknownCaIsRefused) {
  CallResult result = GetPerson(
      MtlsChannel(ar().agency_address(), "rogue/AR-agency.crt", "rogue/AR-agency.key", "AR"),
      kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(
      ar().process->WaitForLog("refused handshake on agency listener: certificate issued by an "
                               "unknown CA (C = ZZ, O = Rogue",
                               absl::Seconds(5)));
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, AnotherCountrysAgencyIsRefusedOnTheAgencyListener) {
  // An agency of CL with its genuine CL certificate, at AR's agency listener.
  CallResult result = GetPerson(MtlsChannel(ar().agency_address(), "CL/agencies/registro-civil.crt",
                                            "CL/agencies/registro-civil.key", "AR"),
                                kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The agency listener trusts only AR's CA, yet the log says who called and where it belongs,
  // not "unknown CA".
  EXPECT_TRUE(ar().process->WaitForLog(
      "refused handshake on agency listener: agency CL/GOV/registro-civil is not an agency of AR: "
      "it must call its own country's gateway",
      absl::Seconds(5)));
  // AR's CA vouching for a CL participant is refused too.
  CallResult vouched = GetPerson(MtlsChannel(ar().agency_address(), "AR/test/foreign-agency.crt",
                                             "AR/test/foreign-agency.key", "AR"),
                                 kRegistry);
  EXPECT_EQ(vouched.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ar().process->WaitForLog("a CA vouches only for its own country", absl::Seconds(5)));
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, GatewayMayAssertOnlyConsumersOfItsOwnCountry) {
  // The BR gateway's genuine certificate, calling CL's federation listener directly.
  auto br_gateway =
      MtlsChannel(cl().federation_address(), "BR/gateway.crt", "BR/gateway.key", "CL");
  auto call = [&](const std::string& consumer) {
    return GetPerson(br_gateway, kRegistry,
                     {{"x-pasarela-consumer", consumer},
                      {"x-pasarela-exchange-id", "6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10"},
                      {"x-pasarela-agreement-digest",
                       AgreementDigestOf(cl().dir + "/policy", "test-identity")}});
  };
  CallResult asserted = call("AR/GOV/migraciones");
  EXPECT_EQ(asserted.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(asserted.status.error_message(),
              HasSubstr("gateway BR may not assert consumer AR/GOV/migraciones"));
  EXPECT_TRUE(
      cl().process->WaitForLog("refused call pasarela.identity.v1.IdentityService/GetPerson "
                               "on federation listener",
                               absl::Seconds(5)));
  CallResult own = call("BR/GOV/saude");
  EXPECT_TRUE(own.status.ok()) << own.status.error_message();
  EXPECT_THAT(registry_->Calls().back(), HasSubstr("\"consumer\":\"BR/GOV/saude\""));
}

TEST_F(ExchangeTest, AgencyCertificateIsRefusedOnTheFederationListener) {
  auto agency = MtlsChannel(cl().federation_address(), kMigracionesCert, kMigracionesKey, "CL");
  CallResult result = GetPerson(agency, kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(cl().process->WaitForLog(
      "refused handshake on federation listener: agency AR/GOV/migraciones called the federation "
      "listener",
      absl::Seconds(5)));
  // At its own gateway's federation listener, whose trust leaves out AR's own CA, the same.
  auto own = MtlsChannel(ar().federation_address(), kMigracionesCert, kMigracionesKey, "AR");
  EXPECT_EQ(GetPerson(own, kRegistry).status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ar().process->WaitForLog(
      "refused handshake on federation listener: agency AR/GOV/migraciones called the federation "
      "listener, which serves only peer gateways",
      absl::Seconds(5)));
}

TEST_F(ExchangeTest, UnknownTargetIsNotFound) {
  CallResult country = GetPerson(Migraciones(ar()), "ZZ/GOV/nobody");
  EXPECT_EQ(country.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(country.status.error_message(), HasSubstr("country ZZ is not in the federation"));
  CallResult provider = GetPerson(Migraciones(ar()), "CL/GOV/nobody");
  EXPECT_EQ(provider.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(provider.status.error_message(),
              HasSubstr("unknown target CL/GOV/nobody: not a registered participant of CL"));
  CallResult missing = GetPerson(Migraciones(ar()), "");
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(missing.status.error_message(), HasSubstr("missing x-pasarela-target"));
  // Refused before they were routed, each still names its exchange, for the agency to quote.
  std::set<std::string> ids;
  for (const CallResult* refused : {&country, &provider, &missing}) {
    EXPECT_EQ(refused->exchange_id.size(), 36u) << refused->status.error_message();
    ids.insert(refused->exchange_id);
  }
  EXPECT_EQ(ids.size(), 3u);
}

// An agency that sends one of its headers twice is refused, whichever value comes first: the
// gateway does not pick one for it.
TEST_F(ExchangeTest, AHeaderGivenTwiceIsRefusedNotGuessed) {
  const std::map<std::string, std::string> good = {{"x-pasarela-target", kRegistry},
                                                   {"x-pasarela-purpose", "border-control"},
                                                   {"x-pasarela-agreement", "test-identity"}};
  for (const auto& [twice, value] : good) {
    for (bool good_first : {true, false}) {
      SCOPED_TRACE(absl::StrCat(twice, good_first ? ", good value first" : ", good value last"));
      auto stub = IdentityService::NewStub(Migraciones(ar()));
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      for (const auto& [key, good_value] : good) {
        if (key != twice) {
          context.AddMetadata(key, good_value);
        } else {
          context.AddMetadata(key, good_first ? good_value : "other");
          context.AddMetadata(key, good_first ? "other" : good_value);
        }
      }
      GetPersonRequest request;
      request.mutable_identifier()->set_issuing_country("CL");
      request.mutable_identifier()->set_scheme("CL-RUN");
      request.mutable_identifier()->set_value("12531909-2");
      GetPersonResponse response;
      grpc::Status status = stub->GetPerson(&context, request, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_EQ(status.error_message(),
                absl::StrCat("the call carries ", twice, " 2 times: set it once"));
      EXPECT_EQ(context.GetServerInitialMetadata().count("x-pasarela-exchange-id"), 1u);
    }
  }
  ExpectListenerStillServes();
}

TEST_F(ExchangeTest, StreamingMethodIsUnimplemented) {
  grpc::GenericStub stub(Migraciones(ar()));
  grpc::ClientContext context;
  context.AddMetadata("x-pasarela-target", kRegistry);
  context.AddMetadata("x-pasarela-purpose", "border-control");
  context.AddMetadata("x-pasarela-agreement", "test-identity");
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Slice empty_message("");
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/pasarela.testing.v1.StreamingOnly/Watch", grpc::StubOptions(),
                 &request, &response, [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(status.error_message(), HasSubstr("streaming method"));
  // Its access-log line names what the call named, as every refusal's does.
  auto headers = context.GetServerInitialMetadata();
  auto id = headers.find("x-pasarela-exchange-id");
  ASSERT_NE(id, headers.end());
  const std::string exchange(id->second.data(), id->second.size());
  ASSERT_TRUE(ar().process->WaitForLog(absl::StrCat("\"exchange_id\":\"", exchange, "\""),
                                       absl::Seconds(5)));
  std::string line;
  for (absl::string_view candidate : absl::StrSplit(ar().process->Log(), '\n')) {
    if (absl::StartsWith(candidate, "{") && absl::StrContains(candidate, exchange)) {
      line = std::string(candidate);
    }
  }
  EXPECT_THAT(line, HasSubstr("\"status\":\"UNIMPLEMENTED\""));
  EXPECT_THAT(line, HasSubstr(absl::StrCat("\"provider\":\"", kRegistry, "\"")));
  EXPECT_THAT(line, HasSubstr("\"agreement\":\"test-identity\""));
  EXPECT_THAT(line, HasSubstr("\"purpose\":\"border-control\""));
  ExpectListenerStillServes();
}

// What server reflection's ListServices names on `channel`'s listener, in the order given.
std::vector<std::string> ReflectionListsServices(const std::shared_ptr<grpc::Channel>& channel) {
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  std::vector<std::string> names;
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  if (stream->Write(request) && stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  return names;
}

TEST_F(ExchangeTest, HealthAndReflectionAnswerOnBothListeners) {
  for (auto channel : {Migraciones(ar()), MtlsChannel(cl().federation_address(), "AR/gateway.crt",
                                                      "AR/gateway.key", "CL")}) {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse answer;
    ASSERT_TRUE(health->Check(&context, grpc::health::v1::HealthCheckRequest(), &answer).ok());
    EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(Migraciones(ar()));
  grpc::ClientContext context;
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, ::testing::Contains("pasarela.identity.v1.IdentityService"));
  EXPECT_THAT(names, ::testing::Contains("pasarela.health.v1.PatientSummaryService"));
  EXPECT_THAT(names, ::testing::Contains("grpc.health.v1.Health"));
  // Each once, as `grpcurl list` shows them.
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size())
      << ::testing::PrintToString(names);
  request.set_file_containing_symbol("pasarela.identity.v1.IdentityService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_GE(response.file_descriptor_response().file_descriptor_proto_size(), 2);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

// Each listener's reflection lists the services that listener serves: those its health service
// answers for by name, and no other. The catalog service, which the descriptor set describes, is
// served (and listed) on the agency listener only.
TEST_F(ExchangeTest, ReflectionListsWhatEachListenerServes) {
  constexpr char kCatalogService[] = "pasarela.catalog.v1.CatalogService";
  const auto agency = Migraciones(ar());
  const auto federation =
      MtlsChannel(cl().federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  std::map<std::string, std::set<std::string>> listed;
  for (const auto& [listener, channel] : std::map<std::string, std::shared_ptr<grpc::Channel>>{
           {"agency", agency}, {"federation", federation}}) {
    SCOPED_TRACE(listener);
    const std::vector<std::string> names = ReflectionListsServices(channel);
    listed[listener] = std::set<std::string>(names.begin(), names.end());
    EXPECT_EQ(listed[listener].size(), names.size()) << ::testing::PrintToString(names);
    EXPECT_THAT(names, ::testing::IsSupersetOf({"pasarela.identity.v1.IdentityService",
                                                "grpc.health.v1.Health",
                                                "grpc.reflection.v1alpha.ServerReflection"}));
    // Every name listed is one the listener's health service answers for.
    for (const std::string& name : names) {
      auto health = grpc::health::v1::Health::NewStub(channel);
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(name);
      grpc::health::v1::HealthCheckResponse answer;
      grpc::Status status = health->Check(&context, request, &answer);
      EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    }
  }
  // The one service health answers for on the agency listener only (see the test below) is the
  // one difference between the lists.
  EXPECT_THAT(listed["agency"], ::testing::Contains(kCatalogService));
  EXPECT_THAT(listed["federation"], Not(::testing::Contains(kCatalogService)));
  std::set<std::string> agency_without_catalog = listed["agency"];
  agency_without_catalog.erase(kCatalogService);
  EXPECT_EQ(agency_without_catalog, listed["federation"]);
}

// As the standard health service answers for each service of a server: every service the listener
// serves answers by name (what grpc_health_probe -service asks), and any other name is NOT_FOUND.
// The catalog service is served on the agency listener only. Watch answers the same.
TEST_F(ExchangeTest, HealthAnswersForEachServedServiceByName) {
  using grpc::health::v1::HealthCheckRequest;
  using grpc::health::v1::HealthCheckResponse;
  auto check = [](const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                  grpc::StatusCode expected_code) {
    SCOPED_TRACE(service);
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse answer;
    grpc::Status status = health->Check(&context, request, &answer);
    EXPECT_EQ(status.error_code(), expected_code) << status.error_message();
    if (status.ok()) {
      EXPECT_EQ(answer.status(), HealthCheckResponse::SERVING);
    }
  };
  const auto agency = Migraciones(ar());
  const auto federation =
      MtlsChannel(cl().federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  for (const auto& channel : {agency, federation}) {
    check(channel, "", grpc::StatusCode::OK);
    check(channel, "pasarela.identity.v1.IdentityService", grpc::StatusCode::OK);
    check(channel, "pasarela.health.v1.PatientSummaryService", grpc::StatusCode::OK);
    check(channel, "grpc.health.v1.Health", grpc::StatusCode::OK);
    check(channel, "grpc.reflection.v1alpha.ServerReflection", grpc::StatusCode::OK);
    check(channel, "no.such.v1.Service", grpc::StatusCode::NOT_FOUND);
    check(channel, "pasarela.identity.v1.IdentityService/GetPerson", grpc::StatusCode::NOT_FOUND);
  }
  check(agency, "pasarela.catalog.v1.CatalogService", grpc::StatusCode::OK);
  check(federation, "pasarela.catalog.v1.CatalogService", grpc::StatusCode::NOT_FOUND);

  auto watch = [&agency](const std::string& service) {
    auto health = grpc::health::v1::Health::NewStub(agency);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    HealthCheckRequest request;
    request.set_service(service);
    auto stream = health->Watch(&context, request);
    HealthCheckResponse first;
    EXPECT_TRUE(stream->Read(&first)) << service;
    context.TryCancel();
    stream->Finish();
    return first.status();
  };
  EXPECT_EQ(watch("pasarela.identity.v1.IdentityService"), HealthCheckResponse::SERVING);
  EXPECT_EQ(watch("no.such.v1.Service"), HealthCheckResponse::SERVICE_UNKNOWN);
}

// Topologies of their own.

TEST(ExchangeFaultTest, ImpostorAtThePeerAddressNeverReceivesARequest) {
  Topology topology({"AR", "CL"});
  // A process holding a genuine CL certificate (the registry's, not the gateway's) listens where
  // AR believes CL's gateway is; it accepts AR's gateway certificate, so only the pin stops it.
  int port = PickFreePort();
  ProviderProcess& impostor =
      topology.StartImpostor("CL/agencies/registro-civil.crt", "CL/agencies/registro-civil.key",
                             "AR", absl::StrCat("127.0.0.1:", port));
  topology.SetFederationAddress("CL", impostor.address);
  GatewayProcess& ar = topology.StartGateway("AR");
  CallResult result = GetPerson(Migraciones(ar), kRegistry);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(), HasSubstr("peer gateway CL at " + impostor.address));
  EXPECT_TRUE(ar.process->WaitForLog(
      absl::StrCat("refused peer gateway CL at ", impostor.address,
                   ": it presented [urn:pasarela:CL:GOV:registro-civil], expected "
                   "urn:pasarela:gateway:CL"),
      absl::Seconds(5)));
  EXPECT_EQ(impostor.Calls().size(), 0u);
}

TEST(ExchangeFaultTest, DeadPeerIsUnavailableWithinTheDeadline) {
  Topology topology({"AR", "CL"});
  topology.SetFederationAddress("CL", absl::StrCat("127.0.0.1:", PickFreePort()));
  GatewayProcess& ar = topology.StartGateway("AR");
  CallResult result = GetPerson(Migraciones(ar), kRegistry, {}, absl::Seconds(3));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(), HasSubstr("peer gateway CL at"));
  EXPECT_THAT(result.status.error_message(), HasSubstr("unreachable"));
  EXPECT_LT(result.elapsed, absl::Seconds(3) + absl::Seconds(2));
}

TEST(ExchangeFaultTest, DeadProviderIsUnavailableNamingTheProvider) {
  Topology topology({"AR", "CL"});
  topology.AddProviderEntry(kRegistry, absl::StrCat("127.0.0.1:", PickFreePort()));
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  CallResult result = GetPerson(Migraciones(ar), kRegistry, {}, absl::Seconds(3));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(), HasSubstr("provider CL/GOV/registro-civil at"));
  // gRPC's own account of a connection that failed is kept: it names addresses, not people.
  EXPECT_THAT(result.status.error_message(), HasSubstr("unreachable"));
  EXPECT_LT(result.elapsed, absl::Seconds(3) + absl::Seconds(2));
}

TEST(ExchangeFaultTest, SlowProviderEndsAtTheCallersDeadline) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry, {"--delay-ms", "3000"});
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  CallResult result = GetPerson(Migraciones(ar), kRegistry, {}, absl::Milliseconds(500));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(result.elapsed, absl::Milliseconds(500) + absl::Seconds(2));
}

TEST(ExchangeFaultTest, DefaultDeadlineAppliesWhenTheCallerSetsNone) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry, {"--delay-ms", "3000"});
  GatewayProcess& ar = topology.StartGateway("AR", "defaults:\n  deadline: 700ms\n");
  topology.StartGateway("CL");
  auto stub = IdentityService::NewStub(Migraciones(ar));
  grpc::ClientContext context;  // no deadline
  context.AddMetadata("x-pasarela-target", kRegistry);
  context.AddMetadata("x-pasarela-purpose", "border-control");
  context.AddMetadata("x-pasarela-agreement", "test-identity");
  GetPersonRequest request;
  GetPersonResponse response;
  absl::Time start = absl::Now();
  grpc::Status status = stub->GetPerson(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(ExchangeFaultTest, OverloadIsRefusedAtOnceNotQueued) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry, {"--delay-ms", "1500"});
  GatewayProcess& ar = topology.StartGateway("AR", "limits:\n  max_in_flight_per_consumer: 2\n");
  topology.StartGateway("CL");
  std::vector<std::future<CallResult>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return GetPerson(Migraciones(ar), kRegistry, {}, absl::Seconds(10));
    }));
    absl::SleepFor(absl::Milliseconds(50));
  }
  int ok = 0;
  int exhausted = 0;
  for (auto& call : calls) {
    CallResult result = call.get();
    if (result.status.ok()) ++ok;
    if (result.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++exhausted;
      EXPECT_THAT(result.status.error_message(),
                  HasSubstr("AR/GOV/migraciones has 2 exchanges in flight"));
      // Refused at once, not after waiting for a slot.
      EXPECT_LT(result.elapsed, absl::Milliseconds(1000));
    }
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(exhausted, 4);
}

// AR and CL gateways, the registry answering after `provider_delay`: one call reaches gateway AR,
// which is then sent SIGTERM, and once it drains each of `signals_during_drain` in turn: what the
// call got, the exit status, how long the exit took after the last signal, and AR's log and trail.
struct StoppedWithACallInFlight {
  CallResult result;
  int exit_status = -1;
  absl::Duration exit_took;
  std::string log;
  std::string audit_dir;
};
StoppedWithACallInFlight StopWithACallInFlight(const std::string& provider_delay_ms,
                                               const std::string& ar_extra_yaml = "",
                                               const std::vector<int>& signals_during_drain = {}) {
  Topology topology({"AR", "CL"});
  topology.StartProvider(kRegistry, {"--delay-ms", provider_delay_ms});
  GatewayProcess& ar = topology.StartGateway("AR", ar_extra_yaml);
  topology.StartGateway("CL");
  auto in_flight =
      std::async(std::launch::async, [&] { return GetPerson(Migraciones(ar), kRegistry); });
  // Long enough for the call to reach gateway AR on a busy machine (it then waits for the
  // provider for the rest of its delay).
  absl::SleepFor(absl::Milliseconds(1000));
  std::vector<int> signals = {SIGTERM};
  if (!signals_during_drain.empty()) {
    ::kill(ar.process->pid(), SIGTERM);
    EXPECT_TRUE(ar.process->WaitForLog("shutting down: draining", absl::Seconds(5)));
    signals = signals_during_drain;
  }
  for (size_t i = 0; i + 1 < signals.size(); ++i) {
    ::kill(ar.process->pid(), signals[i]);
    absl::SleepFor(absl::Milliseconds(200));
  }
  StoppedWithACallInFlight stopped;
  const absl::Time last_signal = absl::Now();
  stopped.exit_status = ar.process->Stop(signals.back(), absl::Seconds(10));
  stopped.exit_took = absl::Now() - last_signal;
  stopped.result = in_flight.get();
  stopped.log = ar.process->Log();
  stopped.audit_dir = ar.dir + "/audit";
  return stopped;
}

TEST(ExchangeFaultTest, SigtermDrainsCallsInFlight) {
  StoppedWithACallInFlight stopped = StopWithACallInFlight("2500");
  EXPECT_TRUE(stopped.result.status.ok()) << stopped.result.status.error_message();
  EXPECT_EQ(stopped.exit_status, 0);
}

// A call still waiting when the drain ends is cut: the caller gets UNAVAILABLE, and the gateway's
// records say the gateway stopped, not that the caller cancelled.
TEST(ExchangeFaultTest, ACallTheDrainCutsIsRecordedAsTheGatewayStopping) {
  StoppedWithACallInFlight stopped =
      StopWithACallInFlight("6000", "defaults:\n  drain_timeout: 1s\n");
  EXPECT_EQ(stopped.result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(stopped.exit_status, 0);
  EXPECT_THAT(stopped.log,
              HasSubstr("stopped (its drain ended) while waiting for peer gateway CL"));
  EXPECT_THAT(stopped.log, Not(HasSubstr("the caller cancelled")));
}

// A second SIGTERM during the drain ends it at once (an administrator pressing Ctrl-C twice): the
// exchange still waiting is cut as it is when the drain timeout ends, it is recorded in the access
// log and the audit trail, and the trail is sealed. SIGHUP meanwhile is ignored.
TEST(ExchangeFaultTest, ASecondSigtermEndsTheDrainAtOnce) {
  StoppedWithACallInFlight stopped =
      StopWithACallInFlight("6000", "defaults:\n  drain_timeout: 15s\n", {SIGHUP, SIGTERM});
  EXPECT_EQ(stopped.exit_status, 0) << stopped.log;
  EXPECT_LT(stopped.exit_took, absl::Seconds(3));
  EXPECT_EQ(stopped.result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << stopped.result.status.error_message();
  EXPECT_THAT(stopped.log, HasSubstr("SIGHUP received during the drain: ignored"));
  EXPECT_THAT(stopped.log, Not(HasSubstr("reloading policy")));
  EXPECT_THAT(stopped.log,
              HasSubstr("second SIGTERM received: drain cut short, cancelling 1 exchange in "
                        "progress"));
  EXPECT_THAT(stopped.log,
              HasSubstr("stopped (its drain ended) while waiting for peer gateway CL"));
  EXPECT_THAT(stopped.log, HasSubstr("audit trail sealed"));

  // The access log's line for the cut exchange names it; the trail holds it and verifies.
  std::string exchange;
  for (absl::string_view line : absl::StrSplit(stopped.log, '\n')) {
    const size_t id = line.find("\"exchange_id\":\"");
    if (absl::StartsWith(line, "{") && absl::StrContains(line, "\"status\":\"UNAVAILABLE\"") &&
        id != absl::string_view::npos) {
      exchange = std::string(line.substr(id + 15, 36));
    }
  }
  ASSERT_EQ(exchange.size(), 36u) << stopped.log;
  std::string output;
  EXPECT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "verify", stopped.audit_dir, "--ca",
                        Pki("AR/ca.crt"), "--strict"},
                       &output),
            0)
      << output;
  EXPECT_THAT(output, HasSubstr("audit verify: OK"));
  EXPECT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "show", stopped.audit_dir, "--exchange",
                        exchange},
                       &output),
            0)
      << output;
  EXPECT_THAT(output, HasSubstr("\"grpc_status_code\":14"));
}

}  // namespace
}  // namespace pasarela::testing
