// The exchanges the pilot exists for, mapping by mapping as the two gateways run them: an agency
// asks in its own schema, its gateway maps the request to the canonical model, the provider's
// gateway maps it to the provider's schema; the answer comes back the same way.
#include <google/protobuf/util/message_differencer.h>

#include "gtest/gtest.h"
#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

using google::protobuf::Message;

const MappingPlan& Forward(const std::string& id) {
  const Mapping* mapping = testing::PilotMappings().Find(id);
  EXPECT_NE(mapping, nullptr) << id;
  return mapping->forward();
}

const MappingPlan& Reverse(const std::string& id) {
  const Mapping* mapping = testing::PilotMappings().Find(id);
  EXPECT_NE(mapping, nullptr) << id;
  absl::StatusOr<const MappingPlan*> plan = mapping->reverse();
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return **plan;
}

std::unique_ptr<Message> Step(const MappingPlan& plan, const Message& in) {
  std::unique_ptr<Message> out = testing::NewMessage(plan.target_type());
  absl::Status status = plan.Apply(in, out.get());
  EXPECT_TRUE(status.ok()) << status.message();
  return out;
}

void ExpectJson(const Message& actual, const std::string& json) {
  auto expected = testing::FromJson(actual.GetDescriptor()->full_name(), json);
  google::protobuf::util::MessageDifferencer differencer;
  std::string differences;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(*expected, actual))
      << differences << "\nactual: " << testing::ToJson(actual);
}

// An Argentine agency asks RENAPER-style about a Chilean person and gets a RENAPER-style answer.
TEST(ChainTest, ArgentineAgencyAsksAboutChileanPerson) {
  auto asked = testing::FromJson("ar.renaper.v1.ConsultarPersonaRequest", R"({
    "documento": {"pais_emisor": "CL", "tipo": "RUN", "numero": "12.531.909-2"},
    "motivo": "Control migratorio"})");
  auto canonical_request = Step(Forward("ar-consultar-persona-request"), *asked);
  auto chilean_request = Step(Reverse("cl-consulta-run-request"), *canonical_request);
  ExpectJson(*chilean_request, R"({"run": "12.531.909-2"})");

  auto chilean_answer = testing::FromJson("cl.registrocivil.v1.ConsultaRunResponse", R"({
    "persona": {"run": "12.531.909-2", "nombres": "MARÍA JOSÉ", "apellido_paterno": "GONZÁLEZ",
                "apellido_materno": "PÉREZ", "fecha_nacimiento": "21-08-1990", "sexo": "F",
                "nacionalidad": "CHL", "comuna_nacimiento": "PROVIDENCIA"}})");
  auto canonical_answer = Step(Forward("cl-consulta-run-response"), *chilean_answer);
  auto argentine_answer = Step(Reverse("ar-consultar-persona-response"), *canonical_answer);
  ExpectJson(*argentine_answer, R"({
    "persona": {
      "documentos": [{"pais_emisor": "CL", "tipo": "RUN", "numero": "12.531.909-2"}],
      "apellidos": "GONZÁLEZ PÉREZ", "nombres": "MARÍA JOSÉ", "fecha_nacimiento": "21/08/1990",
      "sexo": "SEXO_FEMENINO", "nacionalidad": "CHILENA", "lugar_nacimiento": "PROVIDENCIA"}})");
}

// A Brazilian hospital asks for a Uruguayan patient's summary and reads it in its own schema.
TEST(ChainTest, BrazilianHospitalGetsUruguayanSummary) {
  auto asked = testing::FromJson("br.datasus.v1.SolicitarSumarioPacienteRequest", R"({
    "paciente": {"pais_emissor": "UY", "tipo_documento": "CI", "numero_documento": "4.567.890-5"},
    "cnes_solicitante": "2237601"})");
  auto canonical_request = Step(Forward("br-sumario-request"), *asked);
  auto uruguayan_request = Step(Reverse("uy-resumen-request"), *canonical_request);
  ExpectJson(*uruguayan_request, R"({"cedula": "4.567.890-5"})");

  auto uruguayan_answer = testing::FromJson("uy.msp.v1.ObtenerResumenResponse", R"({
    "resumen": {
      "cedula": "4.567.890-5", "primer_nombre": "Ana", "primer_apellido": "Rodríguez",
      "segundo_apellido": "Núñez", "fecha_nacimiento": "19720914", "sexo": 2,
      "medicamentos": [{"codigo": "UYM-0030", "nombre": "Levotiroxina 100 mcg comprimidos",
                        "dosis_mcg": "100", "estado": "ACTIVO"}],
      "alergias": [{"codigo": "ALG-01", "sustancia": "Penicilina", "severidad": "SEVERA"}],
      "diagnosticos": [{"codigo": "DX-011", "descripcion": "Hipotiroidismo", "activo": true}],
      "vacunas": [{"codigo": "FIEBRE_AMARILLA", "fecha": "20150302", "dosis": 1}],
      "grupo_sanguineo": "AB Rh+",
      "actualizado_en": "1711377000000"}})");
  auto canonical_answer = Step(Forward("uy-resumen-response"), *uruguayan_answer);
  auto brazilian_answer = Step(Reverse("br-sumario-response"), *canonical_answer);
  ExpectJson(*brazilian_answer, R"({
    "sumario": {
      "paciente": {"pais_emissor": "UY", "tipo_documento": "CI",
                   "numero_documento": "4.567.890-5"},
      "nome": "ANA", "sobrenome": "RODRIGUEZ NUNEZ", "data_nascimento": "14/09/1972",
      "sexo": "F",
      "medicamentos": [{"codigo_atc": "H03AA01",
                        "principio_ativo": "Levotiroxina 100 mcg comprimidos",
                        "posologia": "0.1 mg", "situacao": "ATIVO"}],
      "alergias": [{"agente": "PENICILINA", "criticidade": "ALTA"}],
      "problemas": [{"cid10": "E039", "descricao": "Hipotiroidismo", "situacao": "ATIVO"}],
      "vacinas": [{"imunobiologico": "FA", "data_aplicacao": "02/03/2015", "dose": "D1"}],
      "tipo_sanguineo": "AB POSITIVO",
      "data_atualizacao": "25/03/2024 11:30:00"}})");
}

// A compound surname crosses the border whole: RENAPER cannot say where one surname ends, so
// Chile and Uruguay get all of it in the first surname rather than "DE" and "LA".
TEST(ChainTest, ArgentineCompoundSurnameReachesChileAndUruguayWhole) {
  auto argentine = testing::FromJson("ar.renaper.v1.ConsultarPersonaResponse", R"({
    "persona": {"apellidos": "DE LA FUENTE GONZÁLEZ", "nombres": "MARÍA DEL CARMEN"}})");
  auto canonical = Step(Forward("ar-consultar-persona-response"), *argentine);
  ExpectJson(*canonical, R"({"person": {"given_names": ["MARÍA DEL CARMEN"],
                                       "family_names": ["DE LA FUENTE GONZÁLEZ"]}})");
  ExpectJson(*Step(Reverse("cl-consulta-run-response"), *canonical), R"({
    "persona": {"nombres": "MARÍA DEL CARMEN", "apellido_paterno": "DE LA FUENTE GONZÁLEZ"}})");

  auto summary = testing::FromJson("pasarela.health.v1.GetPatientSummaryResponse", R"({
    "summary": {"given_names": ["MARÍA DEL CARMEN"],
                "family_names": ["DE LA FUENTE GONZÁLEZ"]}})");
  ExpectJson(*Step(Reverse("uy-resumen-response"), *summary), R"({
    "resumen": {"primer_nombre": "MARÍA DEL CARMEN",
                "primer_apellido": "DE LA FUENTE GONZÁLEZ"}})");
}

// Chile's two surnames, each possibly compound, reach Argentina as one text and Uruguay as its
// first and second surname.
TEST(ChainTest, ChileanSurnamesKeepTheirBoundaries) {
  auto chilean = testing::FromJson("cl.registrocivil.v1.ConsultaRunResponse", R"({
    "persona": {"nombres": "JUAN PABLO", "apellido_paterno": "DE LA FUENTE",
                "apellido_materno": "GONZÁLEZ"}})");
  auto canonical = Step(Forward("cl-consulta-run-response"), *chilean);
  ExpectJson(*canonical, R"({"person": {"given_names": ["JUAN PABLO"],
                                       "family_names": ["DE LA FUENTE", "GONZÁLEZ"]}})");
  ExpectJson(*Step(Reverse("ar-consultar-persona-response"), *canonical), R"({
    "persona": {"apellidos": "DE LA FUENTE GONZÁLEZ", "nombres": "JUAN PABLO"}})");
  auto summary = testing::FromJson("pasarela.health.v1.GetPatientSummaryResponse", R"({
    "summary": {"given_names": ["JUAN PABLO"], "family_names": ["DE LA FUENTE", "GONZÁLEZ"]}})");
  ExpectJson(*Step(Reverse("uy-resumen-response"), *summary), R"({
    "resumen": {"primer_nombre": "JUAN PABLO", "primer_apellido": "DE LA FUENTE",
                "segundo_apellido": "GONZÁLEZ"}})");
}

absl::Status Fails(const MappingPlan& plan, const std::string& json) {
  auto in = testing::FromJson(plan.source_type()->full_name(), json);
  std::unique_ptr<Message> out = testing::NewMessage(plan.target_type());
  return plan.Apply(*in, out.get());
}

void ExpectRefused(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status.message();
  EXPECT_NE(status.message().find("'" + field + "'"), absl::string_view::npos) << status.message();
}

// A document without country or type is refused, naming the field, rather than sent with a
// half scheme ("AR-", "-DNI").
TEST(PilotRefusalTest, DocumentWithoutCountryOrType) {
  ExpectRefused(Fails(Forward("ar-consultar-persona-request"),
                      R"({"documento": {"pais_emisor": "AR", "numero": "20.123.456"}})"),
                "documento.tipo");
  ExpectRefused(Fails(Forward("ar-consultar-persona-request"),
                      R"({"documento": {"tipo": "DNI", "numero": "20.123.456"}})"),
                "documento.pais_emisor");
  ExpectRefused(Fails(Forward("br-sumario-request"),
                      R"({"paciente": {"pais_emissor": "UY", "numero_documento": "1.234.567-2"}})"),
                "paciente.tipo_documento");
  ExpectRefused(
      Fails(Forward("br-sumario-request"),
            R"({"paciente": {"tipo_documento": "CI", "numero_documento": "1.234.567-2"}})"),
      "paciente.pais_emissor");
}

// More surnames than the two fields can hold without guessing is refused, not cut.
TEST(PilotRefusalTest, SeventhSurname) {
  ExpectRefused(Fails(Reverse("cl-consulta-run-response"),
                      R"({"person": {"family_names": ["A", "B", "C", "D", "E", "F", "G"]}})"),
                "person.family_names[6]");
}

TEST(PilotRefusalTest, UruguayanClinicalDetails) {
  // A negative dose is a data error.
  ExpectRefused(
      Fails(Forward("uy-resumen-response"),
            R"({"resumen": {"medicamentos": [{"codigo": "UYM-0009", "dosis_mcg": "-5"}]}})"),
      "resumen.medicamentos[0].dosis_mcg");
  // Only an ATC code is looked up in the ATC table.
  ExpectRefused(
      Fails(Reverse("uy-resumen-response"),
            R"({"summary": {"medications": [{"medication": {"system": "http://snomed.info/sct",
                                                            "code": "N02BE01"}}]}})"),
      "summary.medications[0].medication.system");
  // A problem of unknown status is not sent as activo: false, which reads as resolved.
  ExpectRefused(
      Fails(Reverse("uy-resumen-response"),
            R"({"summary": {"problems": [{"condition": {"system": "http://hl7.org/fhir/sid/icd-10",
                                                        "code": "I10"}}]}})"),
      "summary.problems[0].status");
}

}  // namespace
}  // namespace pasarela
