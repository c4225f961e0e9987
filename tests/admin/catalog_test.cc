// The service catalog: offerings per participant from a test policy and the runtime descriptor
// set, categories read from the field options, the allow-list, the gRPC service answering each
// caller its own catalog, the Markdown page and the `pasarela catalog` command.
#include "gateway/admin/catalog.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gateway/admin/catalog_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela::admin {
namespace {

namespace catalogpb = ::pasarela::catalog::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kGetPerson[] = "pasarela.identity.v1.IdentityService/GetPerson";
constexpr char kVerifyIdentity[] = "pasarela.identity.v1.IdentityService/VerifyIdentity";
constexpr char kGetPatientSummary[] = "pasarela.health.v1.PatientSummaryService/GetPatientSummary";

std::string PolicyDir() { return absl::StrCat(ADMIN_TESTDATA_DIR, "/policy"); }

absl::Time At(const char* rfc3339) {
  absl::optional<absl::Time> time = ParseRfc3339(rfc3339);
  EXPECT_TRUE(time.has_value()) << rfc3339;
  return time.value_or(absl::UnixEpoch());
}

// The test policy as a gateway holds it: testdata/policy with the runtime descriptor set.
PolicySnapshotPtr LoadSnapshot() {
  absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog =
      DescriptorCatalog::Load({PASARELA_DESCRIPTOR_SET});
  EXPECT_TRUE(catalog.ok()) << catalog.status();
  if (!catalog.ok()) return nullptr;
  Diagnostics diagnostics;
  absl::optional<PolicyDirectory> directory =
      LoadPolicyDirectory(PolicyDir(), "", **catalog, diagnostics);
  EXPECT_TRUE(directory.has_value()) << diagnostics.ToString();
  if (!directory.has_value()) return nullptr;
  GatewayConfig gateway;
  gateway.country = "CL";
  return std::make_shared<const PolicySnapshot>(
      std::move(gateway), std::move(directory->federation), std::move(directory->services),
      *std::move(catalog), std::move(directory->agreements), std::move(directory->classification),
      std::move(directory->mappings), "test-policy-digest");
}

const PolicySnapshot& Snapshot() {
  static const PolicySnapshotPtr* const kSnapshot = new PolicySnapshotPtr(LoadSnapshot());
  return **kSnapshot;
}

const catalogpb::FieldShape* FindField(const catalogpb::MessageShape& shape,
                                       const std::string& path) {
  for (const catalogpb::FieldShape& field : shape.fields()) {
    if (field.path() == path) return &field;
  }
  return nullptr;
}

std::vector<std::string> Paths(const catalogpb::MessageShape& shape) {
  std::vector<std::string> paths;
  for (const catalogpb::FieldShape& field : shape.fields()) paths.push_back(field.path());
  return paths;
}

MATCHER_P5(Field, path, type, repeated, category, may_leave, "") {
  *result_listener << arg.ShortDebugString();
  return arg.path() == path && arg.type() == type && arg.repeated() == repeated &&
         arg.category() == category && arg.may_leave() == may_leave;
}

TEST(CatalogForParticipant, MigracionesMayCallTheCivilRegistry) {
  catalogpb::ListOfferingsResponse response =
      CatalogForParticipant(Snapshot(), "AR/GOV/migraciones", At("2026-06-01T00:00:00Z"));
  EXPECT_EQ(response.participant(), "AR/GOV/migraciones");
  EXPECT_EQ(response.gateway(), "CL");
  EXPECT_EQ(response.policy_digest(), "test-policy-digest");
  EXPECT_EQ(response.as_of(), "2026-06-01T00:00:00Z");
  ASSERT_EQ(response.offerings_size(), 2);

  const catalogpb::Offering& get_person = response.offerings(0);
  EXPECT_EQ(get_person.method(), kGetPerson);
  EXPECT_EQ(get_person.provider(), "CL/GOV/registro-civil");
  EXPECT_EQ(get_person.agreement(), "ar-cl-identity-2026");
  EXPECT_EQ(get_person.agreement_title(), "Border control identity checks");
  EXPECT_EQ(get_person.agreement_digest(),
            Snapshot().agreements().Find("ar-cl-identity-2026")->digest);
  EXPECT_THAT(get_person.purposes(), ElementsAre("border-control"));
  EXPECT_EQ(get_person.legal_reference(), "Ley 19.628 art. 4; Ley 25.326 art. 12");
  EXPECT_EQ(get_person.valid_from(), "2026-01-01T00:00:00Z");
  EXPECT_EQ(get_person.valid_until(), "2027-12-31T23:59:59Z");
  EXPECT_EQ(get_person.validity(), catalogpb::VALIDITY_IN_FORCE);
  EXPECT_EQ(get_person.days_until_expiry(), 578);
  EXPECT_EQ(get_person.retention(), "P30D");
  EXPECT_EQ(get_person.quota_requests_per_second(), 20);
  EXPECT_EQ(get_person.quota_burst(), 40);
  EXPECT_EQ(get_person.highest_category(), pasarela::v1::DATA_CATEGORY_PERSONAL_IDENTIFIER);
  EXPECT_THAT(get_person.also_allowed(), IsEmpty());
  EXPECT_EQ(response.offerings(1).method(), kVerifyIdentity);

  // The request: PersonIdentifier declares its fields; the field holding it inherits internal.
  const catalogpb::MessageShape& request = get_person.request();
  EXPECT_EQ(request.type(), "pasarela.identity.v1.GetPersonRequest");
  using pasarela::v1::DATA_CATEGORY_INTERNAL;
  using pasarela::v1::DATA_CATEGORY_PERSONAL;
  using pasarela::v1::DATA_CATEGORY_PERSONAL_IDENTIFIER;
  using pasarela::v1::DATA_CATEGORY_PUBLIC;
  EXPECT_THAT(
      request.fields(),
      ElementsAre(
          Field("identifier", "message pasarela.identity.v1.PersonIdentifier", false,
                DATA_CATEGORY_INTERNAL, false),
          Field("identifier.issuing_country", "string", false, DATA_CATEGORY_PUBLIC, false),
          Field("identifier.scheme", "string", false, DATA_CATEGORY_PUBLIC, false),
          Field("identifier.value", "string", false, DATA_CATEGORY_PERSONAL_IDENTIFIER, false)));
  for (const catalogpb::FieldShape& field : request.fields()) EXPECT_EQ(field.treatment(), "");

  // The response, in field-number order, depth first.
  const catalogpb::MessageShape& response_shape = get_person.response();
  EXPECT_EQ(response_shape.type(), "pasarela.identity.v1.GetPersonResponse");
  EXPECT_THAT(
      Paths(response_shape),
      ElementsAre("person", "person.identifiers", "person.identifiers.issuing_country",
                  "person.identifiers.scheme", "person.identifiers.value", "person.given_names",
                  "person.family_names", "person.birth_date", "person.sex", "person.nationalities",
                  "person.place_of_birth", "person.address", "person.address.lines",
                  "person.address.locality", "person.address.region", "person.address.postal_code",
                  "person.address.country", "person.birth_name"));
  // GetPersonResponse declares nothing; the test's classification.yaml annotates its field
  // `person`, and the catalog reports what the classification stage applies. A message on the way
  // to an allowed path leaves (with only its allowed children).
  EXPECT_THAT(
      *FindField(response_shape, "person"),
      Field("person", "message pasarela.identity.v1.Person", false, DATA_CATEGORY_PERSONAL, true));
  EXPECT_THAT(*FindField(response_shape, "person.identifiers"),
              Field("person.identifiers", "message pasarela.identity.v1.PersonIdentifier", true,
                    DATA_CATEGORY_PERSONAL, true));
  EXPECT_THAT(
      *FindField(response_shape, "person.identifiers.issuing_country"),
      Field("person.identifiers.issuing_country", "string", false, DATA_CATEGORY_PUBLIC, false));
  EXPECT_THAT(
      *FindField(response_shape, "person.identifiers.value"),
      Field("person.identifiers.value", "string", false, DATA_CATEGORY_PERSONAL_IDENTIFIER, true));
  EXPECT_THAT(*FindField(response_shape, "person.given_names"),
              Field("person.given_names", "string", true, DATA_CATEGORY_PERSONAL, true));
  EXPECT_THAT(*FindField(response_shape, "person.birth_date"),
              Field("person.birth_date", "string", false, DATA_CATEGORY_PERSONAL, false));
  EXPECT_THAT(
      *FindField(response_shape, "person.sex"),
      Field("person.sex", "enum pasarela.identity.v1.Sex", false, DATA_CATEGORY_PERSONAL, false));
  EXPECT_THAT(*FindField(response_shape, "person.address.lines"),
              Field("person.address.lines", "string", true, DATA_CATEGORY_PERSONAL, false));
  for (const catalogpb::FieldShape& field : response_shape.fields()) {
    EXPECT_EQ(field.treatment(), "allow") << field.path();
  }
}

TEST(CatalogForParticipant, HealthCategoriesAreInheritedThroughNestedMessages) {
  catalogpb::ListOfferingsResponse response =
      CatalogForParticipant(Snapshot(), "CL/GOV/minsal", At("2026-06-01T00:00:00Z"));
  ASSERT_EQ(response.offerings_size(), 1);
  const catalogpb::Offering& offering = response.offerings(0);
  EXPECT_EQ(offering.method(), kGetPatientSummary);
  EXPECT_EQ(offering.provider(), "AR/GOV/hospital-garrahan");
  EXPECT_EQ(offering.agreement(), "cl-ar-health-2026");
  EXPECT_THAT(offering.purposes(), ElementsAre("continuity-of-care", "emergency-care"));
  EXPECT_EQ(offering.valid_until(), "2027-01-01T02:59:59Z");
  EXPECT_EQ(offering.days_until_expiry(), 214);
  EXPECT_EQ(offering.quota_requests_per_second(), 2.5);
  EXPECT_THAT(offering.also_allowed(), ElementsAre(pasarela::v1::DATA_CATEGORY_HEALTH));

  using pasarela::v1::DATA_CATEGORY_HEALTH;
  using pasarela::v1::DATA_CATEGORY_INTERNAL;
  using pasarela::v1::DATA_CATEGORY_PERSONAL_IDENTIFIER;
  using pasarela::v1::DATA_CATEGORY_PUBLIC;
  const catalogpb::MessageShape& shape = offering.response();
  EXPECT_THAT(*FindField(shape, "summary"),
              Field("summary", "message pasarela.health.v1.PatientSummary", false,
                    DATA_CATEGORY_INTERNAL, true));
  EXPECT_THAT(*FindField(shape, "summary.allergies"),
              Field("summary.allergies", "message pasarela.health.v1.AllergyIntolerance", true,
                    DATA_CATEGORY_HEALTH, true));
  EXPECT_THAT(*FindField(shape, "summary.patient_identifier"),
              Field("summary.patient_identifier", "message pasarela.identity.v1.PersonIdentifier",
                    false, DATA_CATEGORY_PERSONAL_IDENTIFIER, true));
  EXPECT_THAT(
      *FindField(shape, "summary.patient_identifier.scheme"),
      Field("summary.patient_identifier.scheme", "string", false, DATA_CATEGORY_PUBLIC, false));
  // Coding declares only `system`: its code inherits health from the field it is nested in.
  EXPECT_THAT(
      *FindField(shape, "summary.allergies.substance.code"),
      Field("summary.allergies.substance.code", "string", false, DATA_CATEGORY_HEALTH, true));
  EXPECT_THAT(
      *FindField(shape, "summary.allergies.substance.system"),
      Field("summary.allergies.substance.system", "string", false, DATA_CATEGORY_PUBLIC, true));
  EXPECT_THAT(
      *FindField(shape, "summary.medications.medication.code"),
      Field("summary.medications.medication.code", "string", false, DATA_CATEGORY_HEALTH, false));
  EXPECT_THAT(
      *FindField(shape, "summary.immunizations.dose_number"),
      Field("summary.immunizations.dose_number", "int32", false, DATA_CATEGORY_HEALTH, false));
  EXPECT_THAT(*FindField(shape, "summary.blood_group"),
              Field("summary.blood_group", "string", false, DATA_CATEGORY_HEALTH, true));
  EXPECT_THAT(*FindField(shape, "summary.last_updated"),
              Field("summary.last_updated", "string", false, DATA_CATEGORY_INTERNAL, false));
  EXPECT_EQ(FindField(shape, "summary.blood_group")->treatment(), "allow");
}

TEST(CatalogForParticipant, ExpiredAgreementIsListedAsExpiredWithItsTreatments) {
  catalogpb::ListOfferingsResponse response =
      CatalogForParticipant(Snapshot(), "AR/GOV/afip", At("2026-06-01T00:00:00Z"));
  ASSERT_EQ(response.offerings_size(), 1);
  const catalogpb::Offering& offering = response.offerings(0);
  EXPECT_EQ(offering.method(), kVerifyIdentity);
  EXPECT_EQ(offering.validity(), catalogpb::VALIDITY_EXPIRED);
  EXPECT_EQ(offering.days_until_expiry(), -517);
  EXPECT_EQ(offering.highest_category(), pasarela::v1::DATA_CATEGORY_PUBLIC);
  // Only public data is allowed and the default treatment is deny.
  EXPECT_EQ(FindField(offering.response(), "person_found")->treatment(), "allow");
  EXPECT_TRUE(FindField(offering.response(), "person_found")->may_leave());
  EXPECT_EQ(FindField(offering.response(), "verdicts")->category(),
            pasarela::v1::DATA_CATEGORY_INTERNAL);
  EXPECT_EQ(FindField(offering.response(), "verdicts")->treatment(), "deny");
  EXPECT_FALSE(FindField(offering.response(), "verdicts")->may_leave());
  EXPECT_EQ(FindField(offering.request(), "claims.birth_date")->category(),
            pasarela::v1::DATA_CATEGORY_PERSONAL);

  EXPECT_EQ(CatalogForParticipant(Snapshot(), "AR/GOV/afip", At("2024-06-01T00:00:00Z"))
                .offerings(0)
                .validity(),
            catalogpb::VALIDITY_IN_FORCE);
  catalogpb::Offering early =
      CatalogForParticipant(Snapshot(), "AR/GOV/afip", At("2023-12-31T00:00:00Z")).offerings(0);
  EXPECT_EQ(early.validity(), catalogpb::VALIDITY_NOT_YET_IN_FORCE);
}

TEST(CatalogForParticipant, AnswersDifferPerParticipant) {
  absl::Time now = At("2026-06-01T00:00:00Z");
  auto methods = [&](const char* participant) {
    std::vector<std::string> result;
    catalogpb::ListOfferingsResponse response = CatalogForParticipant(Snapshot(), participant, now);
    for (const catalogpb::Offering& offering : response.offerings()) {
      result.push_back(absl::StrCat(offering.method(), " @ ", offering.agreement()));
    }
    return result;
  };
  EXPECT_THAT(methods("AR/GOV/migraciones"),
              ElementsAre(absl::StrCat(kGetPerson, " @ ar-cl-identity-2026"),
                          absl::StrCat(kVerifyIdentity, " @ ar-cl-identity-2026")));
  EXPECT_THAT(methods("BR/GOV/saude"),
              ElementsAre(absl::StrCat(kGetPatientSummary, " @ cl-ar-health-2026")));
  EXPECT_THAT(methods("AR/GOV/afip"),
              ElementsAre(absl::StrCat(kVerifyIdentity, " @ afip-verify-2024")));
  // A provider, an unknown participant and nobody get nothing.
  EXPECT_THAT(methods("CL/GOV/registro-civil"), IsEmpty());
  EXPECT_THAT(methods("UY/GOV/unknown"), IsEmpty());
  EXPECT_THAT(methods(""), IsEmpty());
}

// ---- the gRPC service ----

constexpr char kTestCallerKey[] = "x-test-participant";

class CatalogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    snapshot_ = std::make_shared<PolicySnapshotPtr>(LoadSnapshot());
    service_ = std::make_unique<CatalogService>(
        // The test names the caller in a header; the gateway takes it from the certificate.
        [](const grpc::CallbackServerContext& context) -> absl::StatusOr<std::string> {
          auto it = context.client_metadata().find(kTestCallerKey);
          if (it == context.client_metadata().end()) {
            return absl::UnauthenticatedError("no verified client certificate");
          }
          return std::string(it->second.data(), it->second.size());
        },
        [snapshot = snapshot_] { return *snapshot; }, [] { return At("2026-06-01T00:00:00Z"); });
    grpc::ServerBuilder builder;
    int& port = port_;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = catalogpb::CatalogService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  grpc::Status List(const std::string& caller, catalogpb::ListOfferingsResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!caller.empty()) context.AddMetadata(kTestCallerKey, caller);
    return stub_->ListOfferings(&context, catalogpb::ListOfferingsRequest(), response);
  }

  int port_ = 0;
  std::shared_ptr<PolicySnapshotPtr> snapshot_;
  std::unique_ptr<CatalogService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<catalogpb::CatalogService::Stub> stub_;
};

TEST_F(CatalogServiceTest, EachCallerGetsItsOwnCatalog) {
  catalogpb::ListOfferingsResponse migraciones;
  ASSERT_TRUE(List("AR/GOV/migraciones", &migraciones).ok());
  EXPECT_EQ(migraciones.participant(), "AR/GOV/migraciones");
  EXPECT_EQ(migraciones.gateway(), "CL");
  ASSERT_EQ(migraciones.offerings_size(), 2);
  EXPECT_EQ(migraciones.offerings(0).method(), kGetPerson);

  catalogpb::ListOfferingsResponse saude;
  ASSERT_TRUE(List("BR/GOV/saude", &saude).ok());
  EXPECT_EQ(saude.participant(), "BR/GOV/saude");
  ASSERT_EQ(saude.offerings_size(), 1);
  EXPECT_EQ(saude.offerings(0).method(), kGetPatientSummary);
  EXPECT_EQ(saude.offerings(0).days_until_expiry(), 214);

  // The answer is exactly the builder's for that caller.
  EXPECT_EQ(saude.SerializeAsString(),
            CatalogForParticipant(Snapshot(), "BR/GOV/saude", At("2026-06-01T00:00:00Z"))
                .SerializeAsString());

  catalogpb::ListOfferingsResponse nobody;
  ASSERT_TRUE(List("CL/GOV/registro-civil", &nobody).ok());
  EXPECT_EQ(nobody.offerings_size(), 0);
}

TEST_F(CatalogServiceTest, RefusesAnUnidentifiedCaller) {
  catalogpb::ListOfferingsResponse response;
  grpc::Status status = List("", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "no verified client certificate");
}

TEST_F(CatalogServiceTest, UnavailableWithoutAPolicy) {
  *snapshot_ = nullptr;
  catalogpb::ListOfferingsResponse response;
  grpc::Status status = List("AR/GOV/migraciones", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(CatalogServiceTest, AMalformedRequestIsInvalidArgumentWithAMessage) {
  grpc::GenericStub generic(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  // Field 1 as a length-delimited value whose length runs past the end.
  const std::string garbage = "\x0a\x7f\x01";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer answer;
  grpc::ClientContext context;
  context.AddMetadata(kTestCallerKey, "AR/GOV/migraciones");
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/pasarela.catalog.v1.CatalogService/ListOfferings",
                    grpc::StubOptions(), &request, &answer, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request does not parse as a pasarela.catalog.v1.ListOfferingsRequest");
}

// ---- Markdown and the command ----

std::string Markdown(absl::string_view participant) {
  return CatalogMarkdown(Snapshot().federation(), Snapshot().agreements(), Snapshot().catalog(),
                         Snapshot().classification(), participant, At("2026-06-01T00:00:00Z"));
}

std::vector<std::string> Headings(const std::string& markdown, absl::string_view prefix) {
  std::vector<std::string> headings;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (absl::StartsWith(line, prefix)) headings.push_back(std::string(line));
  }
  return headings;
}

TEST(CatalogMarkdown, OneParticipant) {
  std::string page = Markdown("AR/GOV/migraciones");
  EXPECT_THAT(page, ::testing::StartsWith("# Service catalog\n\nAs of 2026-06-01T00:00:00Z."));
  EXPECT_THAT(Headings(page, "## "), ElementsAre("## AR/GOV/migraciones"));
  EXPECT_THAT(
      Headings(page, "### "),
      ElementsAre(absl::StrCat("### `", kGetPerson,
                               "` from CL/GOV/registro-civil under `ar-cl-identity-2026`"),
                  absl::StrCat("### `", kVerifyIdentity,
                               "` from CL/GOV/registro-civil under `ar-cl-identity-2026`")));
  EXPECT_THAT(page,
              HasSubstr("| method | provider | agreement | in force |\n"
                        "|---|---|---|---|\n"
                        "| `pasarela.identity.v1.IdentityService/GetPerson` | "
                        "CL/GOV/registro-civil | `ar-cl-identity-2026` | yes, 578 days left |\n"
                        "| `pasarela.identity.v1.IdentityService/VerifyIdentity` | "
                        "CL/GOV/registro-civil | `ar-cl-identity-2026` | yes, 578 days left |\n"));
  EXPECT_THAT(page, HasSubstr("- Purposes: border-control\n"));
  EXPECT_THAT(page, HasSubstr("- Validity: from 2026-01-01T00:00:00Z until 2027-12-31T23:59:59Z; "
                              "in force, 578 days left\n"));
  EXPECT_THAT(page, HasSubstr("- Legal basis: Identity verification of travellers at the border, "
                              "under the bilateral agreement. (Ley 19.628 art. 4; Ley 25.326 art. "
                              "12)\n"));
  EXPECT_THAT(page, HasSubstr("- Quota: 20 requests per second, in bursts of up to 40\n"));
  EXPECT_THAT(page, HasSubstr("- Retention: the consumer may keep what it receives for 30 days "
                              "(P30D)\n"));
  EXPECT_THAT(page, HasSubstr("- Personal data that may cross: up to personal_identifier\n"));
  EXPECT_THAT(page, HasSubstr("Request `pasarela.identity.v1.GetPersonRequest`:\n\n"
                              "| field | type | category |\n|---|---|---|\n"
                              "| `identifier` | message pasarela.identity.v1.PersonIdentifier | "
                              "internal |\n"
                              "| `identifier.issuing_country` | string | public |\n"));
  EXPECT_THAT(page, HasSubstr("| `person.identifiers` | repeated message "
                              "pasarela.identity.v1.PersonIdentifier | personal | yes | allowed |\n"
                              "| `person.identifiers.issuing_country` | string | public | no, "
                              "withheld | allowed |\n"));
  EXPECT_THAT(page, HasSubstr("| `person.address` | message pasarela.identity.v1.Address | "
                              "personal | no, withheld | allowed |\n"));
  EXPECT_THAT(page, Not(HasSubstr("AR/GOV/afip")));
}

TEST(CatalogMarkdown, EveryParticipantInNameOrder) {
  std::string page = Markdown("");
  EXPECT_THAT(Headings(page, "## "),
              ElementsAre("## AR/GOV/afip", "## AR/GOV/hospital-garrahan", "## AR/GOV/migraciones",
                          "## BR/GOV/saude", "## CL/GOV/minsal", "## CL/GOV/registro-civil"));
  EXPECT_THAT(page, HasSubstr("## AR/GOV/hospital-garrahan\n\nNo agreement lets "
                              "AR/GOV/hospital-garrahan call any method.\n"));
  EXPECT_THAT(page, HasSubstr("| `pasarela.identity.v1.IdentityService/VerifyIdentity` | "
                              "CL/GOV/registro-civil | `afip-verify-2024` | expired "
                              "(2024-12-31T23:59:59Z) |\n"));
  EXPECT_THAT(page, HasSubstr("- Agreement: Tax identity checks | pilot\n"));
  EXPECT_THAT(page, HasSubstr("- Validity: from 2024-01-01T00:00:00Z until 2024-12-31T23:59:59Z; "
                              "expired, calls are refused\n"));
  EXPECT_THAT(page,
              HasSubstr("| `verdicts` | repeated message pasarela.identity.v1.AttributeVerdict "
                        "| internal | no, withheld | deny |\n"));
  EXPECT_THAT(page, HasSubstr("- Personal data that may cross: up to personal_identifier, and by "
                              "name health\n"));
  EXPECT_THAT(page, HasSubstr("- Quota: 2.5 requests per second, in bursts of up to 5\n"));
  // Minsal and Saude hold the same agreement: both sections list it.
  EXPECT_EQ(Headings(page, absl::StrCat("### `", kGetPatientSummary, "`")).size(), 2u);
}

TEST(CatalogCommand, WritesTheMarkdownPage) {
  std::ostringstream out;
  std::ostringstream err;
  int status =
      RunCatalogCommand({"--policy", PolicyDir(), "--descriptor-set", PASARELA_DESCRIPTOR_SET,
                         "--participant", "AR/GOV/migraciones", "--at", "2026-06-01T00:00:00Z"},
                        out, err);
  EXPECT_EQ(status, 0) << err.str();
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(out.str(), Markdown("AR/GOV/migraciones"));

  std::ostringstream all;
  EXPECT_EQ(RunCatalogCommand({"--policy", PolicyDir(), "--descriptor-set", PASARELA_DESCRIPTOR_SET,
                               "--at", "2026-06-01T00:00:00Z"},
                              all, err),
            0);
  EXPECT_EQ(all.str(), Markdown(""));
}

TEST(CatalogCommand, UsageAndPolicyErrors) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunCatalogCommand({}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--policy DIR is required"));
  err.str("");
  EXPECT_EQ(RunCatalogCommand({"--policy", PolicyDir(), "--at", "tomorrow"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--at 'tomorrow': expected an RFC 3339 time"));
  err.str("");
  EXPECT_EQ(RunCatalogCommand({"--policy", PolicyDir(), "--frobnicate"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unexpected argument '--frobnicate'"));
  err.str("");
  EXPECT_EQ(RunCatalogCommand({"--policy", PolicyDir(), "--policy", PolicyDir()}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("pasarela catalog: --policy given twice\n"));
  err.str("");
  EXPECT_EQ(RunCatalogCommand({"--policy", PolicyDir(), "--participant"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("pasarela catalog: --participant needs a value\n"));
  err.str("");
  std::string missing = absl::StrCat(::testing::TempDir(), "/no-such-policy");
  EXPECT_EQ(RunCatalogCommand({"--policy", missing, "--descriptor-set", PASARELA_DESCRIPTOR_SET},
                              out, err),
            1);
  EXPECT_THAT(err.str(), HasSubstr(missing +
                                   ": error: cannot read the policy directory: No such "
                                   "file or directory\n1 error in " +
                                   missing));
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace pasarela::admin
