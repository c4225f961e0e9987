// The mapping engine rule by rule, on small mappings written for each test.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <atomic>
#include <cstdio>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gateway/mapping/map_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

using google::protobuf::Message;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Loads one mapping file (and optional code tables); fails the test on a load error.
class Loaded {
 public:
  explicit Loaded(const std::string& yaml, std::map<std::string, std::string> more = {}) {
    more["m.yaml"] = yaml;
    dir_ = testing::MakeMappingDir(more);
    set_ = LoadMappings(dir_, testing::Catalog(), diagnostics_);
    EXPECT_NE(set_, nullptr) << diagnostics_.ToString();
  }
  const Mapping& mapping() const { return *set_->Find(set_->ids().front()); }
  const MappingPlan& forward() const { return mapping().forward(); }
  const MappingPlan& reverse() const {
    absl::StatusOr<const MappingPlan*> plan = mapping().reverse();
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    return **plan;
  }
  const MappingSet& set() const { return *set_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  Diagnostics diagnostics_;
  std::unique_ptr<const MappingSet> set_;
};

std::string Header(const std::string& source, const std::string& target) {
  return absl::StrCat("apiVersion: pasarela/v1\nkind: Mapping\nid: test\nsource: ", source,
                      "\ntarget: ", target, "\n");
}

// Applies `plan` to `json` (of the plan's source type): the output as JSON, or the error.
std::string Map(const MappingPlan& plan, const std::string& json) {
  auto in = testing::FromJson(plan.source_type()->full_name(), json);
  auto out = testing::NewMessage(plan.target_type());
  absl::Status status = plan.Apply(*in, out.get());
  if (!status.ok())
    return absl::StrCat("ERROR ", absl::StatusCodeToString(status.code()), ": ", status.message());
  return testing::ToJson(*out);
}

constexpr char kDocumento[] = "ar.renaper.v1.Documento";
constexpr char kIdentifier[] = "pasarela.identity.v1.PersonIdentifier";

TEST(UnmappedCodeTest, ErrorNamesTheFieldAndTheTable) {
  Loaded loaded(Header(kDocumento, kIdentifier) + R"(
ignore: [pais_emisor, numero, issuing_country, value]
rules:
  - from: tipo
    to: scheme
    translate:
      codes: {DNI: AR-DNI}
      unmapped: error
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "DNI"})"), R"({"scheme":"AR-DNI"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "LE"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'tipo': the code has no translation "
            "in the translate table at line 12, which lists DNI (unmapped: error)");
  // Reverse defaults to error too.
  EXPECT_THAT(Map(loaded.reverse(), R"({"scheme": "CL-RUN"})"),
              HasSubstr("field 'scheme': the code has no translation in the translate table at "
                        "line 12, which lists AR-DNI (unmapped: error)"));
  // A long table: the first of its codes.
  Loaded many(Header(kDocumento, kIdentifier) + R"(
ignore: [pais_emisor, numero, issuing_country, value]
rules:
  - from: tipo
    to: scheme
    translate:
      codes: {DNI: AR-DNI, LE: AR-LE, LC: AR-LC, CI: AR-CI, CUIL: AR-CUIL, CUIT: AR-CUIT, PAS: AR-PAS}
)");
  EXPECT_EQ(Map(many.forward(), R"({"tipo": "CDI"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'tipo': the code has no translation "
            "in the translate table at line 12, which lists 7 codes: DNI, LE, LC, CI, CUIL, "
            "CUIT, ... (unmapped: error)");
}

TEST(UnmappedCodeTest, DefaultAndPassThroughPerDirection) {
  Loaded loaded(Header(kDocumento, kIdentifier) + R"(
ignore: [pais_emisor, numero, issuing_country, value]
rules:
  - from: tipo
    to: scheme
    translate:
      codes: {DNI: AR-DNI, LE: AR-LE}
      unmapped: default
      default: UNKNOWN
      reverse_unmapped: pass_through
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "LC"})"), R"({"scheme":"UNKNOWN"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"scheme": "AR-LE"})"), R"({"tipo":"LE"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"scheme": "CL-RUN"})"), R"({"tipo":"CL-RUN"})");
}

TEST(UnmappedCodeTest, CodeTableFileWithManyToOne) {
  Loaded loaded(Header(kDocumento, kIdentifier) + R"(
ignore: [pais_emisor, numero, issuing_country, value]
rules:
  - from: tipo
    to: scheme
    translate: {table: tipos}
)",
                {{"tables/tipos.yaml", R"(apiVersion: pasarela/v1
kind: CodeTable
id: tipos
unmapped: pass_through
reverse_unmapped: default
reverse_default: OTRO
entries:
  - {source: DNI, target: AR-DNI}
  - {source: DU, target: AR-DNI, reverse: false}
  - {source: CUIL, target: AR-CUIL}
)"}});
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "DU"})"), R"({"scheme":"AR-DNI"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "PASAPORTE"})"), R"({"scheme":"PASAPORTE"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"scheme": "AR-DNI"})"), R"({"tipo":"DNI"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"scheme": "BR-CPF"})"), R"({"tipo":"OTRO"})");
}

TEST(UnmappedCodeTest, EnumDefault) {
  Loaded loaded(Header("ar.renaper.v1.Persona", "pasarela.identity.v1.Person") + R"(
ignore: [documentos, apellidos, nombres, fecha_nacimiento, nacionalidad, lugar_nacimiento,
         domicilio, identifiers, given_names, family_names, birth_date, nationalities,
         place_of_birth, address, birth_name]
rules:
  - from: sexo
    to: sex
    enum:
      values: {SEXO_FEMENINO: SEX_FEMALE}
      unmapped: default
      default: SEX_UNKNOWN
      reverse_unmapped: error
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"sexo": "SEXO_FEMENINO"})"), R"({"sex":"SEX_FEMALE"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"sexo": "SEXO_NO_BINARIO"})"), R"({"sex":"SEX_UNKNOWN"})");
  EXPECT_THAT(Map(loaded.reverse(), R"({"sex": "SEX_MALE"})"),
              HasSubstr("field 'sex': the code has no translation"));
}

TEST(CheckTest, FailureNamesTheFieldWithItsElement) {
  Loaded loaded(
      Header("ar.renaper.v1.ConsultarPersonaResponse", "pasarela.identity.v1.GetPersonResponse") +
      R"(
ignore: [persona.apellidos, persona.nombres, persona.fecha_nacimiento, persona.sexo,
         persona.nacionalidad, persona.lugar_nacimiento, persona.domicilio, person.given_names,
         person.family_names, person.birth_date, person.sex, person.nationalities,
         person.place_of_birth, person.address, person.birth_name, persona.documentos.pais_emisor,
         persona.documentos.tipo, person.identifiers.issuing_country, person.identifiers.scheme]
rules:
  - from: persona
    to: person
    rules:
      - from: documentos
        to: identifiers
        rules:
          - check: {field: numero, present: true}
            message: every document has a number
          - from: numero
            to: value
)");
  std::string error = Map(loaded.forward(), R"({"persona": {"documentos": [
      {"numero": "1"}, {"tipo": "DNI"}]}})");
  EXPECT_EQ(error,
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'persona.documentos[1].numero': check "
            "failed: every document has a number");
}

// A rule list evaluates each test of its source once, however many rules repeat it: a test that
// differs from another only in its kind or its values is another test.
TEST(CheckTest, TestsAlikeOnlyInPartAreEvaluatedApart) {
  Loaded loaded(Header(kDocumento, kIdentifier) + R"(
ignore: [numero, pais_emisor]
rules:
  - check: {field: tipo, matches: '[A-Z]+'}
    message: the type is in capitals
  - to: issuing_country
    constant: A
    when: {field: tipo, equals: DNI}
  - to: scheme
    constant: B
    when: {all: [{field: tipo, matches: 'DNI'}, {field: tipo, matches: '[A-Z]+'}]}
  - to: value
    constant: C
    when: {any: [{field: tipo, equals: CUIL}, {not: {field: tipo, equals: DNI}}]}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "DNI"})"), R"({"issuing_country":"A","scheme":"B"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "CUIL"})"), R"({"value":"C"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "dni"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'tipo': check failed: the type is in "
            "capitals");
}

TEST(CheckTest, TargetCheckRunsOnTheOutputForwardAndTheInputInReverse) {
  const Mapping* mapping = testing::PilotMappings().Find("cl-consulta-run-request");
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(Map(**mapping->reverse(),
                R"({"identifier": {"issuing_country": "CL", "scheme": "AR-DNI", "value": "1"}})"),
            "ERROR INVALID_ARGUMENT: mapping 'cl-consulta-run-request' (reverse): field "
            "'identifier.scheme': check failed: the Civil Registry answers for a RUN only");
  EXPECT_EQ(Map(mapping->forward(), R"({"run": "12.531.909-3"})"),
            "ERROR INVALID_ARGUMENT: mapping 'cl-consulta-run-request': field 'run': check "
            "failed: the RUN is malformed or its check digit is wrong");
}

// Coming back to a national record, a code is looked up or written only when it is of the system
// the common model names for that list; the same characters may mean something else in another.
TEST(CheckTest, PilotHealthCodesOfAnotherSystemAreRefusedComingBack) {
  struct Case {
    const char* list;
    const char* coding;
    const char* system;
  };
  const Case cases[] = {
      {"medications", "medication", "http://www.whocc.no/atc"},
      {"allergies", "substance", "http://snomed.info/sct"},
      {"problems", "condition", "http://hl7.org/fhir/sid/icd-10"},
      {"immunizations", "vaccine", "http://www.whocc.no/atc"},
  };
  for (const char* id : {"uy-resumen-response", "br-sumario-response"}) {
    const Mapping* mapping = testing::PilotMappings().Find(id);
    ASSERT_NE(mapping, nullptr);
    for (const Case& c : cases) {
      SCOPED_TRACE(absl::StrCat(id, " ", c.list));
      const std::string foreign =
          absl::StrCat(R"({"summary": {")", c.list, R"(": [{")", c.coding,
                       R"(": {"system": "http://loinc.org", "code": "J01CA04"}}]}})");
      EXPECT_THAT(Map(**mapping->reverse(), foreign),
                  AllOf(HasSubstr("ERROR INVALID_ARGUMENT"),
                        HasSubstr(absl::StrCat("field 'summary.", c.list, "[0].", c.coding,
                                               ".system': check failed")),
                        HasSubstr(absl::StrCat("(", c.system, "), as the model says"))));
      // The model's own system passes the check (whatever the table then makes of the code).
      const std::string own = absl::StrCat(R"({"summary": {")", c.list, R"(": [{")", c.coding,
                                           R"(": {"system": ")", c.system, R"("}}]}})");
      EXPECT_THAT(Map(**mapping->reverse(), own), Not(HasSubstr(".system': check failed")));
    }
  }
}

TEST(CheckTest, DefaultMessagesDescribeTheCondition) {
  Loaded loaded(Header(kDocumento, kIdentifier) + R"(
rules:
  - check: {field: tipo, in: [DNI, CUIL]}
  - check: {all: [{field: numero, matches: "[0-9.]+"}, {field: pais_emisor, equals: AR}]}
  - from: numero
    to: value
  - from: pais_emisor
    to: issuing_country
  - from: tipo
    to: scheme
)");
  EXPECT_THAT(Map(loaded.forward(), R"({"tipo": "LE"})"),
              HasSubstr("field 'tipo': check failed: must be one of DNI, CUIL"));
  EXPECT_THAT(Map(loaded.forward(), R"({"tipo": "DNI", "numero": "x", "pais_emisor": "AR"})"),
              HasSubstr("field 'numero': check failed: must match [0-9.]+, and must be 'AR'"));
}

TEST(ErrorTest, ErrorsNeverRepeatTheValue) {
  const MappingPlan& plan = testing::PilotMappings().Find("cl-consulta-run-response")->forward();
  std::string error = Map(plan, R"({"persona": {"fecha_nacimiento": "31-02-1990"}})");
  EXPECT_EQ(error,
            "ERROR INVALID_ARGUMENT: mapping 'cl-consulta-run-response': field "
            "'persona.fecha_nacimiento': not a valid date in the format DD-MM-YYYY");
  EXPECT_THAT(error, Not(HasSubstr("31-02")));
}

TEST(ErrorTest, ApplyRefusesMessagesOfAnotherType) {
  const MappingPlan& plan = testing::PilotMappings().Find("cl-consulta-run-request")->forward();
  auto wrong = testing::NewMessage("pasarela.identity.v1.Person");
  auto out = testing::NewMessage(plan.target_type());
  absl::Status status = plan.Apply(*wrong, out.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("maps cl.registrocivil.v1.ConsultaRunRequest"));
}

constexpr char kNotInvertible[] = R"(
ignore: [issuing_country]
rules:
  - from: tipo
    to: scheme
    when: {field: tipo, present: true}
  - from: numero
    to: value
    normalize: [trim]
  - from: pais_emisor
    to: scheme
    translate:
      entries:
        - {source: AR, target: X}
        - {source: UY, target: X}
    direction: both
)";

// A message with a field of every scalar kind, for errors the pilot's schemas cannot reach.
std::string RegistroDescriptorSet() {
  google::protobuf::FileDescriptorSet set;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        file {
          name: "registro.proto"
          package: "registro.v1"
          syntax: "proto3"
          message_type {
            name: "Registro"
            field { name: "texto" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
            field { name: "otro" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL }
            field { name: "tercero" number: 3 type: TYPE_STRING label: LABEL_OPTIONAL }
            field { name: "cuenta" number: 4 type: TYPE_INT64 label: LABEL_OPTIONAL }
            field { name: "sin_signo" number: 5 type: TYPE_UINT64 label: LABEL_OPTIONAL }
            field { name: "valor" number: 6 type: TYPE_DOUBLE label: LABEL_OPTIONAL }
            field { name: "corto" number: 7 type: TYPE_FLOAT label: LABEL_OPTIONAL }
            field { name: "chico" number: 8 type: TYPE_INT32 label: LABEL_OPTIONAL }
            field { name: "chico_sin_signo" number: 9 type: TYPE_UINT32 label: LABEL_OPTIONAL }
            field {
              name: "estado"
              number: 10
              type: TYPE_ENUM
              label: LABEL_OPTIONAL
              type_name: ".registro.v1.Registro.Estado"
            }
            field { name: "textos" number: 11 type: TYPE_STRING label: LABEL_REPEATED }
            field { name: "chicos" number: 12 type: TYPE_INT32 label: LABEL_REPEATED }
            field {
              name: "anidado"
              number: 13
              type: TYPE_MESSAGE
              label: LABEL_OPTIONAL
              type_name: ".registro.v1.Registro.Anidado"
            }
            nested_type {
              name: "Anidado"
              field { name: "cuenta" number: 1 type: TYPE_INT64 label: LABEL_OPTIONAL }
            }
            enum_type {
              name: "Estado"
              value { name: "ESTADO_DESCONOCIDO" number: 0 }
              value { name: "ESTADO_ACTIVO" number: 1 }
            }
          }
        }
      )pb",
      &set));
  std::string path = testing::MakeMappingDir({}) + "/registro.desc";
  testing::WriteFileOrDie(path, set.SerializeAsString());
  return path;
}

const DescriptorCatalog& RegistroCatalog() {
  static const DescriptorCatalog* const catalog = [] {
    absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> loaded =
        DescriptorCatalog::Load({RegistroDescriptorSet()});
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return loaded.ok() ? loaded->release() : nullptr;
  }();
  return *catalog;
}

// Loads a mapping "test" of registro.v1.Registro to itself with `rules` (YAML list items), from
// the file m.yaml of *dir.
std::unique_ptr<const MappingSet> LoadRegistro(const std::string& rules, Diagnostics& diagnostics,
                                               std::string* dir) {
  *dir = testing::MakeMappingDir(
      {{"m.yaml", Header("registro.v1.Registro", "registro.v1.Registro") + "rules:\n" + rules}});
  return LoadMappings(*dir, RegistroCatalog(), diagnostics);
}

// Every kind of run-time error, driven by a value that causes it: no error message repeats the
// value (in any of the forms it could be printed in), through the engine and `pasarela map` alike,
// and each names the field it is about.
TEST(ErrorTest, NoErrorOfAnyKindRepeatsTheValue) {
  struct Case {
    std::string rules;
    std::string input;
    std::vector<std::string> values;  // the value as written, and as it could be printed
    std::string field;                // the field the error names
  };
  const std::vector<Case> cases = {
      // Integers that the target field does not hold.
      {"{from: cuenta, to: chico}", R"({"cuenta": "2147484000"})", {"2147484000"}, "chico"},
      {"{from: cuenta, to: chico}", R"({"cuenta": "-2147484000"})", {"2147484000"}, "chico"},
      {"{from: cuenta, to: chico_sin_signo}",
       R"({"cuenta": "-123456789"})",
       {"123456789"},
       "chico_sin_signo"},
      {"{from: cuenta, to: chico_sin_signo}",
       R"({"cuenta": "4294967296123"})",
       {"4294967296123"},
       "chico_sin_signo"},
      {"{from: cuenta, to: sin_signo}", R"({"cuenta": "-98765432"})", {"98765432"}, "sin_signo"},
      {"{from: sin_signo, to: cuenta}",
       R"({"sin_signo": "18446744073709551000"})",
       {"18446744073709551000", "-5160"},
       "cuenta"},
      {"{from: sin_signo, to: chico}", R"({"sin_signo": "3000000000"})", {"3000000000"}, "chico"},
      {"{from: textos, to: chicos, number: {scale: 1}}",
       R"({"textos": ["5", "3000000001"]})",
       {"3000000001"},
       "chicos"},
      {"{from: anidado, to: anidado, rules: [{from: cuenta, to: cuenta, number: {scale: 1000}}]}",
       R"({"anidado": {"cuenta": "9223372036854776"}})",
       {"9223372036854776"},
       "anidado.cuenta"},
      // Floating-point fields.
      {"{from: valor, to: corto}",
       R"({"valor": 1e39})",
       {"1e39", "1e+39", "1000000000000000000000000000000000000000"},
       "corto"},
      {"{from: cuenta, to: corto, number: {scale: 1}}",
       R"({"cuenta": "16777217"})",
       {"16777217", "1.6777217e"},
       "corto"},
      {"{from: texto, to: valor, number: {scale: 1}}",
       R"({"texto": "9007199254740993"})",
       {"9007199254740993"},
       "texto"},
      {"{from: valor, to: cuenta, number: {scale: 1}}",
       R"({"valor": 2.5e30})",
       {"2.5e30", "2.5e+30", "2500000000000000000000000000000"},
       "valor"},
      {"{from: valor, to: cuenta, number: {scale: 1}}",
       R"({"valor": 1234.5678})",
       {"1234.5678"},
       "valor"},
      // Numbers written as text.
      {"{from: texto, to: cuenta, number: {scale: 1}}",
       R"({"texto": "12345.678"})",
       {"12345.678"},
       "texto"},
      {"{from: texto, to: cuenta, number: {scale: 1}}",
       R"({"texto": "abc12345xyz"})",
       {"abc12345xyz", "12345"},
       "texto"},
      {"{from: texto, to: cuenta, number: {scale: 1}}",
       R"({"texto": "98765432109876543210"})",
       {"98765432109876543210"},
       "texto"},
      {"{from: texto, to: otro, number: {scale: 1}}",
       R"({"texto": "9876543210987654321098765432109876543210"})",
       {"9876543210987654321098765432109876543210"},
       "texto"},
      {R"({from: texto, to: otro, number: {from_unit: mg, to_unit: g, from_suffix: " mg"}})",
       R"({"texto": "12345 kg"})",
       {"12345"},
       "texto"},
      // Dates.
      {R"({from: texto, to: otro, date: {from: "DD/MM/YYYY", to: ISO_DATE}})",
       R"({"texto": "31/02/1990"})",
       {"31/02/1990", "1990-02-31", "1990-03"},
       "texto"},
      {R"({from: texto, to: otro, date: {from: ISO_DATETIME, to: "YYYY-MM-DD hh:mm:ss"}})",
       R"({"texto": "2024-13-45T99:98:97Z"})",
       {"2024-13-45", "99:98:97"},
       "texto"},
      {"{from: cuenta, to: otro, date: {from: EPOCH_MILLIS, to: ISO_DATETIME_MS}}",
       R"({"cuenta": "253402300800000"})",
       {"253402300800000", "10000-01-01"},
       "cuenta"},
      {"{from: texto, to: sin_signo, date: {from: ISO_DATE, to: EPOCH_SECONDS}}",
       R"({"texto": "1969-07-20"})",
       {"1969-07-20", "14256000"},
       "texto"},
      // Codes no table lists.
      {"{from: texto, to: otro, translate: {codes: {A1: B1}}}",
       R"({"texto": "ZZTOP-CODE-77"})",
       {"ZZTOP-CODE-77"},
       "texto"},
      {"{from: texto, to: estado, enum: {values: {activo: ESTADO_ACTIVO}}}",
       R"({"texto": "inexistente-9"})",
       {"inexistente-9"},
       "texto"},
      // Identifiers.
      {"{from: texto, to: otro, identifier: CL-RUN}",
       R"({"texto": "12.531.909-5"})",
       {"12.531.909", "12531909"},
       "texto"},
      {"{from: texto, to: otro, identifier: CL-RUN}",
       R"({"texto": "XYZ-not-a-run"})",
       {"XYZ-not-a-run"},
       "texto"},
      // Conditions.
      {R"({check: {field: texto, matches: "[0-9]+"}}, {from: texto, to: otro})",
       R"({"texto": "secreto-abc-999"})",
       {"secreto-abc-999"},
       "texto"},
      {"{check: {field: texto, in: [A, B]}}, {from: texto, to: otro}",
       R"({"texto": "NOT-IN-LIST-42"})",
       {"NOT-IN-LIST-42"},
       "texto"},
      // Split and join.
      {R"({from: texto, to: [otro, tercero], split: " "})",
       R"({"texto": "solitario"})",
       {"solitario"},
       "texto"},
      {R"({from: [texto, otro], to: cuenta, join: " ", number: {scale: 1}})",
       R"({"texto": "uno", "otro": "dos"})",
       {"uno", "dos"},
       "texto"},
  };
  std::string descriptor_set = RegistroDescriptorSet();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rules + " on " + c.input);
    std::string policy = testing::MakeMappingDir(
        {{"mappings/m.yaml",
          Header("registro.v1.Registro", "registro.v1.Registro") + "rules: [" + c.rules + "]\n"}});
    std::istringstream in(c.input);
    std::ostringstream out;
    std::ostringstream err;
    int code =
        RunMapCommand({"--policy", policy, "--mapping", "test", "--descriptor-set", descriptor_set},
                      in, out, err);
    EXPECT_EQ(code, 1) << err.str();
    EXPECT_EQ(out.str(), "");
    EXPECT_THAT(err.str(), HasSubstr(absl::StrCat("mapping 'test': field '", c.field, "': ")));
    for (const std::string& value : c.values) EXPECT_THAT(err.str(), Not(HasSubstr(value)));
  }
}

TEST(InvertibilityTest, LoaderListsEveryRuleThatIsNotInvertible) {
  Loaded loaded(Header(kDocumento, kIdentifier) + kNotInvertible);
  const Mapping& mapping = loaded.mapping();
  EXPECT_FALSE(mapping.invertible());
  ASSERT_EQ(mapping.non_invertible_rules().size(), 3u);
  absl::StatusOr<const MappingPlan*> reverse = mapping.reverse();
  EXPECT_EQ(reverse.status().code(), absl::StatusCode::kFailedPrecondition);
  std::string file = loaded.dir() + "/m.yaml";
  EXPECT_EQ(reverse.status().message(),
            absl::StrCat(
                "mapping 'test' cannot run in reverse: 3 rule(s) are not invertible:\n", file,
                ":9:5: not invertible: the rule has when but no reverse_when: say when it applies "
                "in reverse, or mark it direction: forward\n",
                file,
                ":14:16: not invertible: normalize has no reverse_normalize: say what the reverse "
                "does (reverse_normalize: [] writes the value back as it is)\n",
                file,
                ":20:11: not invertible: the translate table at line 18: 'AR' (line 19) and 'UY' "
                "both translate to 'X', so the reverse is ambiguous; mark all but one with "
                "reverse: false"));
  // The forward direction works regardless.
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "DNI", "numero": " 1 "})"),
            R"({"scheme":"DNI","value":"1"})");
}

TEST(InvertibilityTest, MapCommandRefusesReverseAndListsTheRules) {
  Loaded loaded(Header(kDocumento, kIdentifier) + kNotInvertible);
  std::string policy = testing::MakeMappingDir({});
  ASSERT_EQ(::rename(loaded.dir().c_str(), (policy + "/mappings").c_str()), 0);
  std::istringstream in("{}");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(
      RunMapCommand({"--policy", policy, "--mapping", "test", "--reverse", "--descriptor-set",
                     PASARELA_DESCRIPTOR_SET, "--descriptor-set", PASARELA_NATIONAL_DESCRIPTOR_SET},
                    in, out, err),
      1);
  EXPECT_THAT(err.str(), HasSubstr("cannot run in reverse: 3 rule(s) are not invertible:"));
  EXPECT_THAT(err.str(), HasSubstr("m.yaml:9:5: not invertible"));
  EXPECT_EQ(out.str(), "");
}

TEST(InvertibilityTest, ForwardOnlyRulesDoNotCount) {
  Loaded loaded(Header(kDocumento, kIdentifier) + R"(
ignore: [numero, pais_emisor, value, issuing_country]
rules:
  - from: tipo
    to: scheme
    normalize: [upper]
    direction: forward
  - from: tipo
    to: scheme
)");
  EXPECT_TRUE(loaded.mapping().invertible());
  EXPECT_EQ(Map(loaded.forward(), R"({"tipo": "dni"})"), R"({"scheme":"dni"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"scheme": "AR-DNI"})"), R"({"tipo":"AR-DNI"})");
}

constexpr char kSumario[] = "br.datasus.v1.SumarioPaciente";
constexpr char kSummary[] = "pasarela.health.v1.PatientSummary";

TEST(DateTest, ZonesEpochsAndShortTokens) {
  Loaded loaded(Header(kSumario, kSummary) + R"(
rules:
  - from: data_atualizacao
    to: last_updated
    date: {from: "D/M/YYYY hh:mm", from_zone: America/Sao_Paulo, to: ISO_DATETIME}
  - from: data_nascimento
    to: birth_date
    date: {from: D/M/YYYY, to: ISO_DATE}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"data_atualizacao": "5/3/2024 09:05",
                                       "data_nascimento": "1/12/1970"})"),
            R"({"birth_date":"1970-12-01","last_updated":"2024-03-05T12:05:00Z"})");
  // Any RFC 3339 date-time is read in reverse, whatever its offset and fraction.
  EXPECT_EQ(Map(loaded.reverse(), R"({"last_updated": "2024-03-05T09:05:30.5-03:00",
                                       "birth_date": "1970-12-01"})"),
            R"({"data_nascimento":"1/12/1970","data_atualizacao":"5/3/2024 09:05"})");
  EXPECT_THAT(Map(loaded.forward(), R"({"data_nascimento": "29/2/2023"})"),
              HasSubstr("not a valid date in the format D/M/YYYY"));
}

TEST(DateTest, LiteralSeparatorsAndYearsAreChecked) {
  Loaded loaded(Header(kSumario, kSummary) + R"(
rules:
  - from: data_nascimento
    to: birth_date
    date: {from: DD/MM/YYYY, to: ISO_DATE}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"data_nascimento": "01/02/2000"})"),
            R"({"birth_date":"2000-02-01"})");
  for (const char* wrong : {"01x02x2000", "01-02-2000", "01/02-2000", "01/02/0000"}) {
    EXPECT_THAT(Map(loaded.forward(), absl::StrCat(R"({"data_nascimento": ")", wrong, R"("})")),
                HasSubstr("not a valid date in the format DD/MM/YYYY"))
        << wrong;
  }
  EXPECT_THAT(Map(loaded.reverse(), R"({"birth_date": "2000/02/01"})"),
              HasSubstr("not a valid date in the format ISO_DATE"));
}

TEST(DateTest, EpochsBeyondYear9999AreRefused) {
  const Mapping* mapping = testing::PilotMappings().Find("uy-resumen-response");
  EXPECT_THAT(Map(mapping->forward(), R"({"resumen": {"actualizado_en": "253402300799999"}})"),
              HasSubstr(R"("last_updated":"9999-12-31T23:59:59.999Z")"));
  EXPECT_THAT(Map(mapping->forward(), R"({"resumen": {"actualizado_en": "253402300800000"}})"),
              HasSubstr("field 'resumen.actualizado_en': the date is outside the years 0001 to "
                        "9999"));
  EXPECT_THAT(Map(mapping->forward(), R"({"resumen": {"actualizado_en": "-62135596800001"}})"),
              HasSubstr("outside the years 0001 to 9999"));
  // Coming back, a date of year 0000 would become a count the forward direction refuses.
  absl::StatusOr<const MappingPlan*> reverse = mapping->reverse();
  ASSERT_TRUE(reverse.ok()) << reverse.status().message();
  EXPECT_THAT(Map(**reverse, R"({"summary": {"last_updated": "0001-01-01T00:00:00.000Z"}})"),
              HasSubstr(R"("actualizado_en":"-62135596800000")"));
  EXPECT_THAT(Map(**reverse, R"({"summary": {"last_updated": "0000-12-31T23:59:59.999Z"}})"),
              HasSubstr("field 'summary.last_updated': the date is outside the years 0001 to "
                        "9999"));
}

TEST(DateTest, LossyFormatIsAWarningAndNotInvertible) {
  Loaded loaded(Header(kSumario, kSummary) + R"(
rules:
  - from: data_atualizacao
    to: last_updated
    date: {from: "DD/MM/YYYY hh:mm:ss", to: ISO_DATE}
)");
  std::string warnings;
  for (const Diagnostic& warning : loaded.set().warnings()) {
    absl::StrAppend(&warnings, FormatWarning(warning), "\n");
  }
  EXPECT_THAT(warnings, HasSubstr("m.yaml:10:11: warning: date: 'ISO_DATE' drops the time of day "
                                  "of 'DD/MM/YYYY hh:mm:ss': the conversion is lossy"));
  EXPECT_FALSE(loaded.mapping().invertible());
  EXPECT_EQ(Map(loaded.forward(), R"({"data_atualizacao": "25/03/2024 23:59:59"})"),
            R"({"last_updated":"2024-03-25"})");
}

TEST(NumberTest, UnitsSuffixesAndWholeNumbers) {
  Loaded loaded(Header("uy.msp.v1.MedicamentoActivo", "pasarela.health.v1.MedicationStatement") +
                R"(
rules:
  - from: dosis_mcg
    to: dosage
    number: {from_unit: mcg, to_unit: g, decimals: 6, to_suffix: " g"}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"dosis_mcg": "1500"})"), R"({"dosage":"0.0015 g"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "0.0015 g"})"), R"({"dosis_mcg":"1500"})");
  // Decimal commas, as the region writes them.
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "2,5 g"})"), R"({"dosis_mcg":"2500000"})");
  EXPECT_THAT(Map(loaded.reverse(), R"({"dosage": "0.0000005 g"})"),
              HasSubstr("field 'dosage': does not convert to a whole number"));
  EXPECT_THAT(Map(loaded.reverse(), R"({"dosage": "one gram"})"),
              HasSubstr("field 'dosage': not a number followed by 'g' (such as 2.5 g)"));
}

TEST(NumberTest, ScaleAndRange) {
  Loaded loaded(Header("uy.msp.v1.Vacuna", "pasarela.health.v1.Immunization") + R"(
rules:
  - from: dosis
    to: dose_number
    number: {scale: 1000}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"dosis": 2})"), R"({"dose_number":2000})");
  EXPECT_THAT(Map(loaded.forward(), R"({"dosis": 2147484})"),
              HasSubstr("field 'dose_number': the value of 'dosis' does not fit in a field of "
                        "type int32 (-2147483648 to 2147483647)"));
  EXPECT_EQ(Map(loaded.reverse(), R"({"dose_number": 3000})"), R"({"dosis":3})");
}

// A 64-bit id, or a 19-digit number written as text, crosses digit for digit: 2^53 + 1 is where a
// double would start to drop digits.
TEST(NumberTest, WholeNumbersCrossExactly) {
  Loaded loaded(Header("uy.msp.v1.MedicamentoActivo", "pasarela.health.v1.MedicationStatement") +
                R"(
rules:
  - from: dosis_mcg
    to: dosage
    number: {scale: 1}
)");
  for (const char* number : {"9007199254740993", "9223372036854775807", "-9223372036854775808"}) {
    EXPECT_EQ(Map(loaded.forward(), absl::StrCat(R"({"dosis_mcg": ")", number, R"("})")),
              absl::StrCat(R"({"dosage":")", number, R"("})"));
    EXPECT_EQ(Map(loaded.reverse(), absl::StrCat(R"({"dosage": ")", number, R"("})")),
              absl::StrCat(R"({"dosis_mcg":")", number, R"("})"));
  }
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "9223372036854775808"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test' (reverse): field 'dosage': does not fit in a "
            "64-bit signed integer (-9223372036854775808 to 9223372036854775807)");
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "1234567890123456789012345678901234567890"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test' (reverse): field 'dosage': has too many digits "
            "to convert exactly (at most 37 significant digits, before and after the "
            "conversion)");
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "doce"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test' (reverse): field 'dosage': not a number "
            "(digits with an optional sign, decimal point or comma and exponent: -12, 2.5, 1e3)");
}

TEST(NumberTest, UnitsKeepEveryDigitOfLargeNumbers) {
  Loaded loaded(Header("uy.msp.v1.MedicamentoActivo", "pasarela.health.v1.MedicationStatement") +
                R"(
rules:
  - from: dosis_mcg
    to: dosage
    number: {from_unit: mcg, to_unit: mg, decimals: 3, to_suffix: " mg"}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"dosis_mcg": "9007199254740993"})"),
            R"({"dosage":"9007199254740.993 mg"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "9223372036854775.807 mg"})"),
            R"({"dosis_mcg":"9223372036854775807"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "1e3 mg"})"), R"({"dosis_mcg":"1000000"})");
  EXPECT_THAT(Map(loaded.reverse(), R"({"dosage": "9223372036854775.8075 mg"})"),
              HasSubstr("field 'dosage': does not convert to a whole number"));
}

// The messages of the catalog with unsigned 64-bit fields, every field but `sequence` ignored.
std::string AuditRecordToCheckpoint() {
  return Header("pasarela.audit.v1.AuditRecord", "pasarela.audit.v1.Checkpoint") + R"(
ignore: [previous_hash, time, gateway, direction, exchange_id, consumer, provider, method,
         agreement_id, agreement_digest, purpose, decision, deciding_rule, grpc_status_code,
         grpc_status_message, latency_us, classification, request_digest, response_digest,
         policy_digest, subject_pseudonym, receipt, bytes_in, bytes_out, record_hash,
         signer_certificate_pem, signature_algorithm, signature]
)";
}

TEST(NumberTest, UnsignedIdsUseAllSixtyFourBits) {
  Loaded loaded(AuditRecordToCheckpoint() + R"(
rules:
  - from: sequence
    to: sequence
    number: {scale: 1000}
)");
  EXPECT_EQ(Map(loaded.reverse(), R"({"sequence": "18446744073709551000"})"),
            R"({"sequence":"18446744073709551"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"sequence": "18446744073709551"})"),
            R"({"sequence":"18446744073709551000"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"sequence": "18446744073709552"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'sequence': does not fit in a 64-bit "
            "unsigned integer (0 to 18446744073709551615)");
  EXPECT_THAT(Map(loaded.reverse(), R"({"sequence": "18446744073709551615"})"),
              HasSubstr("field 'sequence': does not convert to a whole number"));
}

TEST(NumberTest, AWholeNumberAFloatingPointFieldCannotHoldIsAnError) {
  Loaded loaded(Header("pasarela.catalog.v1.Offering", "pasarela.catalog.v1.Offering") + R"(
ignore: [method, provider, agreement, agreement_title, agreement_digest, purposes, legal_basis,
         legal_reference, valid_from, valid_until, validity, days_until_expiry, retention,
         quota_requests_per_second, highest_category, also_allowed, request, response]
rules:
  - from: quota_burst
    to: quota_requests_per_second
    number: {scale: 1}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"quota_burst": "12345"})"),
            R"({"quota_requests_per_second":12345})");
  EXPECT_EQ(Map(loaded.forward(), R"({"quota_burst": "9007199254740993"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'quota_burst': has more digits than a "
            "floating-point field holds exactly (whole numbers are exact up to "
            "9007199254740992)");
  EXPECT_EQ(Map(loaded.reverse(), R"({"quota_requests_per_second": 2.5})"),
            "ERROR INVALID_ARGUMENT: mapping 'test' (reverse): field 'quota_requests_per_second': "
            "does not convert to a whole number, as an integer field needs");
}

TEST(NumberTest, ScaleIsTheExactFractionWritten) {
  Loaded loaded(Header("uy.msp.v1.MedicamentoActivo", "pasarela.health.v1.MedicationStatement") +
                R"(
rules:
  - from: dosis_mcg
    to: dosage
    number: {scale: 0.001, decimals: 3}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"dosis_mcg": "4611686018427387903"})"),
            R"({"dosage":"4611686018427387.903"})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"dosage": "4611686018427387.903"})"),
            R"({"dosis_mcg":"4611686018427387903"})");
}

// No schema of the pilot has a float field: the test schema has one, with a 64-bit integer and a
// double beside it.
TEST(NumberTest, AFloatFieldTakesNoNumberItWouldChange) {
  auto load = [&](const std::string& rule) {
    Diagnostics diagnostics;
    std::string dir;
    std::unique_ptr<const MappingSet> loaded = LoadRegistro(rule, diagnostics, &dir);
    EXPECT_NE(loaded, nullptr) << diagnostics.ToString();
    return loaded;
  };
  google::protobuf::DynamicMessageFactory factory(&RegistroCatalog().pool());
  auto map = [&](const MappingSet& loaded, const std::string& json) {
    const MappingPlan& plan = loaded.Find("test")->forward();
    std::unique_ptr<Message> in(factory.GetPrototype(plan.source_type())->New());
    std::unique_ptr<Message> out(factory.GetPrototype(plan.target_type())->New());
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, in.get()).ok());
    absl::Status status = plan.Apply(*in, out.get());
    return status.ok() ? testing::ToJson(*out) : std::string(status.message());
  };
  auto counted = load("  - {from: cuenta, to: corto, number: {scale: 1}}\n");
  ASSERT_NE(counted, nullptr);
  EXPECT_EQ(map(*counted, R"({"cuenta": "16777216"})"), R"({"corto":16777216})");
  EXPECT_EQ(map(*counted, R"({"cuenta": "16777217"})"),
            "mapping 'test': field 'corto': the value of 'cuenta' has more digits than a "
            "floating-point field of type float holds exactly (whole numbers are exact up to "
            "16777216)");
  // An element of a list is named with its index.
  auto listed = load("  - {from: textos, to: chicos, number: {scale: 1}}\n");
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(map(*listed, R"({"textos": ["5", "3000000001"]})"),
            "mapping 'test': field 'chicos': the value of 'textos[1]' does not fit in a field of "
            "type int32 (-2147483648 to 2147483647)");
  auto copied = load("  - {from: valor, to: corto}\n");
  ASSERT_NE(copied, nullptr);
  EXPECT_EQ(map(*copied, R"({"valor": 0.5})"), R"({"corto":0.5})");
  EXPECT_EQ(map(*copied, R"({"valor": 1e39})"),
            "mapping 'test': field 'corto': the value of 'valor' does not fit in a field of type "
            "float (magnitude at most 3.4028235e38)");
}

// A constant or a default is written as it is: one its field cannot hold as written is an error in
// the file, at the literal, as the same value from a message is at run time.
TEST(NumberTest, AConstantOrDefaultItsFieldCannotHoldIsALoadError) {
  // The load's errors, with the file's name as m.yaml, or "loaded".
  // A reverse_default too, though only the reverse writes it: no reverse could.
  auto load = [&](const std::string& rule) {
    Diagnostics diagnostics;
    std::string dir;
    std::unique_ptr<const MappingSet> set = LoadRegistro(rule, diagnostics, &dir);
    std::string problems = diagnostics.ToString();
    if (set != nullptr) {
      absl::StatusOr<const MappingPlan*> reverse = set->Find("test")->reverse();
      problems = reverse.ok() ? "loaded" : std::string(reverse.status().message());
    }
    return absl::StrReplaceAll(problems, {{dir + "/", ""}});
  };
  EXPECT_EQ(load("  - {to: valor, constant: \"9007199254740993\"}\n"),
            "m.yaml:7:27: error: constant: '9007199254740993' has more digits than a "
            "floating-point field holds exactly (whole numbers are exact up to "
            "9007199254740992)\n");
  EXPECT_EQ(load("  - {from: texto, to: valor, number: {scale: 1}, default: \"1e300\"}\n"),
            "m.yaml:7:59: error: default: '1e300' has more digits than a floating-point field "
            "holds exactly (whole numbers are exact up to 9007199254740992)\n");
  EXPECT_EQ(load("  - {from: valor, to: texto, number: {scale: 1}, reverse_default: "
                 "\"9007199254740993.5\"}\n"),
            "m.yaml:7:67: error: reverse_default: '9007199254740993.5' has more digits than a "
            "floating-point field holds exactly (whole numbers are exact up to "
            "9007199254740992)\n");
  EXPECT_EQ(load("  - {from: chico, to: chico, reverse_default: \"2147483648\"}\n"),
            "m.yaml:7:47: error: reverse_default: '2147483648' does not fit in a field of type "
            "int32 (-2147483648 to 2147483647)\n");
  EXPECT_EQ(load("  - {from: estado, to: estado, reverse_default: ACTIVO}\n"),
            "m.yaml:7:49: error: reverse_default: 'ACTIVO' is not a value of "
            "registro.v1.Registro.Estado\n");
  EXPECT_EQ(load("  - {to: corto, constant: \"16777217\"}\n"),
            "m.yaml:7:27: error: constant: '16777217' has more digits than a floating-point field "
            "of type float holds exactly (whole numbers are exact up to 16777216)\n");
  EXPECT_EQ(load("  - {to: corto, constant: \"1e39\"}\n"),
            "m.yaml:7:27: error: constant: '1e39' does not fit in a field of type float "
            "(magnitude at most 3.4028235e38)\n");
  EXPECT_EQ(load("  - {from: cuenta, to: chico, default: \"2147483648\"}\n"),
            "m.yaml:7:40: error: default: '2147483648' does not fit in a field of type int32 "
            "(-2147483648 to 2147483647)\n");
  EXPECT_EQ(load("  - {to: chico_sin_signo, constant: \"4294967296\"}\n"),
            "m.yaml:7:37: error: constant: '4294967296' does not fit in a field of type uint32 (0 "
            "to 4294967295)\n");
  // What the fields hold: every whole number up to the limit, and fractions as their nearest
  // binary value.
  for (const char* rule :
       {"  - {to: valor, constant: \"9007199254740992\"}\n", "  - {to: valor, constant: \"0.1\"}\n",
        "  - {to: valor, constant: \"1e-40\"}\n", "  - {to: valor, constant: \"2.5e20\"}\n",
        "  - {to: corto, constant: \"16777216\"}\n", "  - {to: corto, constant: \"0.1\"}\n",
        "  - {to: chico, constant: \"-2147483648\"}\n",
        "  - {to: chico_sin_signo, constant: \"4294967295\"}\n"}) {
    EXPECT_EQ(load(rule), "loaded") << rule;
  }
}

// A code table's value, or its default, is written as it is, as a constant is: one its field
// cannot hold is a load error at the entry or the default, in either direction, so that no call
// meets it. What loads, maps.
TEST(NumberTest, ATableValueItsFieldCannotHoldIsALoadErrorInEitherDirection) {
  auto load = [&](const std::string& rule, std::unique_ptr<const MappingSet>* kept = nullptr) {
    Diagnostics diagnostics;
    std::string dir;
    std::unique_ptr<const MappingSet> set = LoadRegistro(rule, diagnostics, &dir);
    std::string problems = set != nullptr ? "loaded" : diagnostics.ToString();
    if (kept != nullptr) *kept = std::move(set);
    return absl::StrReplaceAll(problems, {{dir + "/", ""}});
  };
  EXPECT_EQ(load("  - {from: texto, to: chico, translate: {codes: {a: \"2147483648\"}}}\n"),
            "m.yaml:7:50: error: the translate table at line 7: code 'a' translates to "
            "'2147483648', which 'chico' (int32) of registro.v1.Registro cannot hold: the value "
            "does not fit in a field of type int32 (-2147483648 to 2147483647)\n");
  EXPECT_EQ(load("  - {from: texto, to: chico_sin_signo, translate: {codes: {a: \"-1\"}, "
                 "unmapped: default, default: dos}}\n"),
            "m.yaml:7:60: error: the translate table at line 7: code 'a' translates to '-1', "
            "which 'chico_sin_signo' (uint32) of registro.v1.Registro cannot hold: it holds a "
            "whole number from 0 to 4294967295\n"
            "m.yaml:7:98: error: the translate table at line 7: default 'dos', which "
            "'chico_sin_signo' (uint32) of registro.v1.Registro cannot hold: it holds a whole "
            "number from 0 to 4294967295\n");
  EXPECT_EQ(load("  - {from: texto, to: corto, translate: {codes: {a: \"16777217\"}}}\n"),
            "m.yaml:7:50: error: the translate table at line 7: code 'a' translates to "
            "'16777217', which 'corto' (float) of registro.v1.Registro cannot hold: the value has "
            "more digits than a floating-point field of type float holds exactly (whole numbers "
            "are exact up to 16777216)\n");
  EXPECT_EQ(load("  - {from: texto, to: estado, translate: {codes: {a: ACTIVO}}}\n"),
            "m.yaml:7:51: error: the translate table at line 7: code 'a' translates to 'ACTIVO', "
            "which 'estado' (registro.v1.Registro.Estado) of registro.v1.Registro cannot hold: it "
            "holds one of ESTADO_DESCONOCIDO, ESTADO_ACTIVO\n");
  // In reverse: the table's source codes go into the rule's source field.
  EXPECT_EQ(load("  - {from: chico, to: texto, translate: {codes: {\"2147483648\": a}}}\n"),
            "m.yaml:7:50: error: the translate table at line 7: code 'a' translates back to "
            "'2147483648', which 'chico' (int32) of registro.v1.Registro cannot hold: the value "
            "does not fit in a field of type int32 (-2147483648 to 2147483647)\n");
  EXPECT_EQ(load("  - {from: chico, to: texto, translate: {codes: {\"1\": a}, reverse_unmapped: "
                 "default, reverse_default: \"-2147483649\"}}\n"),
            "m.yaml:7:103: error: the translate table at line 7: reverse_default '-2147483649', "
            "which 'chico' (int32) of registro.v1.Registro cannot hold: the value does not fit in "
            "a field of type int32 (-2147483648 to 2147483647)\n");
  // A rule that does not run in reverse writes nothing there.
  EXPECT_EQ(load("  - {from: chico, to: texto, direction: forward, translate: {codes: "
                 "{\"2147483648\": a}}}\n"),
            "loaded");
  // The limits load, and map both ways.
  std::unique_ptr<const MappingSet> limits;
  ASSERT_EQ(load("  - {from: texto, to: chico, translate: {codes: {a: \"2147483647\", b: "
                 "\"-2147483648\"}}}\n",
                 &limits),
            "loaded");
  const Mapping& mapping = *limits->Find("test");
  google::protobuf::DynamicMessageFactory factory(&RegistroCatalog().pool());
  auto map = [&](const MappingPlan& plan, const std::string& json) {
    std::unique_ptr<Message> in(factory.GetPrototype(plan.source_type())->New());
    std::unique_ptr<Message> out(factory.GetPrototype(plan.target_type())->New());
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, in.get()).ok());
    absl::Status status = plan.Apply(*in, out.get());
    return status.ok() ? testing::ToJson(*out) : std::string(status.message());
  };
  EXPECT_EQ(map(mapping.forward(), R"({"texto": "a"})"), R"({"chico":2147483647})");
  EXPECT_EQ(map(mapping.forward(), R"({"texto": "b"})"), R"({"chico":-2147483648})");
  ASSERT_TRUE(mapping.reverse().ok());
  EXPECT_EQ(map(**mapping.reverse(), R"({"chico": 2147483647})"), R"({"texto":"a"})");
}

TEST(JoinSplitTest, FixedFieldsFromEitherSide) {
  Loaded loaded(Header("ar.renaper.v1.Domicilio", "pasarela.identity.v1.Address") + R"(
rules:
  - from: [calle, numero]
    to: lines[0]
    join: {separator: " ", split_at: last}
  - from: [localidad, provincia]
    to: locality
    join: ", "
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"calle": "AV. DE MAYO", "numero": "575",
                                       "localidad": "CABA", "provincia": "BUENOS AIRES, AR"})"),
            R"({"lines":["AV. DE MAYO 575"],"locality":"CABA, BUENOS AIRES, AR"})");
  // Split at the last space for the street; at the first ", " for the locality.
  EXPECT_EQ(Map(loaded.reverse(),
                R"({"lines": ["AV. DE MAYO 575"], "locality": "CABA, BUENOS AIRES, AR"})"),
            R"({"calle":"AV. DE MAYO","numero":"575","localidad":"CABA",)"
            R"("provincia":"BUENOS AIRES, AR"})");
  // One piece only: which field it belongs to is not known, so it is not guessed.
  EXPECT_EQ(Map(loaded.reverse(), R"({"lines": ["575"]})"),
            "ERROR INVALID_ARGUMENT: mapping 'test' (reverse): field 'lines[0]': expected 2 parts "
            "separated by ' ' (calle, numero), found 1");
  // Forward, only the parts present are joined: no stray separator.
  EXPECT_EQ(Map(loaded.forward(), R"({"calle": "RUTA 3", "localidad": "CABA"})"),
            R"({"lines":["RUTA 3"],"locality":"CABA"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"numero": "1234", "provincia": "SALTA"})"),
            R"({"lines":["1234"],"locality":"SALTA"})");
}

TEST(JoinSplitTest, ReverseSplitWithoutItsSeparatorIsAnErrorNotAGuess) {
  const Mapping* mapping = testing::PilotMappings().Find("ar-documento");
  EXPECT_EQ(Map(**mapping->reverse(),
                R"({"issuing_country": "FR", "scheme": "PASSPORT", "value": "12AB34567"})"),
            "ERROR INVALID_ARGUMENT: mapping 'ar-documento' (reverse): field 'scheme': expected 2 "
            "parts separated by '-' (pais_emisor, tipo), found 1");
  EXPECT_EQ(Map(**mapping->reverse(),
                R"({"issuing_country": "FR", "scheme": "FR-PASSPORT", "value": "12AB34567"})"),
            R"({"pais_emisor":"FR","tipo":"PASSPORT","numero":"12AB34567"})");
}

// Positions of one repeated field are not fields of their own: fewer pieces are fewer elements.
TEST(JoinSplitTest, ASplitIntoPositionsOfOneListTakesFewerPieces) {
  Loaded loaded(Header("ar.renaper.v1.Domicilio", "pasarela.identity.v1.Address") + R"(
ignore: [numero, piso_depto, localidad, provincia, codigo_postal, locality, region, postal_code,
         country]
rules:
  - from: calle
    to: ["lines[0]", "lines[1]", "lines[2]"]
    split: " / "
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"calle": "AV. DE MAYO 575 / PISO 3"})"),
            R"({"lines":["AV. DE MAYO 575","PISO 3"]})");
  EXPECT_EQ(Map(loaded.forward(), R"({"calle": "AV. DE MAYO 575"})"),
            R"({"lines":["AV. DE MAYO 575"]})");
  EXPECT_EQ(Map(loaded.reverse(), R"({"lines": ["AV. DE MAYO 575", "PISO 3"]})"),
            R"({"calle":"AV. DE MAYO 575 / PISO 3"})");
}

TEST(JoinSplitTest, LastNumberSplitsOnlyBeforeAHouseNumber) {
  Loaded loaded(Header("ar.renaper.v1.Domicilio", "pasarela.identity.v1.Address") + R"(
ignore: [piso_depto, localidad, provincia, codigo_postal, locality, region, postal_code, country]
rules:
  - from: [calle, numero]
    to: lines[0]
    join: {separator: " ", split_at: last_number}
)");
  auto reverse = [&](const std::string& line) {
    return Map(loaded.reverse(), absl::StrCat(R"({"lines": [")", line, R"("]})"));
  };
  EXPECT_EQ(reverse("AV. DE MAYO 575"), R"({"calle":"AV. DE MAYO","numero":"575"})");
  EXPECT_EQ(reverse("Calle 50 1234B"), R"({"calle":"Calle 50","numero":"1234B"})");
  EXPECT_EQ(reverse("Belgrano N°120"), R"({"calle":"Belgrano","numero":"N°120"})");
  EXPECT_EQ(reverse("Rua Augusta, 1500"), R"({"calle":"Rua Augusta","numero":"1500"})");
  // No house number at the end: the whole line is the street.
  EXPECT_EQ(reverse("Av. Corrientes"), R"({"calle":"Av. Corrientes"})");
  EXPECT_EQ(reverse("Av. Providencia 1234, depto 5"),
            R"({"calle":"Av. Providencia 1234, depto 5"})");
  EXPECT_EQ(reverse("1234"), R"({"calle":"1234"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"calle": "Av. Corrientes"})"),
            R"({"lines":["Av. Corrientes"]})");
}

TEST(JoinSplitTest, LastNumberNeedsTwoFields) {
  Diagnostics diagnostics;
  std::string dir = testing::MakeMappingDir(
      {{"m.yaml", Header("ar.renaper.v1.Domicilio", "pasarela.identity.v1.Address") + R"(
rules:
  - from: [calle, numero, piso_depto]
    to: lines[0]
    join: {separator: " ", split_at: last_number}
)"}});
  EXPECT_EQ(LoadMappings(dir, testing::Catalog(), diagnostics), nullptr);
  EXPECT_THAT(diagnostics.ToString(), HasSubstr("split_at: last_number splits a text into two "
                                                "fields"));
}

// A floating-point number joined into text keeps every digit it has, not six.
TEST(JoinSplitTest, FloatingPointNumbersAreJoinedWithAllTheirDigits) {
  Loaded loaded(Header("pasarela.catalog.v1.Offering", "pasarela.catalog.v1.Offering") + R"(
ignore: [provider, agreement, agreement_title, agreement_digest, purposes, legal_basis,
         legal_reference, valid_from, valid_until, validity, days_until_expiry, retention,
         quota_burst, highest_category, also_allowed, request, response]
rules:
  - from: [method, quota_requests_per_second]
    to: retention
    join: " "
    direction: forward
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"method": "m", "quota_requests_per_second": 1234567.25})"),
            R"({"retention":"m 1234567.25"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"method": "m", "quota_requests_per_second": 0.1})"),
            R"({"retention":"m 0.1"})");
}

// An unsigned count since 1970 holds neither a date before 1970 nor, past 2^63, any date: it is
// refused rather than wrapped to a date of the other side of 1970.
TEST(DateTest, UnsignedEpochCountsDoNotWrap) {
  Loaded loaded(AuditRecordToCheckpoint() + R"(
rules:
  - from: sequence
    to: gateway
    date: {from: EPOCH_SECONDS, to: ISO_DATETIME}
)");
  EXPECT_EQ(Map(loaded.forward(), R"({"sequence": "86400"})"),
            R"({"gateway":"1970-01-02T00:00:00Z"})");
  EXPECT_EQ(Map(loaded.forward(), R"({"sequence": "18446744073709551615"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test': field 'sequence': the date is outside the "
            "years 0001 to 9999");
  EXPECT_EQ(Map(loaded.reverse(), R"({"gateway": "1969-12-31T23:59:59Z"})"),
            "ERROR INVALID_ARGUMENT: mapping 'test' (reverse): field 'gateway': the date is before "
            "1970, which an unsigned count since 1970 cannot hold");
}

TEST(AbsentTest, BlankTextCountsAsAbsentInBothDirections) {
  const Mapping* mapping = testing::PilotMappings().Find("cl-consulta-run-response");
  EXPECT_EQ(Map(mapping->forward(),
                R"({"persona": {"run": "12.531.909-2", "apellido_paterno": "   ",
                                "nombres": " \t "}})"),
            R"({"person":{"identifiers":[{"issuing_country":"CL","scheme":"CL-RUN",)"
            R"("value":"12531909-2"}]}})");
  const Mapping* ar = testing::PilotMappings().Find("ar-consultar-persona-response");
  EXPECT_THAT(
      Map(**ar->reverse(), R"({"person": {"family_names": ["  "], "given_names": ["ANA", " "]}})"),
      Not(HasSubstr("apellidos")));
  EXPECT_THAT(
      Map(**ar->reverse(), R"({"person": {"family_names": ["  "], "given_names": ["ANA", " "]}})"),
      HasSubstr(R"("nombres":"ANA")"));
}

TEST(AbsentTest, AnEmptyMessageIsNotPresent) {
  const Mapping* mapping = testing::PilotMappings().Find("br-sumario-request");
  EXPECT_THAT(Map(mapping->forward(), R"({"paciente": {}})"),
              HasSubstr("field 'paciente': check failed: say who the patient is"));
  EXPECT_THAT(Map(mapping->forward(), R"({"paciente": {"cpf": ""}})"),
              HasSubstr("check failed: say who the patient is"));
}

TEST(SelectorTest, KeyedElementsAreFoundOrCreated) {
  const Mapping* mapping = testing::PilotMappings().Find("cl-consulta-run-response");
  std::string canonical = Map(mapping->forward(), R"({"persona": {"run": "12.531.909-2"}})");
  EXPECT_EQ(canonical, R"({"person":{"identifiers":[{"issuing_country":"CL","scheme":"CL-RUN",)"
                       R"("value":"12531909-2"}]}})");
  // In reverse the RUN is found whatever its position among the identifiers.
  EXPECT_EQ(Map(**mapping->reverse(), R"({"person": {"identifiers": [
      {"issuing_country": "AR", "scheme": "AR-DNI", "value": "20123456"},
      {"issuing_country": "CL", "scheme": "CL-RUN", "value": "12531909-2"}]}})"),
            R"({"persona":{"run":"12.531.909-2"}})");
}

TEST(DefaultTest, AbsentSourceTakesTheDefault) {
  const Mapping* mapping = testing::PilotMappings().Find("uy-resumen-response");
  EXPECT_THAT(Map(mapping->forward(), R"({"resumen": {"diagnosticos": [
      {"codigo": "DX-001"}, {"codigo": "DX-002", "activo": true}]}})"),
              HasSubstr(R"("status":"resolved"},{"condition":{"system":)"));
}

TEST(DeepCopyTest, SameMessageTypeIsCopiedWhole) {
  Loaded loaded(
      Header("pasarela.identity.v1.GetPersonResponse", "pasarela.identity.v1.GetPersonResponse") +
      R"(
rules:
  - from: person
    to: person
)");
  std::string json =
      R"({"person":{"identifiers":[{"issuing_country":"CL","scheme":"CL-RUN","value":"1-9"}],)"
      R"("given_names":["ANA"],"birth_date":"2000-01-01"}})";
  EXPECT_EQ(Map(loaded.forward(), json), json);
}

TEST(MappingSetTest, FindPlanInEitherDirection) {
  const MappingSet& set = testing::PilotMappings();
  const MappingPlan* forward = set.FindPlan("cl.registrocivil.v1.ConsultaRunRequest",
                                            "pasarela.identity.v1.GetPersonRequest");
  ASSERT_NE(forward, nullptr);
  EXPECT_FALSE(forward->is_reverse());
  const MappingPlan* reverse = set.FindPlan("pasarela.identity.v1.GetPersonRequest",
                                            "cl.registrocivil.v1.ConsultaRunRequest");
  ASSERT_NE(reverse, nullptr);
  EXPECT_TRUE(reverse->is_reverse());
  EXPECT_EQ(reverse->mapping_id(), "cl-consulta-run-request");
  EXPECT_EQ(set.FindPlan("pasarela.identity.v1.Person", "uy.msp.v1.ResumenPaciente"), nullptr);
}

// Plans are immutable: many threads apply one concurrently and each gets the same answer.
TEST(ConcurrencyTest, OnePlanManyThreads) {
  const MappingPlan& plan = testing::PilotMappings().Find("uy-resumen-response")->forward();
  auto input = testing::NewMessage(plan.source_type());
  plan.FillExample(7, input.get());
  auto expected = testing::NewMessage(plan.target_type());
  ASSERT_TRUE(plan.Apply(*input, expected.get()).ok());
  std::string expected_json = testing::ToJson(*expected);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto out = testing::NewMessage(plan.target_type());
      for (int i = 0; i < 200; ++i) {
        if (!plan.Apply(*input, out.get()).ok() || testing::ToJson(*out) != expected_json) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace pasarela
