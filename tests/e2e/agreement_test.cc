// Agreements decide every call, on both gateways: a table of allowed and refused calls through real
// AR and CL gateways, each refusal with its status, its explanation and its rule id in the
// x-pasarela-deny-rule trailer; and the allow-list trimming what the provider answered.
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
};

class AgreementTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    topology_ = std::make_unique<Topology>(std::vector<std::string>{"AR", "CL"});
    topology_->StartProvider("CL/GOV/registro-civil");
    topology_->SetAgreement(
        "expired",
        Variant("expired", {{"until: 2099-12-31T23:59:59Z", "until: 2021-01-01T00:00:00Z"}}));
    topology_->SetAgreement(
        "future",
        Variant("future", {{"from: 2020-01-01T00:00:00Z", "from: 2098-01-01T00:00:00Z"}}));
    topology_->SetAgreement(
        "tight-quota",
        Variant("tight-quota", {{"requests_per_second: 10000", "requests_per_second: 0.01"},
                                {"burst: 10000", "burst: 2"}}));
    topology_->SetAgreement(
        "minimal", Variant("minimal", {{"GetPerson: [person]",
                                        "GetPerson: [person.family_names, person.birth_date]"}}));
    topology_->SetAgreement(
        "migraciones-only",
        Variant("migraciones-only", {{"AR/GOV/migraciones, AR/GOV/afip", "AR/GOV/migraciones"}}));
    topology_->SetAgreement(
        "verify-only",
        Variant("verify-only",
                {{"  - pasarela.identity.v1.IdentityService/GetPerson\n", ""},
                 {"  pasarela.identity.v1.IdentityService/GetPerson: [person]\n", ""}}));
    // The two gateways hold different copies of this one: CL's also allows tax audits.
    topology_->SetAgreement("diverged", Variant("diverged", {}), "AR");
    topology_->SetAgreement("diverged",
                            Variant("diverged", {{"purposes: [border-control]",
                                                  "purposes: [border-control, tax-audit]"}}),
                            "CL");
    topology_->StartGateway("AR");
    topology_->StartGateway("CL");
  }
  static void TearDownTestSuite() { topology_.reset(); }

  static Answer Call(const std::string& agreement, const std::string& purpose,
                     const std::string& agency = "migraciones") {
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
    auto withheld = trailers.find("x-pasarela-withheld");
    if (withheld != trailers.end()) {
      answer.withheld.assign(withheld->second.data(), withheld->second.size());
    }
    return answer;
  }

  static std::unique_ptr<Topology> topology_;
};

std::unique_ptr<Topology> AgreementTest::topology_;

struct RuleCase {
  std::string name;
  std::string agreement;
  std::string purpose;
  std::string agency;
  grpc::StatusCode code;
  std::string rule;
  std::string message;
};

TEST_F(AgreementTest, EveryRuleDecidesThroughRealGateways) {
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

TEST_F(AgreementTest, MismatchIsDecidedByTheProviderGateway) {
  Answer answer = Call("diverged", "border-control");
  EXPECT_EQ(answer.deny_rule, "agreement-mismatch");
  EXPECT_TRUE(
      topology_->gateway("CL").process->WaitForLog("[rule agreement-mismatch]", absl::Seconds(5)));
}

TEST_F(AgreementTest, QuotaRefusesBeyondTheBurst) {
  EXPECT_TRUE(Call("tight-quota", "border-control").status.ok());
  EXPECT_TRUE(Call("tight-quota", "border-control").status.ok());
  Answer third = Call("tight-quota", "border-control");
  EXPECT_EQ(third.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(third.deny_rule, "quota-exceeded");
  EXPECT_THAT(third.status.error_message(), HasSubstr("tight-quota"));
}

TEST_F(AgreementTest, AllowListTrimsTheResponseAtTheProviderGateway) {
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
}

}  // namespace
}  // namespace pasarela::testing
