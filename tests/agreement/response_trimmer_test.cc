// Data minimisation: responses built as DynamicMessages from the runtime descriptor set, trimmed
// to an agreement's allow-list.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/unknown_field_set.h>

#include <memory>
#include <string>

#include "gateway/agreement/agreement_book.h"
#include "gateway/agreement/response_trimmer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agreement/agreement_test_util.h"

namespace pasarela {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DynamicMessageFactory;
using ::google::protobuf::Message;
using ::google::protobuf::TextFormat;
using ::pasarela::testing::LoadTestBook;
using ::pasarela::testing::TestCatalog;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ResponseTrimmerTest : public ::testing::Test {
 protected:
  const Descriptor* Type(const std::string& name) {
    const Descriptor* type = TestCatalog().pool().FindMessageTypeByName(name);
    EXPECT_NE(type, nullptr) << name;
    return type;
  }

  // A DynamicMessage of `type` from text format.
  std::unique_ptr<Message> Parse(const std::string& type, const std::string& text) {
    std::unique_ptr<Message> message(factory_.GetPrototype(Type(type))->New());
    EXPECT_TRUE(TextFormat::ParseFromString(text, message.get())) << text;
    return message;
  }

  std::string Text(const Message& message) {
    std::string text;
    TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.PrintToString(message, &text);
    return text;
  }

  // The trimmer of the test book's health agreement (its book kept in the fixture).
  const ResponseTrimmer* HealthSummaryTrimmer() {
    book_ = LoadTestBook("valid");
    const ResponseTrimmer* trimmer = book_.FindTrimmer(
        "cl-ar-health-2026", "pasarela.health.v1.PatientSummaryService/GetPatientSummary");
    EXPECT_NE(trimmer, nullptr);
    return trimmer;
  }

  DynamicMessageFactory factory_{&TestCatalog().pool()};
  AgreementBook book_;
};

constexpr char kFullPerson[] = R"pb(
  person {
    identifiers { issuing_country: "CL" scheme: "CL-RUN" value: "12531909-2" }
    given_names: "Ana"
    given_names: "María"
    family_names: "Rojas"
    birth_date: "1984-03-09"
    sex: SEX_FEMALE
    nationalities: "CL"
    place_of_birth: "Valparaíso"
    address { lines: "Av. Brasil 123" locality: "Valparaíso" country: "CL" }
    birth_name: "Ana María Rojas"
  }
)pb";

TEST_F(ResponseTrimmerTest, TrimsExtraFieldsAndSaysWhich) {
  AgreementBook book = LoadTestBook("valid");
  const ResponseTrimmer* trimmer =
      book.FindTrimmer("ar-cl-identity-2026", "pasarela.identity.v1.IdentityService/GetPerson");
  ASSERT_NE(trimmer, nullptr);
  std::unique_ptr<Message> response = Parse("pasarela.identity.v1.GetPersonResponse", kFullPerson);
  ASSERT_EQ(response->GetDescriptor()->file()->pool(), &TestCatalog().pool());

  TrimReport report = trimmer->Trim(response.get());

  EXPECT_TRUE(report.trimmed());
  EXPECT_THAT(report.withheld,
              ElementsAre("person.sex", "person.nationalities", "person.place_of_birth",
                          "person.address", "person.birth_name"));
  EXPECT_EQ(Text(*response),
            "person { identifiers { issuing_country: \"CL\" scheme: \"CL-RUN\" value: "
            "\"12531909-2\" } given_names: \"Ana\" given_names: \"Mar\\303\\255a\" "
            "family_names: \"Rojas\" birth_date: \"1984-03-09\" } ");
}

TEST_F(ResponseTrimmerTest, AnAllowedResponseIsLeftAlone) {
  AgreementBook book = LoadTestBook("valid");
  const ResponseTrimmer* trimmer = book.FindTrimmer(
      "ar-cl-identity-2026", "pasarela.identity.v1.IdentityService/VerifyIdentity");
  ASSERT_NE(trimmer, nullptr);
  const std::string text =
      "person_found: true verdicts { attribute: \"family_names\" verdict: VERDICT_MATCH } ";
  std::unique_ptr<Message> response = Parse("pasarela.identity.v1.VerifyIdentityResponse", text);
  TrimReport report = trimmer->Trim(response.get());
  EXPECT_FALSE(report.trimmed());
  EXPECT_THAT(report.withheld, IsEmpty());
  EXPECT_EQ(Text(*response), text);
}

TEST_F(ResponseTrimmerTest, NestedAndRepeatedFields) {
  const ResponseTrimmer* trimmer = HealthSummaryTrimmer();
  ASSERT_NE(trimmer, nullptr);
  std::unique_ptr<Message> response = Parse("pasarela.health.v1.GetPatientSummaryResponse", R"pb(
    summary {
      patient_identifier { issuing_country: "AR" scheme: "AR-DNI" value: "30123456" }
      given_names: "Juan"
      sex: SEX_MALE
      medications {
        medication { system: "http://www.whocc.no/atc" code: "C09AA02" }
        dosage: "10 mg"
        status: "active"
      }
      medications {
        medication { code: "A10BA02" }
        dosage: "850 mg"
        note: "with meals"
      }
      allergies {
        substance { code: "91936005" display: "Penicillin" }
        criticality: "high"
        note: "anaphylaxis 2019"
      }
      problems { condition { code: "E11" } }
      blood_group: "O+"
      last_updated: "2026-05-01T10:00:00Z"
    }
  )pb");

  TrimReport report = trimmer->Trim(response.get());

  EXPECT_THAT(
      report.withheld,
      ElementsAre("summary.patient_identifier.issuing_country", "summary.patient_identifier.scheme",
                  "summary.sex", "summary.medications.dosage", "summary.medications.status",
                  "summary.medications.note", "summary.problems", "summary.last_updated"));
  EXPECT_EQ(Text(*response),
            "summary { patient_identifier { value: \"30123456\" } given_names: \"Juan\" "
            "medications { medication { system: \"http://www.whocc.no/atc\" code: \"C09AA02\" } } "
            "medications { medication { code: \"A10BA02\" } } "
            "allergies { substance { code: \"91936005\" display: \"Penicillin\" } criticality: "
            "\"high\" note: \"anaphylaxis 2019\" } blood_group: \"O+\" } ");
}

TEST_F(ResponseTrimmerTest, APathWithheldInEachElementIsReportedOnceWhetherFewOrMany) {
  const ResponseTrimmer* trimmer = HealthSummaryTrimmer();
  ASSERT_NE(trimmer, nullptr);
  // Three paths withheld four times in all, then the same field in twelve elements.
  std::unique_ptr<Message> few = Parse("pasarela.health.v1.GetPatientSummaryResponse", R"pb(
    summary {
      sex: SEX_MALE
      medications { dosage: "10 mg" }
      medications { dosage: "850 mg" }
      last_updated: "2026-05-01T10:00:00Z"
    }
  )pb");
  EXPECT_THAT(trimmer->Trim(few.get()).withheld,
              ElementsAre("summary.sex", "summary.medications.dosage", "summary.last_updated"));
  std::string many_text = "summary { sex: SEX_MALE ";
  for (int i = 0; i < 12; ++i) many_text += "medications { dosage: \"1 mg\" } ";
  many_text += "last_updated: \"2026-05-01T10:00:00Z\" }";
  std::unique_ptr<Message> many = Parse("pasarela.health.v1.GetPatientSummaryResponse", many_text);
  EXPECT_THAT(trimmer->Trim(many.get()).withheld,
              ElementsAre("summary.sex", "summary.medications.dosage", "summary.last_updated"));
}

TEST_F(ResponseTrimmerTest, UnknownFieldsNeverCross) {
  absl::StatusOr<ResponseTrimmerPtr> trimmer = ResponseTrimmer::Create(
      Type("pasarela.identity.v1.GetPersonResponse"), {"person.identifiers", "person.given_names"});
  ASSERT_TRUE(trimmer.ok()) << trimmer.status();
  std::unique_ptr<Message> response = Parse("pasarela.identity.v1.GetPersonResponse", kFullPerson);
  const auto* reflection = response->GetReflection();
  reflection->MutableUnknownFields(response.get())->AddVarint(50, 1);
  Message* person = reflection->MutableMessage(
      response.get(), Type("pasarela.identity.v1.GetPersonResponse")->FindFieldByName("person"));
  person->GetReflection()->MutableUnknownFields(person)->AddLengthDelimited(99, "secret");
  // Inside a subtree that is allowed whole, too.
  Message* identifier = person->GetReflection()->MutableRepeatedMessage(
      person, person->GetDescriptor()->FindFieldByName("identifiers"), 0);
  identifier->GetReflection()->MutableUnknownFields(identifier)->AddFixed32(7, 42);

  TrimReport report = (*trimmer)->Trim(response.get());

  EXPECT_THAT(report.withheld,
              ElementsAre("#50", "person.#99", "person.identifiers.#7", "person.family_names",
                          "person.birth_date", "person.sex", "person.nationalities",
                          "person.place_of_birth", "person.address", "person.birth_name"));
  std::string bytes;
  ASSERT_TRUE(response->SerializeToString(&bytes));
  EXPECT_EQ(bytes.find("secret"), std::string::npos);
  EXPECT_EQ(Text(*response),
            "person { identifiers { issuing_country: \"CL\" scheme: \"CL-RUN\" value: "
            "\"12531909-2\" } given_names: \"Ana\" given_names: \"Mar\\303\\255a\" } ");
}

TEST_F(ResponseTrimmerTest, AParentKeepsOnlyItsAllowedChildrenAndAWholePathWins) {
  const Descriptor* type = Type("pasarela.identity.v1.GetPersonResponse");
  absl::StatusOr<ResponseTrimmerPtr> partial =
      ResponseTrimmer::Create(type, {"person.address.locality", "person.identifiers.value"});
  ASSERT_TRUE(partial.ok()) << partial.status();
  std::unique_ptr<Message> response = Parse("pasarela.identity.v1.GetPersonResponse", kFullPerson);
  TrimReport report = (*partial)->Trim(response.get());
  EXPECT_EQ(Text(*response),
            "person { identifiers { value: \"12531909-2\" } address { locality: "
            "\"Valpara\\303\\255so\" } } ");
  EXPECT_THAT(report.withheld,
              ElementsAre("person.identifiers.issuing_country", "person.identifiers.scheme",
                          "person.given_names", "person.family_names", "person.birth_date",
                          "person.sex", "person.nationalities", "person.place_of_birth",
                          "person.address.lines", "person.address.country", "person.birth_name"));

  // "person" allowed whole makes "person.address.locality" moot, in either order.
  for (const std::vector<std::string>& paths :
       {std::vector<std::string>{"person.address.locality", "person"},
        std::vector<std::string>{"person", "person.address.locality"}}) {
    absl::StatusOr<ResponseTrimmerPtr> whole = ResponseTrimmer::Create(type, paths);
    ASSERT_TRUE(whole.ok());
    std::unique_ptr<Message> full = Parse("pasarela.identity.v1.GetPersonResponse", kFullPerson);
    const std::string before = Text(*full);
    EXPECT_FALSE((*whole)->Trim(full.get()).trimmed());
    EXPECT_EQ(Text(*full), before);
  }
}

TEST_F(ResponseTrimmerTest, AnEmptyAllowListLetsNothingCross) {
  absl::StatusOr<ResponseTrimmerPtr> trimmer =
      ResponseTrimmer::Create(Type("pasarela.identity.v1.GetPersonResponse"), {});
  ASSERT_TRUE(trimmer.ok());
  std::unique_ptr<Message> response = Parse("pasarela.identity.v1.GetPersonResponse", kFullPerson);
  EXPECT_THAT((*trimmer)->Trim(response.get()).withheld, ElementsAre("person"));
  EXPECT_EQ(response->ByteSizeLong(), 0u);
}

TEST_F(ResponseTrimmerTest, AResponseOfAnotherTypeIsClearedWhole) {
  absl::StatusOr<ResponseTrimmerPtr> trimmer =
      ResponseTrimmer::Create(Type("pasarela.identity.v1.GetPersonResponse"), {"person"});
  ASSERT_TRUE(trimmer.ok());
  std::unique_ptr<Message> other =
      Parse("pasarela.identity.v1.VerifyIdentityResponse", "person_found: true");
  EXPECT_THAT((*trimmer)->Trim(other.get()).withheld, ElementsAre("*"));
  EXPECT_EQ(other->ByteSizeLong(), 0u);
}

TEST_F(ResponseTrimmerTest, PathsThatLeaveTheSchemaAreRefused) {
  const Descriptor* type = Type("pasarela.identity.v1.GetPersonResponse");
  struct BadPath {
    const char* path;
    const char* message;
  };
  for (const BadPath& bad : {
           BadPath{"person.adress",
                   "'person.adress' does not exist in pasarela.identity.v1.GetPersonResponse: "
                   "pasarela.identity.v1.Person has no field 'adress' (did you mean 'address'?)"},
           BadPath{"persons",
                   "'persons' does not exist in pasarela.identity.v1.GetPersonResponse: "
                   "pasarela.identity.v1.GetPersonResponse has no field 'persons' (did you mean "
                   "'person'?)"},
           BadPath{"person.birth_date.year",
                   "'person.birth_date.year' goes on past person.birth_date, which is a string, "
                   "not a message"},
           BadPath{"person.sex.value",
                   "'person.sex.value' goes on past person.sex, which is an enum, not a message"},
           BadPath{"person..given_names",
                   "'person..given_names' is not a field path: expected field names separated by "
                   "single dots"},
           BadPath{"", "'' is not a field path: expected field names separated by single dots"},
       }) {
    absl::StatusOr<ResponseTrimmerPtr> trimmer =
        ResponseTrimmer::Create(type, {"person", bad.path});
    EXPECT_EQ(trimmer.status().code(), absl::StatusCode::kInvalidArgument) << bad.path;
    EXPECT_EQ(trimmer.status().message(), bad.message);
  }
}

TEST_F(ResponseTrimmerTest, MapsAreAllowedOnlyWhole) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(TextFormat::ParseFromString(
      R"pb(
        name: "labels.proto"
        package: "t"
        syntax: "proto3"
        message_type {
          name: "Labelled"
          field {
            name: "labels"
            number: 1
            label: LABEL_REPEATED
            type: TYPE_MESSAGE
            type_name: ".t.Labelled.LabelsEntry"
          }
          field { name: "note" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
          nested_type {
            name: "LabelsEntry"
            options { map_entry: true }
            field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
            field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
          }
        }
      )pb",
      &file));
  google::protobuf::DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  const Descriptor* type = pool.FindMessageTypeByName("t.Labelled");
  EXPECT_EQ(ResponseTrimmer::Create(type, {"labels.value"}).status().message(),
            "'labels.value' goes into the map field labels; a map can only be allowed as a whole");
  absl::StatusOr<ResponseTrimmerPtr> trimmer = ResponseTrimmer::Create(type, {"labels"});
  ASSERT_TRUE(trimmer.ok()) << trimmer.status();
  DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> message(factory.GetPrototype(type)->New());
  ASSERT_TRUE(TextFormat::ParseFromString(R"pb(labels { key: "a" value: "1" }
                                               note: "drop me")pb",
                                          message.get()));
  EXPECT_THAT((*trimmer)->Trim(message.get()).withheld, ElementsAre("note"));
  EXPECT_EQ(Text(*message), "labels { key: \"a\" value: \"1\" } ");
}

}  // namespace
}  // namespace pasarela
