// PersonalDataMinimiser: each treatment on a declared field and on a CPF hidden in a health note,
// deny naming the field, pseudonyms that link, and the pieces of the treatments.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/classify/minimiser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/classify/classification_test_util.h"

namespace pasarela::classify {
namespace {

using ::pasarela::classify::testing::DefaultPolicy;
using ::pasarela::classify::testing::ParseText;
using ::pasarela::classify::testing::Text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kCpf[] = "390.533.447-05";

std::vector<std::string> Treated(const MinimisationReport& report) {
  std::vector<std::string> out;
  for (const TreatedData& data : report.treated) {
    out.push_back(absl::StrCat(
        data.path, " ", DataCategoryName(data.category), " ",
        data.detected ? absl::StrCat("detected by ", data.detector) : std::string("declared"), " ",
        DataTreatmentName(data.treatment)));
  }
  return out;
}

// An agreement for the health pilot: up to personal, health by name, and `identifiers` for
// personal_identifier data.
PersonalDataPolicy HealthAgreement(DataTreatment identifiers) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonal;
  rules.also_allowed = {DataCategory::kHealth};
  rules.default_treatment = DataTreatment::kDeny;
  rules.beyond[DataCategory::kPersonalIdentifier] = identifiers;
  rules.mask_keep_last = 4;
  return rules;
}

PersonalDataMinimiserPtr Minimiser(const PersonalDataPolicy& rules, std::string key = kKey) {
  absl::StatusOr<PersonalDataMinimiserPtr> minimiser =
      PersonalDataMinimiser::Create(DefaultPolicy(), rules, std::move(key));
  EXPECT_TRUE(minimiser.ok()) << minimiser.status();
  return minimiser.ok() ? *std::move(minimiser) : nullptr;
}

constexpr char kSummary[] = R"pb(
  summary {
    patient_identifier { issuing_country: "BR" scheme: "BR-CPF" value: "39053344705" }
    given_names: "Ana"
    problems {
      condition { code: "I10" }
      note: "Hipertensão controlada."
    }
    problems { condition { code: "E11" } }
    problems {
      condition { code: "I21" }
      status: "active"
      note: "Encaminhada pelo posto; CPF 390.533.447-05 conferido na admissão."
    }
  }
)pb";

// The same without the declared identifier, so that only the note carries one.
constexpr char kSummaryNoteOnly[] = R"pb(
  summary {
    given_names: "Ana"
    problems {
      condition { code: "I10" }
      note: "Hipertensão controlada."
    }
    problems { condition { code: "E11" } }
    problems {
      condition { code: "I21" }
      status: "active"
      note: "Encaminhada pelo posto; CPF 390.533.447-05 conferido na admissão."
    }
  }
)pb";

std::string NoteWith(const std::string& replacement) {
  return absl::StrCat("Encaminhada pelo posto; CPF ", replacement, " conferido na admissão.");
}

class CpfInHealthNoteTest : public ::testing::Test {
 protected:
  // Minimises kSummary under HealthAgreement(treatment); returns the report.
  MinimisationReport Run(DataTreatment treatment) {
    message_ = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummary);
    PersonalDataMinimiserPtr minimiser = Minimiser(HealthAgreement(treatment));
    absl::StatusOr<MinimisationReport> report = minimiser->Minimise(message_.get(), &summary_);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : MinimisationReport{};
  }

  std::string Field(const std::string& path) {
    const auto* reflection = message_->GetReflection();
    const google::protobuf::Message& summary =
        reflection->GetMessage(*message_, message_->GetDescriptor()->FindFieldByName("summary"));
    if (path == "value") {
      const auto& id = summary.GetReflection()->GetMessage(
          summary, summary.GetDescriptor()->FindFieldByName("patient_identifier"));
      return id.GetReflection()->GetString(id, id.GetDescriptor()->FindFieldByName("value"));
    }
    const auto& problem = summary.GetReflection()->GetRepeatedMessage(
        summary, summary.GetDescriptor()->FindFieldByName("problems"), 2);
    return problem.GetReflection()->GetString(problem,
                                              problem.GetDescriptor()->FindFieldByName(path));
  }

  std::unique_ptr<google::protobuf::Message> message_;
  ClassificationSummary summary_;
};

TEST_F(CpfInHealthNoteTest, Allow) {
  MinimisationReport report = Run(DataTreatment::kAllow);
  EXPECT_EQ(Field("value"), "39053344705");
  EXPECT_EQ(Field("note"), NoteWith(kCpf));
  EXPECT_THAT(Treated(report),
              ElementsAre("summary.patient_identifier.value personal_identifier declared allow",
                          "summary.problems[2].note personal_identifier detected by CPF allow"));
  EXPECT_FALSE(report.changed());
  EXPECT_EQ(report.TrailerValue(), "");
  EXPECT_EQ(summary_.undeclared.size(), 1u);
}

TEST_F(CpfInHealthNoteTest, Drop) {
  MinimisationReport report = Run(DataTreatment::kDrop);
  EXPECT_EQ(Field("value"), "");
  EXPECT_EQ(Field("note"), "");
  EXPECT_EQ(Field("status"), "active");  // the rest of the problem stays
  EXPECT_THAT(Treated(report),
              ElementsAre("summary.patient_identifier.value personal_identifier declared drop",
                          "summary.problems[2].note personal_identifier detected by CPF drop"));
  EXPECT_EQ(report.TrailerValue(),
            "summary.patient_identifier.value:personal_identifier:drop,"
            "summary.problems[2].note:personal_identifier:drop");
  EXPECT_THAT(Text(*message_), HasSubstr("controlada."));  // other notes stay
}

TEST_F(CpfInHealthNoteTest, Redact) {
  Run(DataTreatment::kRedact);
  EXPECT_EQ(Field("value"), "[redacted: personal_identifier]");
  EXPECT_EQ(Field("note"), NoteWith("[redacted: personal_identifier]"));
}

TEST_F(CpfInHealthNoteTest, Mask) {
  Run(DataTreatment::kMask);
  EXPECT_EQ(Field("value"), "*******4705");
  EXPECT_EQ(Field("note"), NoteWith("**********7-05"));
}

TEST_F(CpfInHealthNoteTest, PseudonymiseLinksTheNoteToTheIdentifier) {
  MinimisationReport report = Run(DataTreatment::kPseudonymise);
  std::string pseudonym = Pseudonym(kKey, DataCategory::kPersonalIdentifier, "39053344705");
  EXPECT_EQ(pseudonym.size(), 64u);
  EXPECT_EQ(Field("value"), pseudonym);
  EXPECT_EQ(Field("note"), NoteWith(pseudonym));
  EXPECT_THAT(
      Treated(report),
      ElementsAre("summary.patient_identifier.value personal_identifier declared pseudonymise",
                  "summary.problems[2].note personal_identifier detected by CPF pseudonymise"));
  // Stable across calls.
  std::string first = Text(*message_);
  Run(DataTreatment::kPseudonymise);
  EXPECT_EQ(Text(*message_), first);
}

TEST(MinimiserTest, DenyNamesTheCategoryAndTheFieldAndChangesNothing) {
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummaryNoteOnly);
  std::string before = Text(*message);
  ClassificationSummary summary;
  absl::StatusOr<MinimisationReport> report =
      Minimiser(HealthAgreement(DataTreatment::kDeny))->Minimise(message.get(), &summary);
  ASSERT_EQ(report.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(report.status().message(),
            "the agreement denies the exchange: data of category personal_identifier "
            "(undeclared, found by CPF) at summary.problems[2].note");
  EXPECT_EQ(Text(*message), before);
  EXPECT_EQ(summary.undeclared.size(), 1u);  // the summary is there for the audit record
}

TEST(MinimiserTest, DenyOfADeclaredField) {
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummary);
  absl::StatusOr<MinimisationReport> report =
      Minimiser(HealthAgreement(DataTreatment::kDeny))->Minimise(message.get());
  ASSERT_EQ(report.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(
      report.status().message(),
      HasSubstr("data of category personal_identifier at summary.patient_identifier.value"));
}

TEST(MinimiserTest, SensitiveCategoryNotAllowedIsTreatedByItsOwnRule) {
  // Identity only: health is not allowed and is dropped; the CPF in the dropped note no longer
  // matters.
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonalIdentifier;
  rules.default_treatment = DataTreatment::kDrop;
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummary);
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Text(*message),
            "summary { patient_identifier { issuing_country: \"BR\" scheme: \"BR-CPF\" value: "
            "\"39053344705\" } given_names: \"Ana\" problems { condition { } } problems { "
            "condition { } } problems { condition { } } }");
  EXPECT_THAT(Treated(*report),
              ElementsAre("summary.problems[0].condition.code health declared drop",
                          "summary.problems[0].note health declared drop",
                          "summary.problems[1].condition.code health declared drop",
                          "summary.problems[2].condition.code health declared drop",
                          "summary.problems[2].status health declared drop",
                          "summary.problems[2].note health declared drop"));
}

TEST(MinimiserTest, SpansAreTreatedBeforeTheWholeField) {
  // Health is not allowed and masked; the CPF in the note is pseudonymised first, so the last
  // characters left visible are not the CPF's.
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonal;
  rules.default_treatment = DataTreatment::kMask;
  rules.beyond[DataCategory::kPersonalIdentifier] = DataTreatment::kPseudonymise;
  rules.mask_keep_last = 6;
  auto message = ParseText("pasarela.classifytest.v1.Record",
                           R"pb(notes: "ok" notes: "paciente CPF 390.533.447-05")pb");
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  std::string pseudonym = Pseudonym(kKey, DataCategory::kPersonalIdentifier, kCpf);
  EXPECT_EQ(Text(*message), absl::StrCat("notes: \"**\" notes: \"", std::string(13 + 64 - 6, '*'),
                                         pseudonym.substr(58), "\""));
  EXPECT_THAT(Treated(*report),
              ElementsAre("notes health declared mask",
                          "notes[1] personal_identifier detected by CPF pseudonymise"));
}

TEST(MinimiserTest, DetectedDropRemovesOnlyThatElement) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonal;
  rules.default_treatment = DataTreatment::kDrop;
  auto message = ParseText("pasarela.classifytest.v1.Record",
                           R"pb(aliases: "Aninha"
                                aliases: "CPF 390.533.447-05"
                                aliases: "Ana"
                                aliases: "RUT 12.531.909-2")pb");
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Text(*message), "aliases: \"Aninha\" aliases: \"Ana\"");
  EXPECT_EQ(report->TrailerValue(),
            "aliases[1]:personal_identifier:drop,aliases[3]:personal_identifier:drop");
}

// Map entries are edited through the map's own accessors, so the edit survives serialization.
TEST(MinimiserTest, MapEntriesAreTreatedAndSerialised) {
  PersonalDataMinimiserPtr minimiser = Minimiser(HealthAgreement(DataTreatment::kRedact));
  auto message = ParseText("pasarela.classifytest.v1.Record",
                           R"pb(labels { key: "nota" value: "CPF 390.533.447-05" })pb");
  absl::StatusOr<MinimisationReport> report = minimiser->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  auto parsed = ParseText("pasarela.classifytest.v1.Record", "");
  ASSERT_TRUE(parsed->ParseFromString(message->SerializeAsString()));
  EXPECT_EQ(Text(*parsed),
            "labels { key: \"nota\" value: \"CPF [redacted: personal_identifier]\" }");
  EXPECT_EQ(report->TrailerValue(), "labels[0].value:personal_identifier:redact");
}

TEST(MinimiserTest, NonStringsAreClearedByRedactMaskAndPseudonymise) {
  for (DataTreatment treatment :
       {DataTreatment::kRedact, DataTreatment::kMask, DataTreatment::kPseudonymise}) {
    PersonalDataPolicy rules;
    rules.highest_category = DataCategory::kInternal;
    rules.default_treatment = treatment;
    auto message = ParseText("pasarela.classifytest.v1.Record",
                             R"pb(age: 42 photo: "\x01\x02" free_text: "ok")pb");
    absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(Text(*message), "free_text: \"ok\"") << DataTreatmentName(treatment);
  }
}

TEST(MinimiserTest, UnknownFieldsAndExtensionsAreRemoved) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonalIdentifier;
  auto message = ParseText("pasarela.classifytest.v1.Extensible",
                           R"pb(name: "x"
                                [pasarela.classifytest.v1.extra]: "y")pb");
  message->GetReflection()->MutableUnknownFields(message.get())->AddVarint(77, 1);
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Text(*message), "name: \"x\"");
  EXPECT_THAT(report->removed_unclassified, ElementsAre("[pasarela.classifytest.v1.extra]", "#77"));
  EXPECT_EQ(report->TrailerValue(),
            "[pasarela.classifytest.v1.extra]:unclassified:drop,#77:unclassified:drop");
}

TEST(MinimiserTest, AllowedDataIsLeftAlone) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonalIdentifier;
  rules.also_allowed = {DataCategory::kHealth};
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummary);
  std::string before = Text(*message);
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Text(*message), before);
  EXPECT_THAT(report->treated, IsEmpty());
}

// The health pilot's agreement: identifiers allowed (the patient's own, in its declared field),
// but an identifier found in a free-text note is masked.
TEST(MinimiserTest, UndeclaredDataOfAnAllowedCategoryGetsTheUndeclaredTreatment) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonalIdentifier;
  rules.also_allowed = {DataCategory::kHealth};
  rules.undeclared = DataTreatment::kMask;
  rules.mask_keep_last = 3;
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummary);
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  const std::string text = Text(*message);
  EXPECT_THAT(text, HasSubstr("value: \"39053344705\""));  // the declared identifier stays
  EXPECT_THAT(text, HasSubstr("CPF ***********-05"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr(kCpf)));
  EXPECT_THAT(Treated(*report),
              ElementsAre("summary.problems[2].note personal_identifier detected by CPF mask"));
}

TEST(MinimiserTest, UndeclaredDenyRefusesTheExchange) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonalIdentifier;
  rules.also_allowed = {DataCategory::kHealth};
  rules.undeclared = DataTreatment::kDeny;
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kSummary);
  const std::string before = Text(*message);
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(report.status().message(), HasSubstr("undeclared, found by CPF"));
  EXPECT_EQ(Text(*message), before);
}

// A category the agreement does not allow keeps its own treatment, whatever `undeclared` says.
TEST(MinimiserTest, UndeclaredDoesNotLoosenACategoryThatIsNotAllowed) {
  PersonalDataPolicy rules = HealthAgreement(DataTreatment::kRedact);
  rules.undeclared = DataTreatment::kAllow;
  auto message =
      ParseText("pasarela.classifytest.v1.Record", R"pb(notes: "paciente CPF 390.533.447-05")pb");
  absl::StatusOr<MinimisationReport> report = Minimiser(rules)->Minimise(message.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Text(*message), "notes: \"paciente CPF [redacted: personal_identifier]\"");
}

TEST(MinimiserTest, UndeclaredPseudonymiseNeedsAKey) {
  PersonalDataPolicy rules;
  rules.highest_category = DataCategory::kPersonalIdentifier;
  rules.undeclared = DataTreatment::kPseudonymise;
  EXPECT_EQ(PersonalDataMinimiser::Create(DefaultPolicy(), rules, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MinimiserTest, PseudonymiseNeedsAKey) {
  EXPECT_EQ(PersonalDataMinimiser::Create(DefaultPolicy(),
                                          HealthAgreement(DataTreatment::kPseudonymise), "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      PersonalDataMinimiser::Create(DefaultPolicy(), HealthAgreement(DataTreatment::kRedact), "")
          .ok());
}

TEST(TreatmentTest, MaskKeepsTheLastCharacters) {
  EXPECT_EQ(MaskValue("39053344705", 4), "*******4705");
  EXPECT_EQ(MaskValue("González", 3), "*****lez");
  EXPECT_EQ(MaskValue("Gonzá", 2), "***zá");
  EXPECT_EQ(MaskValue("O+", 4), "**");
  EXPECT_EQ(MaskValue("abcd", 4), "****");
  EXPECT_EQ(MaskValue("abc", 0), "***");
  EXPECT_EQ(MaskValue("", 4), "");
}

TEST(TreatmentTest, RedactionMarkerNamesTheCategory) {
  EXPECT_EQ(RedactionMarker(DataCategory::kPersonalIdentifier), "[redacted: personal_identifier]");
  EXPECT_EQ(RedactionMarker(DataCategory::kHealth), "[redacted: health]");
}

TEST(TreatmentTest, PseudonymsAreStableNormalisedAndKeyed) {
  std::string a = Pseudonym("k1", DataCategory::kPersonalIdentifier, "390.533.447-05");
  EXPECT_EQ(a, Pseudonym("k1", DataCategory::kPersonalIdentifier, "39053344705"));
  EXPECT_EQ(Pseudonym("k1", DataCategory::kPersonalIdentifier, "12.531.909-k"),
            Pseudonym("k1", DataCategory::kPersonalIdentifier, "12531909K"));
  EXPECT_NE(a, Pseudonym("k2", DataCategory::kPersonalIdentifier, "39053344705"));
  // Other categories are taken as written.
  EXPECT_NE(Pseudonym("k1", DataCategory::kPersonal, "Ana"),
            Pseudonym("k1", DataCategory::kPersonal, "ANA"));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(TreatmentTest, PseudonymKeysDifferPerAgreement) {
  std::string gateway_key(32, 'g');
  std::string a = DerivePseudonymKey(gateway_key, "ar-cl-identity-2026");
  std::string b = DerivePseudonymKey(gateway_key, "cl-ar-health-2026");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, DerivePseudonymKey(gateway_key, "ar-cl-identity-2026"));
}

}  // namespace
}  // namespace pasarela::classify
