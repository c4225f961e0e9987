// classification.yaml: golden diagnostics for broken files, the example file, and the resolution
// of each field's declared category.
//
// Each directory testdata/classification/<case>/ holds a classification.yaml and expected.txt, the
// exact diagnostics with paths relative to testdata/ (empty for a file that loads). Set
// PASARELA_UPDATE_GOLDEN=1 to rewrite the expected files from the current output, then review the
// diff.
#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gateway/classify/classification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/classify/classification_test_util.h"

namespace pasarela::classify {
namespace {

using ::pasarela::classify::testing::CompilePolicy;
using ::pasarela::classify::testing::DefaultPolicy;
using ::pasarela::classify::testing::ExamplePolicyDir;
using ::pasarela::classify::testing::HasNationalSchemas;
using ::pasarela::classify::testing::TestCatalog;
using ::pasarela::classify::testing::TestDataDir;
using ::pasarela::classify::testing::Type;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> GoldenCases() {
  std::vector<std::string> names;
  std::string root = TestDataDir() + "/classification";
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

class ClassificationGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClassificationGoldenTest, DiagnosticsMatchExpected) {
  std::string dir = TestDataDir() + "/classification/" + GetParam();
  Diagnostics diagnostics;
  absl::optional<ClassificationPolicy> policy =
      LoadClassification(dir + "/classification.yaml", TestCatalog(), diagnostics);
  std::string output = absl::StrReplaceAll(diagnostics.ToString(), {{TestDataDir() + "/", ""}});
  if (std::getenv("PASARELA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(dir + "/expected.txt") << output;
  }
  EXPECT_EQ(output, ReadText(dir + "/expected.txt"));
  EXPECT_EQ(policy.has_value(), GetParam() == "valid");
}

INSTANTIATE_TEST_SUITE_P(Cases, ClassificationGoldenTest, ::testing::ValuesIn(GoldenCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(LoadClassificationTest, MissingFileIsAnError) {
  Diagnostics diagnostics;
  EXPECT_FALSE(LoadClassification("/nonexistent/classification.yaml", TestCatalog(), diagnostics)
                   .has_value());
  EXPECT_THAT(diagnostics.ToString(), HasSubstr("/nonexistent/classification.yaml: error:"));
}

TEST(LoadClassificationTest, ValidFileConfiguresTheDetectors) {
  Diagnostics diagnostics;
  absl::optional<ClassificationPolicy> policy = LoadClassification(
      TestDataDir() + "/classification/valid/classification.yaml", TestCatalog(), diagnostics);
  ASSERT_TRUE(policy.has_value()) << diagnostics.ToString();
  std::vector<std::string> enabled = policy->detectors().EnabledDetectors();
  EXPECT_EQ(enabled.size(), AllDetectorNames().size() - 2);
  EXPECT_EQ(std::count(enabled.begin(), enabled.end(), "CR_CEDULA"), 0);
  EXPECT_EQ(std::count(enabled.begin(), enabled.end(), "US_SSN"), 0);
  EXPECT_EQ(policy->detectors().Threshold("PHONE"), 0.8);
  EXPECT_EQ(policy->detectors().Threshold("CPF"), 1.0);
  EXPECT_EQ(policy->detectors().Threshold("EMAIL"), 0.6);
}

// The example an administrator copies into a policy directory loads against the canonical and
// national schemas.
TEST(LoadClassificationTest, ExampleFileLoads) {
  if (!HasNationalSchemas()) GTEST_SKIP() << "the national descriptor set is not built";
  Diagnostics diagnostics;
  absl::optional<ClassificationPolicy> policy =
      LoadClassification(ExamplePolicyDir() + "/classification.yaml", TestCatalog(), diagnostics);
  ASSERT_TRUE(policy.has_value()) << diagnostics.ToString();
  auto at = [&](const std::string& root, const std::string& path) {
    absl::optional<DeclaredCategory> declared = policy->DeclaredCategoryAt(Type(root), path);
    EXPECT_TRUE(declared.has_value()) << root << " " << path;
    return declared.has_value() ? std::string(DataCategoryName(declared->category)) : "";
  };
  EXPECT_EQ(at("ar.renaper.v1.ConsultarPersonaResponse", "persona.documentos.numero"),
            "personal_identifier");
  EXPECT_EQ(at("ar.renaper.v1.ConsultarPersonaResponse", "persona.documentos.pais_emisor"),
            "public");
  EXPECT_EQ(at("ar.renaper.v1.ConsultarPersonaResponse", "persona.apellidos"), "personal");
  EXPECT_EQ(at("br.datasus.v1.SolicitarSumarioPacienteResponse", "sumario.paciente.cpf"),
            "personal_identifier");
  EXPECT_EQ(at("br.datasus.v1.SolicitarSumarioPacienteResponse", "sumario.problemas.observacao"),
            "health");
  EXPECT_EQ(at("uy.msp.v1.ObtenerResumenResponse", "resumen.cedula"), "personal_identifier");
  EXPECT_EQ(at("uy.msp.v1.ObtenerResumenResponse", "resumen.diagnosticos.observaciones"), "health");
  EXPECT_EQ(at("cl.registrocivil.v1.ConsultaRunResponse", "persona.run"), "personal_identifier");
  EXPECT_EQ(at("cl.registrocivil.v1.ConsultaRunResponse", "persona.direccion.comuna"), "personal");
}

// Declared-category resolution, rule by rule (see classification.h).
class DeclaredCategoryTest : public ::testing::Test {
 protected:
  static std::string At(const ClassificationPolicy& policy, const std::string& root,
                        const std::string& path) {
    absl::optional<DeclaredCategory> declared = policy.DeclaredCategoryAt(Type(root), path);
    if (!declared.has_value()) return "unresolved";
    return absl::StrCat(DataCategoryName(declared->category), "/",
                        CategorySourceName(declared->source));
  }
  static constexpr char kRecord[] = "pasarela.classifytest.v1.Record";
  static constexpr char kFicha[] = "pasarela.classifytest.v1.Ficha";
};

TEST_F(DeclaredCategoryTest, FieldOption) {
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "email"), "personal/field_option");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "inner_personal.tagged"), "public/field_option");
  EXPECT_EQ(
      At(DefaultPolicy(), "pasarela.identity.v1.GetPersonResponse", "person.identifiers.value"),
      "personal_identifier/field_option");
}

TEST_F(DeclaredCategoryTest, MessageOption) {
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "samples.sample"), "genetic/message_option");
  EXPECT_EQ(At(DefaultPolicy(), "pasarela.identity.v1.GetPersonResponse", "person.given_names"),
            "personal/message_option");
  EXPECT_EQ(
      At(DefaultPolicy(), "pasarela.health.v1.GetPatientSummaryResponse", "summary.problems.note"),
      "health/message_option");
}

TEST_F(DeclaredCategoryTest, InheritanceFromTheEnclosingField) {
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "inner_personal.plain"), "personal/inherited");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "samples.inner.plain"), "genetic/inherited");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "labels.value"), "health/inherited");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "labels.key"), "health/inherited");
  // Coding declares nothing; inside a Problem it is health, inside a medication too.
  EXPECT_EQ(At(DefaultPolicy(), "pasarela.health.v1.GetPatientSummaryResponse",
               "summary.problems.condition.code"),
            "health/inherited");
  EXPECT_EQ(At(DefaultPolicy(), "pasarela.health.v1.GetPatientSummaryResponse",
               "summary.problems.condition.system"),
            "public/field_option");
  // The same message reached under another category, and a recursive one.
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "child.free_text"), "personal_identifier/inherited");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "child.child.child.free_text"),
            "personal_identifier/inherited");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "child.email"), "personal/field_option");
}

TEST_F(DeclaredCategoryTest, DefaultInternal) {
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "free_text"), "internal/default");
  EXPECT_EQ(At(DefaultPolicy(), kFicha, "numero"), "internal/default");
  EXPECT_EQ(At(DefaultPolicy(), kRecord, "nonexistent"), "unresolved");
}

TEST_F(DeclaredCategoryTest, Annotations) {
  ClassificationSettings settings;
  settings.annotations.push_back(SchemaAnnotation{
      kFicha,
      DataCategory::kPersonal,
      {{"numero", DataCategory::kPersonalIdentifier}, {"observaciones", DataCategory::kHealth}}});
  settings.annotations.push_back(SchemaAnnotation{
      "pasarela.classifytest.v1.Domicilio", absl::nullopt, {{"pais", DataCategory::kPublic}}});
  ClassificationPolicy policy = CompilePolicy(settings);
  EXPECT_EQ(At(policy, kFicha, "numero"), "personal_identifier/field_annotation");
  EXPECT_EQ(At(policy, kFicha, "observaciones"), "health/field_annotation");
  EXPECT_EQ(At(policy, kFicha, "nombre"), "personal/message_annotation");
  EXPECT_EQ(At(policy, kFicha, "edad"), "personal/message_annotation");
  EXPECT_EQ(At(policy, kFicha, "domicilio.pais"), "public/field_annotation");
  EXPECT_EQ(At(policy, kFicha, "domicilio.calle"), "personal/inherited");
}

TEST(ClassificationPolicyTest, CreateRejectsWhatTheLoaderWouldReport) {
  ClassificationSettings unknown_detector;
  unknown_detector.detectors.enabled = {"CPF", "NOPE"};
  EXPECT_FALSE(ClassificationPolicy::Create(unknown_detector, TestCatalog()).ok());

  ClassificationSettings unknown_message;
  unknown_message.annotations.push_back(SchemaAnnotation{"no.such.Message", absl::nullopt, {}});
  EXPECT_THAT(ClassificationPolicy::Create(unknown_message, TestCatalog()).status().message(),
              HasSubstr("no.such.Message"));

  ClassificationSettings own_option;
  own_option.annotations.push_back(SchemaAnnotation{
      "pasarela.classifytest.v1.Record", absl::nullopt, {{"email", DataCategory::kHealth}}});
  EXPECT_THAT(ClassificationPolicy::Create(own_option, TestCatalog()).status().message(),
              HasSubstr("declares its category in the schema"));
}

TEST(CoversTest, OrderedCategoriesCoverWhatIsBelowThem) {
  EXPECT_TRUE(Covers(DataCategory::kPersonalIdentifier, DataCategory::kPersonal));
  EXPECT_TRUE(Covers(DataCategory::kPersonal, DataCategory::kPersonal));
  EXPECT_FALSE(Covers(DataCategory::kPersonal, DataCategory::kPersonalIdentifier));
  EXPECT_FALSE(Covers(DataCategory::kInternal, DataCategory::kPersonal));
  EXPECT_FALSE(Covers(DataCategory::kPublic, DataCategory::kPersonal));
}

TEST(CoversTest, SensitiveCategoriesCoverOnlyThemselves) {
  EXPECT_FALSE(Covers(DataCategory::kHealth, DataCategory::kPersonalIdentifier));
  EXPECT_FALSE(Covers(DataCategory::kHealth, DataCategory::kPersonal));
  EXPECT_FALSE(Covers(DataCategory::kPersonalIdentifier, DataCategory::kHealth));
  EXPECT_TRUE(Covers(DataCategory::kGenetic, DataCategory::kGenetic));
  EXPECT_FALSE(Covers(DataCategory::kGenetic, DataCategory::kHealth));
}

}  // namespace
}  // namespace pasarela::classify
