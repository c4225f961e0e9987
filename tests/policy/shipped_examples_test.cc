// The gateway.yaml examples the project ships are read without an error by the loader the gateway
// uses: the administrator's guide's (which names every key) and the Kubernetes manifest's.
#include <fstream>
#include <sstream>
#include <string>

#include "gateway/policy/gateway_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "yaml-cpp/yaml.h"

namespace pasarela {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(PASARELA_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Loads `yaml` as a gateway.yaml; the diagnostics' text, empty when there were none.
std::string Diagnose(const std::string& yaml) {
  const std::string path = testing::MakeTempDir("example") + "/gateway.yaml";
  testing::WriteFile(path, yaml);
  Diagnostics diagnostics;
  absl::optional<GatewayConfig> config = LoadGatewayConfig(path, diagnostics);
  if (!config.has_value() && diagnostics.errors().empty()) return "not loaded, no diagnostics";
  return diagnostics.ToString();
}

TEST(ShippedExamplesTest, TheAdministratorsGuideGatewayExampleLoads) {
  const std::string guide = ReadSource("docs/ADMINISTRATORS.md");
  const size_t section = guide.find("## gateway.yaml (kind `Gateway`)");
  ASSERT_NE(section, std::string::npos);
  const size_t start = guide.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const size_t body = start + 8;
  const size_t end = guide.find("```", body);
  ASSERT_NE(end, std::string::npos);
  const std::string example = guide.substr(body, end - body);
  EXPECT_THAT(example, ::testing::HasSubstr("kind: Gateway"));
  EXPECT_EQ(Diagnose(example), "");
}

TEST(ShippedExamplesTest, TheKubernetesManifestsGatewayYamlLoads) {
  int found = 0;
  for (const YAML::Node& document : YAML::LoadAll(ReadSource("deploy/kubernetes/pasarela.yaml"))) {
    if (document["kind"].as<std::string>("") != "ConfigMap" || !document["data"] ||
        !document["data"]["gateway.yaml"]) {
      continue;
    }
    ++found;
    EXPECT_EQ(Diagnose(document["data"]["gateway.yaml"].as<std::string>()), "");
  }
  EXPECT_EQ(found, 1);
}

}  // namespace
}  // namespace pasarela
