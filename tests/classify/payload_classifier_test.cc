// PayloadClassifier: declared categories of every set field, undeclared personal data found in
// strings, paths with indices, unknown fields and extensions, and a summary without values.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/classify/payload_classifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/classify/classification_test_util.h"

namespace pasarela::classify {
namespace {

using ::pasarela::classify::testing::DefaultPolicy;
using ::pasarela::classify::testing::ParseText;
using ::pasarela::classify::testing::TestCatalog;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<std::string> Declared(const ClassificationSummary& summary) {
  std::vector<std::string> out;
  for (const DeclaredField& field : summary.declared) {
    out.push_back(absl::StrCat(field.path, " ", DataCategoryName(field.category), " ",
                               CategorySourceName(field.source)));
  }
  return out;
}

std::vector<std::string> Undeclared(const ClassificationSummary& summary) {
  std::vector<std::string> out;
  for (const UndeclaredData& data : summary.undeclared) {
    out.push_back(absl::StrCat(data.path, " ", DataCategoryName(data.category), " in ",
                               DataCategoryName(data.declared), " by ", data.detector));
  }
  return out;
}

std::vector<std::string> Names(const std::vector<DataCategory>& categories) {
  std::vector<std::string> out;
  for (DataCategory category : categories) out.emplace_back(DataCategoryName(category));
  return out;
}

constexpr char kPerson[] = R"pb(
  person {
    identifiers { issuing_country: "CL" scheme: "CL-RUN" value: "12531909-2" }
    identifiers { issuing_country: "AR" scheme: "AR-DNI" value: "20123456" }
    given_names: "María"
    given_names: "Fernanda"
    family_names: "González"
    birth_date: "1962-07-14"
    sex: SEX_FEMALE
    address { lines: "Av. Providencia 1234" locality: "Santiago" country: "CL" }
  }
)pb";

TEST(PayloadClassifierTest, IdentityRecordGetsItsDeclaredCategories) {
  auto message = ParseText("pasarela.identity.v1.GetPersonResponse", kPerson);
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(
      Declared(summary),
      ElementsAre("person.identifiers[0].issuing_country public field_option",
                  "person.identifiers[0].scheme public field_option",
                  "person.identifiers[0].value personal_identifier field_option",
                  "person.identifiers[1].issuing_country public field_option",
                  "person.identifiers[1].scheme public field_option",
                  "person.identifiers[1].value personal_identifier field_option",
                  "person.given_names personal message_option",
                  "person.family_names personal message_option",
                  "person.birth_date personal message_option", "person.sex personal message_option",
                  "person.address.lines personal message_option",
                  "person.address.locality personal message_option",
                  "person.address.country personal message_option"));
  EXPECT_THAT(summary.undeclared, IsEmpty());
  EXPECT_THAT(Names(summary.categories), ElementsAre("public", "personal", "personal_identifier"));
}

constexpr char kPatientWithHiddenCpf[] = R"pb(
  summary {
    given_names: "Ana"
    family_names: "Souza"
    problems { condition { system: "http://hl7.org/fhir/sid/icd-10" code: "I10" } }
    problems {
      condition { code: "E11" }
      note: "Controlada con metformina."
    }
    problems {
      condition { code: "I21" display: "Infarto agudo do miocárdio" }
      status: "active"
      note: "Encaminhada pelo posto; CPF 390.533.447-05 conferido na admissão."
    }
    last_updated: "2025-02-03T10:00:00Z"
  }
)pb";

TEST(PayloadClassifierTest, CpfInAHealthNoteIsUndeclared) {
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kPatientWithHiddenCpf);
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(Undeclared(summary),
              ElementsAre("summary.problems[2].note personal_identifier in health by CPF"));
  const UndeclaredData& data = summary.undeclared[0];
  std::string note = "Encaminhada pelo posto; CPF 390.533.447-05 conferido na admissão.";
  EXPECT_EQ(note.substr(data.start, data.end - data.start), "390.533.447-05");
  EXPECT_EQ(data.score, 1.0);
  EXPECT_THAT(Declared(summary), Contains("summary.problems[2].condition.code health inherited"));
  EXPECT_THAT(Declared(summary),
              Contains("summary.problems[0].condition.system public field_option"));
  EXPECT_THAT(Declared(summary), Contains("summary.given_names personal field_option"));
  EXPECT_THAT(Declared(summary), Contains("summary.last_updated internal field_option"));
  EXPECT_THAT(Names(summary.categories),
              ElementsAre("public", "internal", "personal", "personal_identifier", "health"));
  EXPECT_TRUE(summary.Contains(DataCategory::kPersonalIdentifier));
  EXPECT_FALSE(summary.Contains(DataCategory::kGenetic));
}

TEST(PayloadClassifierTest, SummaryJsonCarriesNoValues) {
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kPatientWithHiddenCpf);
  std::string json = SummaryToJson(PayloadClassifier(DefaultPolicy()).Classify(*message));
  EXPECT_THAT(json, HasSubstr("{\"path\":\"summary.problems[2].note\",\"declared\":\"health\","
                              "\"category\":\"personal_identifier\",\"detector\":\"CPF\","
                              "\"start\":28,\"end\":42,\"score\":1.0}"));
  EXPECT_THAT(json, HasSubstr("{\"path\":\"summary.given_names\",\"category\":\"personal\","
                              "\"source\":\"field_option\"}"));
  for (const char* value : {"390.533.447-05", "Ana", "Souza", "metformina", "I21", "2025-02-03"}) {
    EXPECT_THAT(json, Not(HasSubstr(value)));
  }
}

TEST(PayloadClassifierTest, DetectionsAboveTheDeclaredCategoryOnly) {
  auto message = ParseText("pasarela.classifytest.v1.Record", R"pb(
    free_text: "escribir a ana.souza@example.com.br"
    email: "ana.souza@example.com.br"
    identifier: "CPF 390.533.447-05"
    aliases: "Aninha"
    aliases: "CPF 390.533.447-05"
    inner_personal { plain: "RUT 12.531.909-2" tagged: "tel +56 9 8765 4321" }
  )pb");
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(Undeclared(summary),
              ElementsAre("free_text personal in internal by EMAIL",
                          "inner_personal.plain personal_identifier in personal by CL_RUN",
                          "inner_personal.tagged personal in public by PHONE",
                          "aliases[1] personal_identifier in personal by CPF"));
}

TEST(PayloadClassifierTest, IndicesOfTwoAndMoreDigitsInPaths) {
  std::string text = "person {";
  for (int i = 0; i < 12; ++i) {
    absl::StrAppend(&text, " identifiers { issuing_country: \"CL\" }");
  }
  for (int i = 0; i < 11; ++i) absl::StrAppend(&text, " given_names: \"Ana\"");
  absl::StrAppend(&text, " given_names: \"CPF 390.533.447-05\" }");
  auto message = ParseText("pasarela.identity.v1.GetPersonResponse", text);
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(Declared(summary),
              Contains("person.identifiers[10].issuing_country public field_option"));
  EXPECT_THAT(Declared(summary),
              Contains("person.identifiers[11].issuing_country public field_option"));
  EXPECT_THAT(Undeclared(summary),
              ElementsAre("person.given_names[11] personal_identifier in personal by CPF"));
}

TEST(PayloadClassifierTest, NumbersBytesAndMapsAreDeclaredButNotScanned) {
  auto message = ParseText("pasarela.classifytest.v1.Record", R"pb(
    age: 42
    photo: "CPF 390.533.447-05"
    labels { key: "alergia" value: "CPF 390.533.447-05" }
  )pb");
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(Declared(summary),
              ElementsAre("labels[0].key health inherited", "labels[0].value health inherited",
                          "photo biometric field_option", "age personal field_option"));
  EXPECT_THAT(Undeclared(summary),
              ElementsAre("labels[0].value personal_identifier in health by CPF"));
}

TEST(PayloadClassifierTest, UnknownFieldsAndExtensionsAreUnclassified) {
  // Field 99 of Inner, unknown to the schema: tag (99 << 3 | 2), length 3, "abc"; inside field 4
  // of Record (tag 4 << 3 | 2).
  auto inner = ParseText("pasarela.classifytest.v1.Inner", R"pb(plain: "x")pb");
  std::string inner_bytes = inner->SerializeAsString() + std::string(
                                                             "\x9a\x06\x03"
                                                             "abc",
                                                             6);
  auto with_unknown = ParseText("pasarela.classifytest.v1.Record", "");
  std::string outer = std::string("\x22", 1) + static_cast<char>(inner_bytes.size()) + inner_bytes;
  ASSERT_TRUE(with_unknown->ParseFromString(outer));
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*with_unknown);
  EXPECT_THAT(summary.unclassified, ElementsAre("inner_plain.#99"));

  auto extended = ParseText("pasarela.classifytest.v1.Extensible",
                            R"pb(name: "x"
                                 [pasarela.classifytest.v1.extra]: "CPF 390.533.447-05")pb");
  summary = PayloadClassifier(DefaultPolicy()).Classify(*extended);
  EXPECT_THAT(summary.unclassified, ElementsAre("[pasarela.classifytest.v1.extra]"));
  EXPECT_THAT(Declared(summary), ElementsAre("name internal default"));
}

// A message whose descriptor comes from another pool with the same schema (as a generated class
// does) is classified by its type's full name.
TEST(PayloadClassifierTest, SameSchemaFromAnotherPoolIsFoundByName) {
  google::protobuf::DescriptorPool pool;
  for (const std::string& name : TestCatalog().file_names()) {
    google::protobuf::FileDescriptorProto file;
    TestCatalog().pool().FindFileByName(name)->CopyTo(&file);
    ASSERT_NE(pool.BuildFile(file), nullptr) << name;
  }
  google::protobuf::DynamicMessageFactory factory(&pool);
  const google::protobuf::Descriptor* type =
      pool.FindMessageTypeByName("pasarela.identity.v1.GetPersonResponse");
  ASSERT_NE(type, nullptr);
  std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(type)->New());
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kPerson, message.get()));
  ASSERT_NE(DefaultPolicy().PlanFor(type), nullptr);
  auto same = ParseText("pasarela.identity.v1.GetPersonResponse", kPerson);
  EXPECT_EQ(Declared(PayloadClassifier(DefaultPolicy()).Classify(*message)),
            Declared(PayloadClassifier(DefaultPolicy()).Classify(*same)));
}

// A type the catalog does not hold: every field is internal by default, and its strings are
// scanned.
TEST(PayloadClassifierTest, UnknownTypeIsInternalAndScanned) {
  google::protobuf::DescriptorPool pool;
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(name: "other.proto"
           package: "other"
           message_type {
             name: "Other"
             field { name: "text" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
           })pb",
      &file));
  ASSERT_NE(pool.BuildFile(file), nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  const google::protobuf::Descriptor* type = pool.FindMessageTypeByName("other.Other");
  std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(type)->New());
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(text: "CPF 390.533.447-05")pb",
                                                            message.get()));
  EXPECT_EQ(DefaultPolicy().PlanFor(type), nullptr);
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(Declared(summary), ElementsAre("text internal default"));
  EXPECT_THAT(Undeclared(summary), ElementsAre("text personal_identifier in internal by CPF"));
}

TEST(PayloadClassifierTest, EmptyMessageHasAnEmptySummary) {
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", "");
  ClassificationSummary summary = PayloadClassifier(DefaultPolicy()).Classify(*message);
  EXPECT_THAT(summary.categories, IsEmpty());
  EXPECT_THAT(summary.declared, IsEmpty());
  EXPECT_EQ(SummaryToJson(summary),
            "{\"categories\":[],\"declared\":[],\"undeclared\":[],\"unclassified\":[]}");
}

TEST(PayloadClassifierTest, ConcurrentClassificationGivesTheSameSummary) {
  auto message = ParseText("pasarela.health.v1.GetPatientSummaryResponse", kPatientWithHiddenCpf);
  PayloadClassifier classifier(DefaultPolicy());
  std::string expected = SummaryToJson(classifier.Classify(*message));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (SummaryToJson(classifier.Classify(*message)) != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

}  // namespace
}  // namespace pasarela::classify
