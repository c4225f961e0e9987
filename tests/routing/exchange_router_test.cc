#include "gateway/routing/exchange_router.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/topology.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using Metadata = std::vector<std::pair<std::string, std::string>>;

constexpr char kGetPerson[] = "pasarela.identity.v1.IdentityService/GetPerson";
constexpr char kExchangeId[] = "6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10";

class ExchangeRouterTest : public ::testing::Test {
 protected:
  // A CL gateway: CL's registry is local, AR and BR are peers.
  void SetUp() override {
    auto catalog = DescriptorCatalog::Load({testing::DescriptorSetPath()});
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    GatewayConfig gateway;
    gateway.country = "CL";
    Federation federation;
    for (const char* code : {"AR", "BR", "CL"}) {
      FederationCountry country;
      country.code = code;
      // BR's gateway reads federation protocol 2; AR's is left at the default, 1.
      if (country.code == "BR") country.protocol = 2;
      federation.countries.push_back(country);
    }
    ProviderService registry{*ParticipantId::Parse("CL/GOV/registro-civil"),
                             "127.0.0.1:1",
                             "",
                             "",
                             "urn:pasarela:CL:GOV:registro-civil",
                             {kGetPerson},
                             {},
                             false,
                             {}};
    snapshot_ = std::make_shared<PolicySnapshot>(gateway, federation, ServiceDirectory({registry}),
                                                 *std::move(catalog), AgreementBook(), nullptr,
                                                 nullptr, "digest");
  }
  static VerifiedPeer Agency(const std::string& participant) {
    VerifiedPeer peer;
    peer.participant = *ParticipantId::Parse(participant);
    peer.issuer_country = participant.substr(0, 2);
    peer.uri = peer.participant->ToUri();
    return peer;
  }
  static VerifiedPeer Gateway(const std::string& country) {
    VerifiedPeer peer;
    peer.gateway_country = country;
    peer.issuer_country = country;
    peer.uri = GatewayUri(country);
    return peer;
  }
  std::shared_ptr<const PolicySnapshot> snapshot_;
};

TEST_F(ExchangeRouterTest, AgencyCallToAnotherCountryGoesToItsGatewayWithGatewaySetHeaders) {
  ExchangeRouter router(*snapshot_);
  ExchangeHeaders headers{"AR/GOV/renaper", "border-control", "cl-ar-2026", "CL/GOV/spoofed", "x"};
  auto route = router.RouteAgencyCall(Agency("CL/GOV/pdi"), headers, kGetPerson, kExchangeId);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->hop, RouteDecision::Hop::kPeerGateway);
  EXPECT_EQ(route->upstream, "AR");
  EXPECT_EQ(route->consumer, "CL/GOV/pdi");
  EXPECT_THAT(route->metadata, ::testing::ElementsAre(Pair("x-pasarela-target", "AR/GOV/renaper"),
                                                      Pair("x-pasarela-consumer", "CL/GOV/pdi"),
                                                      Pair("x-pasarela-exchange-id", kExchangeId),
                                                      Pair("x-pasarela-purpose", "border-control"),
                                                      Pair("x-pasarela-agreement", "cl-ar-2026")));
}

TEST_F(ExchangeRouterTest, APeerReadingProtocolTwoIsCalledWithTheFactsInOneHeader) {
  ExchangeRouter router(*snapshot_);
  ExchangeHeaders headers{"BR/GOV/saude", "border-control", "cl-br-2026", "CL/GOV/spoofed", "x"};
  auto route = router.RouteAgencyCall(Agency("CL/GOV/pdi"), headers, kGetPerson, kExchangeId);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->hop, RouteDecision::Hop::kPeerGateway);
  EXPECT_EQ(route->upstream, "BR");
  EXPECT_EQ(route->consumer, "CL/GOV/pdi");
  EXPECT_EQ(route->provider, "BR/GOV/saude");
  EXPECT_EQ(route->exchange_id, kExchangeId);
  // The exchange builds the one header (gateway/net/federation_facts.h) once the agreement has
  // been checked; none of protocol 1's go out.
  EXPECT_TRUE(route->compact);
  EXPECT_THAT(route->metadata, ::testing::IsEmpty());

  auto protocol_one = router.RouteAgencyCall(Agency("CL/GOV/pdi"),
                                             ExchangeHeaders{"AR/GOV/renaper", "", "", "", ""},
                                             kGetPerson, kExchangeId);
  ASSERT_TRUE(protocol_one.ok());
  EXPECT_FALSE(protocol_one->compact);
}

TEST_F(ExchangeRouterTest, AgencyCallToOwnCountryGoesToTheLocalProvider) {
  ExchangeRouter router(*snapshot_);
  ExchangeHeaders headers{"CL/GOV/registro-civil", "", "", "", ""};
  auto route = router.RouteAgencyCall(Agency("CL/GOV/pdi"), headers, kGetPerson, kExchangeId);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->hop, RouteDecision::Hop::kLocalProvider);
  EXPECT_EQ(route->upstream, "CL/GOV/registro-civil");
}

TEST_F(ExchangeRouterTest, AgencyCallErrors) {
  ExchangeRouter router(*snapshot_);
  auto code_and_message = [&](const std::string& target, const std::string& method) {
    ExchangeHeaders headers{target, "", "", "", ""};
    auto route = router.RouteAgencyCall(Agency("CL/GOV/pdi"), headers, method, kExchangeId);
    return std::make_pair(route.status().code(), std::string(route.status().message()));
  };
  auto missing = code_and_message("", kGetPerson);
  EXPECT_EQ(missing.first, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.second, HasSubstr("missing x-pasarela-target"));
  EXPECT_EQ(code_and_message("chile", kGetPerson).first, absl::StatusCode::kInvalidArgument);
  auto unknown_country = code_and_message("UY/GOV/msp", kGetPerson);
  EXPECT_EQ(unknown_country.first, absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown_country.second, HasSubstr("country UY is not in the federation"));
  auto not_offered = code_and_message("CL/GOV/registro-civil",
                                      "pasarela.identity.v1.IdentityService/VerifyIdentity");
  EXPECT_EQ(not_offered.first, absl::StatusCode::kNotFound);
  EXPECT_THAT(not_offered.second, HasSubstr("does not offer"));
}

TEST_F(ExchangeRouterTest, PeerGatewaySpeaksOnlyForItsOwnCountry) {
  ExchangeRouter router(*snapshot_);
  ExchangeHeaders headers{"CL/GOV/registro-civil", "border-control", "", "AR/GOV/migraciones",
                          kExchangeId};
  auto allowed = router.RouteFederationCall(Gateway("AR"), headers, kGetPerson);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->consumer, "AR/GOV/migraciones");
  EXPECT_EQ(allowed->exchange_id, kExchangeId);
  EXPECT_THAT(allowed->metadata,
              ::testing::Contains(Pair("x-pasarela-consumer", "AR/GOV/migraciones")));

  auto asserted = router.RouteFederationCall(Gateway("BR"), headers, kGetPerson);
  EXPECT_EQ(asserted.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(asserted.status().message()),
              HasSubstr("gateway BR may not assert consumer AR/GOV/migraciones"));
}

TEST_F(ExchangeRouterTest, FederationCallNeedsConsumerExchangeIdAndALocalTarget) {
  ExchangeRouter router(*snapshot_);
  ExchangeHeaders no_consumer{"CL/GOV/registro-civil", "", "", "", kExchangeId};
  EXPECT_EQ(router.RouteFederationCall(Gateway("AR"), no_consumer, kGetPerson).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExchangeHeaders bad_id{"CL/GOV/registro-civil", "", "", "AR/GOV/migraciones", "1234"};
  EXPECT_EQ(router.RouteFederationCall(Gateway("AR"), bad_id, kGetPerson).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExchangeHeaders elsewhere{"BR/GOV/saude", "", "", "AR/GOV/migraciones", kExchangeId};
  auto route = router.RouteFederationCall(Gateway("AR"), elsewhere, kGetPerson);
  EXPECT_EQ(route.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(route.status().message()), HasSubstr("is not served by gateway CL"));
}

TEST(ExchangeIdTest, NewIdsAreDistinctVersionFourUuids) {
  std::string a = NewExchangeId();
  std::string b = NewExchangeId();
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsExchangeId(a)) << a;
  EXPECT_EQ(a[14], '4');
  EXPECT_FALSE(IsExchangeId("6F1C1A52-3C59-4D1E-9F0A-2B8E4C7D9A10"));
  EXPECT_FALSE(IsExchangeId("6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a1"));
  EXPECT_FALSE(IsExchangeId("6f1c1a52x3c59-4d1e-9f0a-2b8e4c7d9a10"));
}

TEST(ExchangeIdTest, IdsStayDistinctAcrossThreadsAndRefills) {
  // Each thread draws its random bytes a block at a time: 1,000 ids per thread cross many refills.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000;
  std::vector<std::vector<std::string>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < kPerThread; ++i) drawn[t].push_back(NewExchangeId());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> distinct;
  for (const std::vector<std::string>& ids : drawn) {
    for (const std::string& id : ids) {
      ASSERT_TRUE(IsExchangeId(id)) << id;
      EXPECT_EQ(id[14], '4') << id;
      EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
      distinct.insert(id);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace pasarela
