// Node's @grpc/grpc-js, installed from the npm registry into the build directory, calls the
// gateway as an independent client: the agency integration guide's Node example, run for real.
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::testing::HasSubstr;

TEST(NodeClientTest, GrpcJsClientCallsAcrossTheBorder) {
  std::string modules = BinDir() + "/../node/node_modules";
  if (::access((modules + "/@grpc/grpc-js").c_str(), R_OK) != 0) {
    std::string output;
    int status =
        RunCommand({"/usr/bin/env", "npm", "install", "--no-audit", "--no-fund", "--prefix",
                    BinDir() + "/../node", "@grpc/grpc-js@1", "@grpc/proto-loader@0"},
                   &output);
    ASSERT_EQ(status, 0) << "npm install failed: " << output;
  }
  Topology topology({"AR", "CL"});
  topology.StartProvider("CL/GOV/registro-civil");
  GatewayProcess& ar = topology.StartGateway("AR");
  topology.StartGateway("CL");
  auto run = [&](const std::string& cert, const std::string& key) {
    std::string output;
    int status = RunCommand({"/usr/bin/env", "node", SourceDir() + "/tests/e2e/node_client.js",
                             modules, SourceDir() + "/proto", ar.agency_address(), Pki(cert),
                             Pki(key), Pki("AR/ca.crt"), "CL/GOV/registro-civil"},
                            &output);
    return std::make_pair(status, output);
  };
  auto [status, output] = run("AR/agencies/migraciones.crt", "AR/agencies/migraciones.key");
  EXPECT_EQ(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("\"status\":\"OK\""));
  EXPECT_THAT(output, HasSubstr("\"family_names\":[\"González\",\"Muñoz\"]"));
  EXPECT_THAT(output, ::testing::ContainsRegex("\"exchange_id\":\"[0-9a-f-]{36}\""));

  auto [refused_status, refused] = run("AR/test/revoked.crt", "AR/test/revoked.key");
  EXPECT_EQ(refused_status, 1) << refused;
  EXPECT_THAT(refused, HasSubstr("\"status\":\"UNAVAILABLE\""));
}

}  // namespace
}  // namespace pasarela::testing
