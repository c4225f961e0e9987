// Agreements decide every call, on both gateways: a table of allowed and refused calls through real
// AR and CL gateways, each refusal with its status, its explanation and its rule id in the
// x-pasarela-deny-rule trailer; and the allow-list trimming what the provider answered. Each test
// runs twice, with AR calling CL in federation protocol 1 and in protocol 2: what CL decided and
// withheld reaches the agency the same in both.
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::pasarela::identity::v1::GetPersonRequest;
using ::pasarela::identity::v1::GetPersonResponse;
using ::pasarela::identity::v1::IdentityService;
using ::testing::HasSubstr;

// The default test agreement with `id` and some lines replaced.
std::string Variant(const std::string& id,
                    const std::vector<std::pair<std::string, std::string>>& replacements) {
  std::vector<std::pair<std::string, std::string>> all = {{"id: test-identity", "id: " + id}};
  all.insert(all.end(), replacements.begin(), replacements.end());
  std::string yaml = Topology::DefaultAgreementYaml({"AR", "CL"});
  for (const auto& [from, to] : all) yaml = absl::StrReplaceAll(yaml, {{from, to}});
  return yaml;
}

struct Answer {
  grpc::Status status;
  GetPersonResponse response;
  std::string deny_rule;
  std::string withheld;
  std::string answered_by;
};

// The parameter is the federation protocol AR calls CL in; each has a topology of its own, started
// by the first test that needs it.
class AgreementTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    std::unique_ptr<Topology>& topology = topologies_[GetParam()];
    if (topology == nullptr) topology = StartTopology(GetParam());
    topology_ = topology.get();
  }
  static void TearDownTestSuite() { topologies_.clear(); }

  static std::unique_ptr<Topology> StartTopology(int protocol) {
    auto topology = std::make_unique<Topology>(std::vector<std::string>{"AR", "CL"});
    topology->SetFederationProtocol("CL", protocol);
    topology->StartProvider("CL/GOV/registro-civil");
    topology->SetAgreement(
        "expired",
        Variant("expired", {{"until: 2099-12-31T23:59:59Z", "until: 2021-01-01T00:00:00Z"}}));
    topology->SetAgreement(
        "future",
        Variant("future", {{"from: 2020-01-01T00:00:00Z", "from: 2098-01-01T00:00:00Z"}}));
    topology->SetAgreement(
        "tight-quota",
        Variant("tight-quota", {{"requests_per_second: 10000", "requests_per_second: 0.01"},
                                {"burst: 10000", "burst: 2"}}));
    topology->SetAgreement(
        "minimal", Variant("minimal", {{"GetPerson: [person]",
                                        "GetPerson: [person.family_names, person.birth_date]"}}));
    topology->SetAgreement(
        "migraciones-only",
        Variant("migraciones-only", {{"AR/GOV/migraciones, AR/GOV/afip", "AR/GOV/migraciones"}}));
    topology->SetAgreement(
        "verify-only",
        Variant("verify-only",
                {{"  - pasarela.identity.v1.IdentityService/GetPerson\n", ""},
                 {"  pasarela.identity.v1.IdentityService/GetPerson: [person]\n", ""}}));
    // The two gateways hold different copies of this one: CL's also allows tax audits.
    topology->SetAgreement("diverged", Variant("diverged", {}), "AR");
    topology->SetAgreement("diverged",
                           Variant("diverged", {{"purposes: [border-control]",
                                                 "purposes: [border-control, tax-audit]"}}),
                           "CL");
    topology->StartGateway("AR");
    topology->StartGateway("CL");
    return topology;
  }

  Answer Call(const std::string& agreement, const std::string& purpose,
              const std::string& agency = "migraciones") const {
    auto stub = IdentityService::NewStub(MtlsChannel(topology_->gateway("AR").agency_address(),
                                                     "AR/agencies/" + agency + ".crt",
                                                     "AR/agencies/" + agency + ".key", "AR"));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    context.AddMetadata("x-pasarela-target", "CL/GOV/registro-civil");
    if (!purpose.empty()) context.AddMetadata("x-pasarela-purpose", purpose);
    if (!agreement.empty()) context.AddMetadata("x-pasarela-agreement", agreement);
    GetPersonRequest request;
    request.mutable_identifier()->set_value("12531909-2");
    Answer answer;
    answer.status = stub->GetPerson(&context, request, &answer.response);
    const auto& trailers = context.GetServerTrailingMetadata();
    auto rule = trailers.find("x-pasarela-deny-rule");
    if (rule != trailers.end()) answer.deny_rule.assign(rule->second.data(), rule->second.size());
    auto answered_by = trailers.find("x-pasarela-answered-by");
    if (answered_by != trailers.end()) {
      answer.answered_by.assign(answered_by->second.data(), answered_by->second.size());
    }
    auto withheld = trailers.find("x-pasarela-withheld");
    if (withheld != trailers.end()) {
      answer.withheld.assign(withheld->second.data(), withheld->second.size());
    }
    return answer;
  }

  Topology* topology_ = nullptr;
  static std::map<int, std::unique_ptr<Topology>> topologies_;
};

std::map<int, std::unique_ptr<Topology>> AgreementTest::topologies_;

INSTANTIATE_TEST_SUITE_P(FederationProtocol, AgreementTest, ::testing::Values(1, 2, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return absl::StrCat("Protocol", info.param);
                         });

struct RuleCase {
  std::string name;
  std::string agreement;
  std::string purpose;
  std::string agency;
  grpc::StatusCode code;
  std::string rule;
  std::string message;
};

TEST_P(AgreementTest, EveryRuleDecidesThroughRealGateways) {
  const std::vector<RuleCase> cases = {
      {"allowed", "test-identity", "border-control", "migraciones", grpc::StatusCode::OK, "", ""},
      {"no agreement named", "", "border-control", "migraciones",
       grpc::StatusCode::PERMISSION_DENIED, "agreement-missing", "x-pasarela-agreement"},
      {"unknown agreement", "no-such-agreement", "border-control", "migraciones",
       grpc::StatusCode::PERMISSION_DENIED, "agreement-unknown", "no-such-agreement"},
      {"wrong purpose", "test-identity", "tax-audit", "migraciones",
       grpc::StatusCode::PERMISSION_DENIED, "purpose-not-allowed",
       "agreement test-identity does not allow purpose 'tax-audit'; allowed: border-control"},
      {"no purpose", "test-identity", "", "migraciones", grpc::StatusCode::PERMISSION_DENIED,
       "purpose-missing", "x-pasarela-purpose"},
      {"consumer not a party", "migraciones-only", "border-control", "afip",
       grpc::StatusCode::PERMISSION_DENIED, "consumer-not-party", "AR/GOV/afip"},
      {"method not listed", "verify-only", "border-control", "migraciones",
       grpc::StatusCode::PERMISSION_DENIED, "method-not-allowed", "GetPerson"},
      {"expired", "expired", "border-control", "migraciones", grpc::StatusCode::FAILED_PRECONDITION,
       "agreement-expired", "expired"},
      {"not yet in force", "future", "border-control", "migraciones",
       grpc::StatusCode::FAILED_PRECONDITION, "agreement-not-yet-valid", "2098-01-01"},
      {"copies differ", "diverged", "border-control", "migraciones",
       grpc::StatusCode::PERMISSION_DENIED, "agreement-mismatch", "diverged"},
  };
  for (const RuleCase& c : cases) {
    SCOPED_TRACE(c.name);
    Answer answer = Call(c.agreement, c.purpose, c.agency);
    EXPECT_EQ(answer.status.error_code(), c.code) << answer.status.error_message();
    EXPECT_EQ(answer.deny_rule, c.rule);
    EXPECT_THAT(answer.status.error_message(), HasSubstr(c.message));
  }
}

TEST_P(AgreementTest, MismatchIsDecidedByTheProviderGateway) {
  Answer answer = Call("diverged", "border-control");
  EXPECT_EQ(answer.deny_rule, "agreement-mismatch");
  // The agency learns which gateway refused: CL's, relayed by its own.
  EXPECT_EQ(answer.answered_by, "CL");
  Answer own = Call("test-identity", "tax-audit");
  EXPECT_EQ(own.deny_rule, "purpose-not-allowed");
  EXPECT_EQ(own.answered_by, "AR");
  EXPECT_EQ(Call("test-identity", "border-control").answered_by, "AR");
  EXPECT_TRUE(
      topology_->gateway("CL").process->WaitForLog("[rule agreement-mismatch]", absl::Seconds(5)));
}

TEST_P(AgreementTest, QuotaRefusesBeyondTheBurst) {
  EXPECT_TRUE(Call("tight-quota", "border-control").status.ok());
  EXPECT_TRUE(Call("tight-quota", "border-control").status.ok());
  Answer third = Call("tight-quota", "border-control");
  EXPECT_EQ(third.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(third.deny_rule, "quota-exceeded");
  EXPECT_THAT(third.status.error_message(), HasSubstr("tight-quota"));
}

TEST_P(AgreementTest, AllowListTrimsTheResponseAtTheProviderGateway) {
  Answer full = Call("test-identity", "border-control");
  ASSERT_TRUE(full.status.ok()) << full.status.error_message();
  EXPECT_GT(full.response.person().given_names_size(), 0);
  EXPECT_TRUE(full.response.person().has_address());
  EXPECT_EQ(full.withheld, "");

  Answer minimal = Call("minimal", "border-control");
  ASSERT_TRUE(minimal.status.ok()) << minimal.status.error_message();
  const auto& person = minimal.response.person();
  EXPECT_EQ(person.family_names(0), "González");
  EXPECT_EQ(person.birth_date(), "1985-03-12");
  EXPECT_EQ(person.given_names_size(), 0);
  EXPECT_EQ(person.identifiers_size(), 0);
  EXPECT_FALSE(person.has_address());
  EXPECT_EQ(person.place_of_birth(), "");
  EXPECT_EQ(person.nationalities_size(), 0);
  EXPECT_THAT(minimal.withheld, HasSubstr("person.given_names"));
  EXPECT_THAT(minimal.withheld, HasSubstr("person.address"));

  // Both gateways' access logs say which form of the federation protocol the calls took, and
  // only that one.
  const std::string used = absl::StrCat("\"federation_protocol\":", GetParam(), "}");
  for (const char* country : {"AR", "CL"}) {
    SCOPED_TRACE(country);
    const auto& process = *topology_->gateway(country).process;
    EXPECT_TRUE(process.WaitForLog(used, absl::Seconds(5)));
    for (int other = 1; other <= 3; ++other) {
      if (other == GetParam()) continue;
      EXPECT_THAT(process.Log(),
                  ::testing::Not(HasSubstr(absl::StrCat("\"federation_protocol\":", other, "}"))));
    }
  }
}

}  // namespace
}  // namespace pasarela::testing
