// `pasarela map` as a command: arguments, exit codes, input and output.
#include "gateway/mapping/map_command.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mapping/mapping_test_support.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Invoke(std::vector<std::string> args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  int code = RunMapCommand(args, in, out, err);
  return Result{code, out.str(), err.str()};
}

std::vector<std::string> Args(std::vector<std::string> more) {
  std::vector<std::string> args = {"--policy", testing::SourceDir() + "/policies"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(MapCommandTest, MapsStdinToStdoutWithTheInstalledDescriptorSets) {
  // No --descriptor-set: the sets beside the binary (<bin>/../share/pasarela) are used.
  Result result =
      Invoke(Args({"--mapping", "cl-consulta-run-request"}), R"({"run": "12.531.909-2"})");
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\n \"identifier\": {\n  \"issuing_country\": \"CL\",\n  \"scheme\": \"CL-RUN\",\n"
            "  \"value\": \"12531909-2\"\n }\n}\n");
  EXPECT_EQ(result.err, "");
}

TEST(MapCommandTest, DefaultDescriptorSetsSitBesideTheBinary) {
  std::vector<std::string> paths = DefaultMappingDescriptorSetPaths();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_THAT(paths[0], ::testing::EndsWith("/../share/pasarela/pasarela.desc"));
  EXPECT_THAT(paths[1], ::testing::EndsWith("/../share/pasarela/national.desc"));
  EXPECT_EQ(DefaultNationalDescriptorSetPath(), paths[1]);
}

TEST(MapCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Invoke({}).code, 2);
  EXPECT_EQ(Invoke({"--policy", "x"}).code, 2);
  EXPECT_EQ(Invoke({"--mapping", "x"}).code, 2);
  Result unknown = Invoke(Args({"--mapping", "x", "--frobnicate"}));
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unexpected argument '--frobnicate'"));
  EXPECT_THAT(unknown.err, HasSubstr("usage: pasarela map --policy DIR --mapping ID"));
  Result no_value = Invoke(Args({"--mapping"}));
  EXPECT_EQ(no_value.code, 2);
  EXPECT_THAT(no_value.err, HasSubstr("pasarela map: --mapping needs a value\n"));
  Result twice = Invoke(Args({"--mapping", "cl-consulta-run-request", "--mapping", "other"}));
  EXPECT_EQ(twice.code, 2);
  EXPECT_THAT(twice.err, HasSubstr("pasarela map: --mapping given twice\n"));
  Result empty = Invoke({"--policy", ""});
  EXPECT_EQ(empty.code, 2);
  EXPECT_THAT(empty.err, HasSubstr("pasarela map: --policy must not be empty\n"));
}

TEST(MapCommandTest, BadInputExitsOne) {
  Result json = Invoke(Args({"--mapping", "cl-consulta-run-request"}), "{\"run\": ");
  EXPECT_EQ(json.code, 1);
  EXPECT_EQ(json.err,
            "stdin:1:9: not a cl.registrocivil.v1.ConsultaRunRequest in protobuf JSON: malformed "
            "JSON: the input ends where a value should be\n");
  Result field = Invoke(Args({"--mapping", "cl-consulta-run-request"}), R"({"rut": "1-9"})");
  EXPECT_EQ(field.code, 1);
  Result check = Invoke(Args({"--mapping", "cl-consulta-run-request"}), R"({"run": "1-8"})");
  EXPECT_EQ(check.code, 1);
  EXPECT_EQ(check.err,
            "mapping 'cl-consulta-run-request': field 'run': check failed: the RUN is malformed "
            "or its check digit is wrong\n");
  EXPECT_EQ(check.out, "");
}

TEST(MapCommandTest, JsonErrorsNameTheFieldAndTheProblemNeverTheValue) {
  const std::string prefix =
      "stdin: not a cl.registrocivil.v1.ConsultaRunRequest in protobuf JSON: ";
  Result number = Invoke(Args({"--mapping", "cl-consulta-run-request"}), R"({"run": 125319092})");
  EXPECT_EQ(number.code, 1);
  EXPECT_EQ(number.err, prefix + "field 'run': invalid value for a field of type string\n");
  Result utf8 = Invoke(Args({"--mapping", "cl-consulta-run-request"}),
                       "{\"run\": \"12531\xff\xfe"
                       "909-2\"}");
  EXPECT_EQ(utf8.code, 1);
  EXPECT_THAT(utf8.err, HasSubstr("invalid UTF-8"));
  EXPECT_THAT(utf8.err, Not(HasSubstr("12531")));
  Result syntax =
      Invoke(Args({"--mapping", "cl-consulta-run-request"}), R"({"run" "12.531.909-2"})");
  // Text that is not JSON is pointed at, by line and column, where it stops being JSON.
  EXPECT_EQ(syntax.err,
            "stdin:1:8: not a cl.registrocivil.v1.ConsultaRunRequest in protobuf JSON: malformed "
            "JSON: expected ':' after the field name\n");
  Result cut =
      Invoke(Args({"--mapping", "cl-consulta-run-request"}), "{\"run\": \"12.531.909-2\"\n");
  EXPECT_EQ(cut.code, 1);
  EXPECT_EQ(cut.err,
            "stdin:2:1: not a cl.registrocivil.v1.ConsultaRunRequest in protobuf JSON: malformed "
            "JSON: the input ends where ',' or '}' should be\n");
  EXPECT_EQ(cut.out, "");
  Result unknown = Invoke(Args({"--mapping", "cl-consulta-run-request"}), R"({"rut": "1-9"})");
  EXPECT_EQ(unknown.err, prefix + "field 'rut': no such field\n");
  Result sexo = Invoke(Args({"--mapping", "cl-consulta-run-response"}),
                       R"({"persona": {"fecha_nacimiento": 19900821}})");
  EXPECT_THAT(sexo.err, Not(HasSubstr("19900821")));
}

TEST(MapCommandTest, JsonErrorsInsideNestedMessagesNameTheWholePath) {
  auto err = [](const std::string& mapping, const std::string& input, bool reverse = false) {
    std::vector<std::string> more = {"--mapping", mapping};
    if (reverse) more.push_back("--reverse");
    Result result = Invoke(Args(more), input);
    EXPECT_EQ(result.code, 1) << input;
    EXPECT_EQ(result.out, "") << input;
    return result.err;
  };
  const std::string person =
      "stdin: not a ar.renaper.v1.ConsultarPersonaResponse in protobuf JSON: ";
  EXPECT_EQ(err("ar-consultar-persona-response", R"({"persona": {"domicilio": {"piso": 3}}})"),
            person + "field 'persona.domicilio.piso': no such field\n");
  EXPECT_EQ(err("ar-consultar-persona-response",
                R"({"persona": {"documentos": [{"numero": "1"}, {"numro": "2"}]}})"),
            person + "field 'persona.documentos[1].numro': no such field\n");
  EXPECT_EQ(
      err("ar-consultar-persona-response", R"({"persona": {"sexo": "FEMENINO"}})"),
      person + "field 'persona.sexo': invalid value for a field of type ar.renaper.v1.Sexo\n");
  EXPECT_EQ(err("ar-consultar-persona-response", R"({"persona": "GONZALEZ"})"),
            person + "field 'persona': invalid value for a field of type ar.renaper.v1.Persona\n");
  EXPECT_EQ(err("ar-consultar-persona-response", R"({"persona": {"nombres": {"a": 1}}})"),
            person + "field 'persona.nombres': an object where a single value is expected\n");
  EXPECT_EQ(err("ar-consultar-persona-response", R"({"persona": {"domicilio": {"calle": ["x"]}}})"),
            person + "field 'persona.domicilio.calle': a list where a single value is expected\n");

  const std::string run = "stdin: not a cl.registrocivil.v1.ConsultaRunRequest in protobuf JSON: ";
  EXPECT_EQ(err("cl-consulta-run-request", R"({"run": {}})"),
            run + "field 'run': an object where a single value is expected\n");
  EXPECT_EQ(err("cl-consulta-run-request", R"({"run": ["12.531.909-2"]})"),
            run + "field 'run': a list where a single value is expected\n");
  EXPECT_EQ(err("cl-consulta-run-request", R"(["12.531.909-2"])"),
            run + "expected a JSON object\n");
  EXPECT_EQ(err("cl-consulta-run-request",
                R"({"identifier": {"scheme": "CL-RUN", "value": "12531909-2", "pais": "CL"}})",
                /*reverse=*/true),
            "stdin: not a pasarela.identity.v1.GetPersonRequest in protobuf JSON: field "
            "'identifier.pais': no such field\n");
}

TEST(MapCommandTest, AByteOrderMarkBeforeTheJsonIsIgnored) {
  Result result = Invoke(Args({"--mapping", "cl-consulta-run-request"}),
                         "\xEF\xBB\xBF{\"run\": \"12.531.909-2\"}\r\n");
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"value\": \"12531909-2\""));
}

TEST(MapCommandTest, AFailedWriteExitsOne) {
  std::istringstream in(R"({"run": "12.531.909-2"})");
  std::ostringstream out;
  std::ostringstream err;
  out.setstate(std::ios::badbit);
  EXPECT_EQ(RunMapCommand(Args({"--mapping", "cl-consulta-run-request"}), in, out, err), 1);
  EXPECT_EQ(err.str(), "pasarela map: cannot write the result to standard output\n");
}

TEST(MapCommandTest, UnknownMappingAndBrokenPolicyExitOne) {
  Result unknown = Invoke(Args({"--mapping", "cl-consulta-rut-request"}));
  EXPECT_EQ(unknown.code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no mapping 'cl-consulta-rut-request'"));
  EXPECT_THAT(unknown.err, HasSubstr("cl-consulta-run-request"));
  Result missing = Invoke({"--policy", "/nonexistent", "--mapping", "x"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/mappings: error: cannot read the mappings "
                                     "directory\n1 error in /nonexistent/mappings"));
  Result sets = Invoke(Args({"--mapping", "x", "--descriptor-set", "/nonexistent.desc"}));
  EXPECT_EQ(sets.code, 1);
}

TEST(MapCommandTest, ExamplePrintsAnInputTheMappingAccepts) {
  Result example = Invoke(Args({"--mapping", "uy-resumen-response", "--example", "42"}));
  ASSERT_EQ(example.code, 0) << example.err;
  Result mapped = Invoke(Args({"--mapping", "uy-resumen-response"}), example.out);
  EXPECT_EQ(mapped.code, 0) << mapped.err;
  Result reverse_example =
      Invoke(Args({"--mapping", "uy-resumen-request", "--reverse", "--example"}));
  EXPECT_EQ(reverse_example.code, 0);
  EXPECT_THAT(reverse_example.out, HasSubstr("patient_identifier"));
  // In reverse, a constant of the forward direction is a check on the input: the example
  // carries the value it names.
  // A check with alternatives ("coded in ATC, or no code") is met through one it can write.
  for (const char* id : {"cl-consulta-run-request", "uy-resumen-request", "uy-resumen-response"}) {
    for (const char* seed : {"1", "7", "42"}) {
      Result input = Invoke(Args({"--mapping", id, "--reverse", "--example", seed}));
      ASSERT_EQ(input.code, 0) << input.err;
      Result mapped = Invoke(Args({"--mapping", id, "--reverse"}), input.out);
      EXPECT_EQ(mapped.code, 0) << id << " seed " << seed << ": " << input.out << mapped.err;
    }
  }
}

}  // namespace
}  // namespace pasarela
