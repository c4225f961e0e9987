// `pasarela policy lint` on the pilot's policy for CL, assembled as scripts/assemble-policy does,
// with one or two files broken: each error is reported, and none follows from another file's.
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/topology.h"

namespace pasarela {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A PKI for the pilot's four countries, made once: the loader parses each CA and CRL.
const std::string& PilotPki() {
  static const std::string dir = testing::MakeDemoPki("pilot-pki", {"AR", "BR", "CL", "UY"});
  return dir;
}

class PilotPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("policy") + "/CL";
    std::string output;
    ASSERT_EQ(
        testing::RunCommand(
            {testing::SourceDir() + "/scripts/assemble-policy", "CL", PilotPki(), dir_}, &output),
        0)
        << output;
  }

  // Makes `entry` (a link to the committed file or directory) a copy the test may change.
  void Own(const std::string& entry) {
    const fs::path path = dir_ + "/" + entry;
    const fs::path target = fs::read_symlink(path);
    fs::remove(path);
    fs::copy(target, path, fs::copy_options::recursive);
  }

  // Replaces the first `from` of the file `relative` by `to`, owning its entry first.
  void Edit(const std::string& relative, const std::string& from, const std::string& to) {
    const std::string entry = relative.substr(0, relative.find('/'));
    if (fs::is_symlink(dir_ + "/" + entry)) Own(entry);
    const std::string path = dir_ + "/" + relative;
    std::string text = testing::ReadFileOrEmpty(path);
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << relative;
    text.replace(at, from.size(), to);
    testing::WriteFile(path, text);
  }

  // The linter's output with the directory written as $DIR; `status` gets its exit status.
  std::string Lint(int* status) {
    std::string output;
    *status = testing::RunCommand(
        {testing::BinDir() + "/pasarela", "policy", "lint", dir_, "--country", "CL"}, &output);
    return absl::StrReplaceAll(output, {{dir_, "$DIR"}});
  }

  // The output of a lint that must fail.
  std::string LintErrors() {
    int status = 0;
    std::string output = Lint(&status);
    EXPECT_EQ(status, 1) << output;
    return output;
  }

  std::string dir_;
};

TEST_F(PilotPolicyTest, LintsClean) {
  int status = 0;
  // One provider and one method of each kind: the words agree with their counts.
  EXPECT_THAT(Lint(&status),
              HasSubstr("$DIR: OK: 4 countries, 1 provider, 2 methods, 3 agreements\n"));
  EXPECT_EQ(status, 0);
}

TEST_F(PilotPolicyTest, AFederationTypoHidesNoOtherErrorAndCausesNone) {
  Edit("federation.yaml", "    protocol: 3\n", "    protocl: 3\n");
  Edit("agreements/ar-cl-identity-2026.yaml", "retention: P90D", "retention: 90 days");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/federation.yaml:16:5: error: countries[0]: unknown key "
                                "'protocl' (did you mean 'protocol'?)"));
  EXPECT_THAT(output, HasSubstr("$DIR/agreements/ar-cl-identity-2026.yaml"));
  EXPECT_THAT(output, HasSubstr("error: retention: expected an ISO 8601 duration"));
  EXPECT_THAT(output, HasSubstr("2 errors in $DIR")) << output;
}

TEST_F(PilotPolicyTest, ATopLevelKeyIndentedIntoASectionIsSaidToBeOne) {
  Edit("agreements/ar-cl-identity-2026.yaml", "\nretention: P90D", "\n  retention: P90D");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/agreements/ar-cl-identity-2026.yaml:26:3: error: validity: "
                                "unknown key 'retention'; it is a key at the top level of the "
                                "file, not of validity: check this line's indentation, or move it "
                                "there\n"));
}

TEST_F(PilotPolicyTest, AgreementParticipantsAreCheckedOnceTheFederationLoads) {
  Edit("agreements/ar-cl-identity-2026.yaml", "AR/GOV/migraciones", "AR/GOV/migracion");
  EXPECT_THAT(LintErrors(), HasSubstr("consumers: participant AR/GOV/migracion is not registered "
                                      "in federation.yaml (did you mean 'AR/GOV/migraciones'?)"));
}

TEST_F(PilotPolicyTest, ABrokenMappingFileCausesNoErrorForItsSiblingsOrTheirUsers) {
  Edit("mappings/uy-resumen-request.yaml", "kind: Mapping", "kind: [Mapping");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/mappings/uy-resumen-request.yaml:"));
  EXPECT_THAT(output, HasSubstr("1 error in $DIR")) << output;
}

TEST_F(PilotPolicyTest, AMappingInErrorIsNotAlsoMissingForServices) {
  Edit("mappings/cl-consulta-run-request.yaml", "kind: Mapping", "kind: [Mapping");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/mappings/cl-consulta-run-request.yaml:"));
  EXPECT_THAT(output, ::testing::Not(HasSubstr("services.yaml")));
  EXPECT_THAT(output, HasSubstr("1 error in $DIR")) << output;
}

TEST_F(PilotPolicyTest, PolicyFilesThatWouldNotBeReadAreNamed) {
  Own("agreements");
  fs::rename(dir_ + "/agreements/ar-cl-identity-2026.yaml",
             dir_ + "/agreements/ar-cl-identity-2026.YAML");
  Own("mappings");
  fs::create_symlink("nowhere.yaml", dir_ + "/mappings/tables/old.yaml");
  fs::create_symlink("loop.yaml", dir_ + "/agreements/loop.yaml");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/agreements/ar-cl-identity-2026.YAML: error: not loaded: "
                                "policy files must be named *.yaml in lower case; rename it to "
                                "ar-cl-identity-2026.yaml\n"));
  EXPECT_THAT(output, HasSubstr("$DIR/mappings/tables/old.yaml: error: is a link to nowhere.yaml, "
                                "which does not exist: restore it or remove the link\n"));
  EXPECT_THAT(output, HasSubstr("$DIR/agreements/loop.yaml: error: is a link that leads back to "
                                "itself (a loop of links): point it at a file or remove it\n"));
  EXPECT_THAT(output, HasSubstr("3 errors in $DIR")) << output;
}

TEST_F(PilotPolicyTest, ALinkBackIntoMappingsIsOneErrorNotADuplicateOfEveryId) {
  Own("mappings");
  fs::create_directory_symlink("..", dir_ + "/mappings/tables/up");
  EXPECT_EQ(LintErrors(),
            "$DIR/mappings/tables/up: error: is a link to .., a directory of mappings/ read "
            "already (a loop, or a second way to the same files): remove the link\n"
            "1 error in $DIR\n");
}

TEST_F(PilotPolicyTest, ADirectoryWhereAFileShouldBeIsNamedAsSuch) {
  fs::remove(dir_ + "/classification.yaml");
  fs::create_directory(dir_ + "/classification.yaml");
  EXPECT_THAT(LintErrors(), HasSubstr("$DIR/classification.yaml: error: cannot read "
                                      "$DIR/classification.yaml: is a directory, not a file\n"));
}

TEST_F(PilotPolicyTest, TrustFilesTheGatewayWouldRefuseAreErrorsAtTheirKeys) {
  Edit("federation.yaml", "ca_file: pki/AR/ca.crt", "ca_file: pki/AR/ca.crl");
  Edit("federation.yaml", "crl_file: pki/BR/ca.crl", "crl_file: pki/BR/ca.crt");
  Edit("federation.yaml", "crl_file: pki/CL/ca.crl", "crl_file: pki/UY/ca.crl");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/federation.yaml:17:14: error: countries[0].ca_file: "
                                "$DIR/pki/AR/ca.crl: no PEM certificate found\n"));
  EXPECT_THAT(output, HasSubstr("error: countries[1].crl_file: CRL of BR: $DIR/pki/BR/ca.crt: not "
                                "a CRL (PEM or DER)\n"));
  EXPECT_THAT(output, HasSubstr("error: countries[2].crl_file: CRL of CL: $DIR/pki/UY/ca.crl: CRL "
                                "is not signed by the CA of CL\n"));
  EXPECT_THAT(output, HasSubstr("3 errors in $DIR")) << output;
}

TEST_F(PilotPolicyTest, AProvidersCrlIsReadAndMustBeSignedByItsCa) {
  Edit("services.yaml", "    ca_file: pki/CL/ca.crt\n",
       "    ca_file: pki/CL/ca.crt\n    crl_file: pki/CL/ca.crl\n");
  int status = 0;
  const std::string clean = Lint(&status);
  EXPECT_EQ(status, 0) << clean;
  for (const auto& [crl, reason] : std::vector<std::pair<std::string, std::string>>{
           {"pki/UY/ca.crl",
            "$DIR/pki/UY/ca.crl: CRL is not signed by the CA of provider "
            "CL/GOV/registro-civil"},
           {"pki/CL/ca.crt", "$DIR/pki/CL/ca.crt: not a CRL (PEM or DER)"},
           {"pki/CL/none.crl", "cannot read $DIR/pki/CL/none.crl: No such file or directory"}}) {
    Edit("services.yaml", "crl_file: pki/CL/ca.crl\n", "crl_file: " + crl + "\n");
    EXPECT_THAT(LintErrors(),
                HasSubstr("$DIR/services.yaml:10:15: error: providers[0].crl_file: CRL of provider "
                          "CL/GOV/registro-civil: " +
                          reason));
    Edit("services.yaml", "crl_file: " + crl + "\n", "crl_file: pki/CL/ca.crl\n");
  }
}

TEST_F(PilotPolicyTest, AddressesWithoutAPortAreErrors) {
  Edit("federation.yaml", "gateway: 127.0.0.1:17402", "gateway: gw.example.gob.ar");
  Edit("services.yaml", "address: 127.0.0.1:17521", "address: registro.interno.cl");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/federation.yaml:15:14: error: countries[0].gateway: expected "
                                "host:port such as gw.example.org:7444 or [2001:db8::1]:7444, "
                                "found 'gw.example.gob.ar' (no port)\n"));
  EXPECT_THAT(output, HasSubstr("$DIR/services.yaml:8:14: error: providers[0].address: expected "
                                "host:port such as gw.example.org:7444 or [2001:db8::1]:7444, "
                                "found 'registro.interno.cl' (no port)\n"));
}

TEST_F(PilotPolicyTest, AMissingMappingIsStillReported) {
  Edit("services.yaml", "request_mapping: cl-consulta-run-request",
       "request_mapping: cl-consulta-run-requets");
  EXPECT_THAT(LintErrors(), HasSubstr("$DIR/services.yaml:14:26: error: providers[0].bindings[0]: "
                                      "no mapping 'cl-consulta-run-requets' in mappings/ "
                                      "(did you mean 'cl-consulta-run-request'?)\n"));
}

TEST_F(PilotPolicyTest, WhatStandsWhereAListBelongsIsSaid) {
  fs::remove(dir_ + "/services.yaml");
  testing::WriteFile(
      dir_ + "/services.yaml",
      "apiVersion: pasarela/v1\nkind: Services\nproviders: no\n"
      "bindings: {national: ar.renaper.v1.ConsultaPersonasService/ConsultarPersona}\n");
  fs::remove(dir_ + "/federation.yaml");
  testing::WriteFile(dir_ + "/federation.yaml",
                     "apiVersion: pasarela/v1\nkind: Federation\ncountries: []\n");
  const std::string output = LintErrors();
  EXPECT_THAT(output, HasSubstr("$DIR/federation.yaml:3:12: error: countries: expected a non-empty "
                                "list of countries, found an empty list\n"));
  EXPECT_THAT(output, HasSubstr("$DIR/services.yaml:3:12: error: providers: expected a list of "
                                "providers, found 'no'\n"));
  EXPECT_THAT(output, HasSubstr("$DIR/services.yaml:4:11: error: bindings: expected a list, found "
                                "a mapping\n"));
}

TEST_F(PilotPolicyTest, AProviderListedTwiceNamesTheLineAndColumnOfTheFirst) {
  Edit("services.yaml", "    verify_by_lookup: true\n",
       "    verify_by_lookup: true\n  - address: 127.0.0.1:17999\n    ca_file: pki/CL/ca.crt\n"
       "    methods: []\n    participant: CL/GOV/registro-civil\n");
  EXPECT_THAT(
      LintErrors(),
      HasSubstr("$DIR/services.yaml:20:18: error: providers[1].participant: "
                "CL/GOV/registro-civil is listed twice (first at $DIR/services.yaml:7:18)\n"));
}

TEST_F(PilotPolicyTest, AFileOfAnotherKindIsOneErrorThatSaysWhereItBelongs) {
  Own("agreements");
  Own("mappings");
  fs::copy_file(dir_ + "/mappings/ar-documento.yaml", dir_ + "/agreements/ar-documento.yaml");
  fs::copy_file(dir_ + "/mappings/tables/ar-paises.yaml", dir_ + "/agreements/ar-paises.yaml");
  fs::copy_file(dir_ + "/agreements/ar-cl-identity-2026.yaml",
                dir_ + "/mappings/tables/ar-cl-identity-2026.yaml");
  fs::remove(dir_ + "/classification.yaml");
  fs::copy_file(testing::SourceDir() + "/policies/federation.yaml", dir_ + "/classification.yaml");
  fs::remove(dir_ + "/services.yaml");
  fs::copy_file(testing::SourceDir() + "/policies/agreements/ar-cl-identity-2026.yaml",
                dir_ + "/services.yaml");
  EXPECT_EQ(LintErrors(),
            "$DIR/mappings/tables/ar-cl-identity-2026.yaml:8:7: error: kind: this is an Agreement "
            "file, which belongs in agreements/, one agreement per file; expected a Mapping file "
            "or a CodeTable file here: move the file where it belongs\n"
            "$DIR/services.yaml:8:7: error: kind: this is an Agreement file, which belongs in "
            "agreements/, one agreement per file; expected a Services file here: move the file "
            "where it belongs\n"
            "$DIR/agreements/ar-documento.yaml:5:7: error: kind: this is a Mapping file, which "
            "belongs in mappings/ or a subdirectory of it; expected an Agreement file here: move "
            "the file where it belongs\n"
            "$DIR/agreements/ar-paises.yaml:3:7: error: kind: this is a CodeTable file, which "
            "belongs in mappings/ or a subdirectory of it (such as mappings/tables/); expected an "
            "Agreement file here: move the file where it belongs\n"
            "$DIR/classification.yaml:11:7: error: kind: this is a Federation file, which belongs "
            "in federation.yaml at the top of the policy directory; expected a Classification "
            "file here: move the file where it belongs\n"
            "5 errors in $DIR\n");
}

TEST_F(PilotPolicyTest, ACountryListedTwiceNamesTheLineAndColumnOfTheFirst) {
  Edit("federation.yaml", "  - code: UY", "  - code: AR");
  EXPECT_THAT(LintErrors(),
              HasSubstr("$DIR/federation.yaml:37:11: error: countries[3].code: country "
                        "AR is listed twice (first at $DIR/federation.yaml:13:11)\n"));
}

TEST_F(PilotPolicyTest, AGatewayCountryMissingFromTheFederationIsAnErrorAtItsCountries) {
  std::string output;
  EXPECT_EQ(
      testing::RunCommand(
          {testing::BinDir() + "/pasarela", "policy", "lint", dir_, "--country", "PE"}, &output),
      1);
  EXPECT_THAT(absl::StrReplaceAll(output, {{dir_, "$DIR"}}),
              HasSubstr("$DIR/federation.yaml:13:3: error: this gateway's country PE is not in "
                        "the federation: add it to countries\n"));
}

}  // namespace
}  // namespace pasarela
