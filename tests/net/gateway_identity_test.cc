// GatewayIdentity: which replacements of the gateway's own certificate and key it takes, which it
// refuses, and that it reports each bad state of the files once.
#include "gateway/net/gateway_identity.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_certificates.h"
#include "tests/support/topology.h"

namespace pasarela {
namespace {

using ::pasarela::testing::IssueTestCertificate;
using ::pasarela::testing::MakeTempDir;
using ::pasarela::testing::Pki;
using ::pasarela::testing::PkiDir;
using ::pasarela::testing::ReadFileOrEmpty;
using ::pasarela::testing::RunCommand;
using ::pasarela::testing::SourceDir;
using ::pasarela::testing::WriteFile;
using ::testing::HasSubstr;

class GatewayIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("identity");
    Copy(Pki("CL/gateway"));
  }

  // Copies BASE.crt and BASE.key over the gateway's files (key mode 0600).
  void Copy(const std::string& base, const std::string& key_base = "") {
    WriteFile(key_file(), ReadFileOrEmpty((key_base.empty() ? base : key_base) + ".key"));
    ::chmod(key_file().c_str(), 0600);
    WriteFile(certificate_file(), ReadFileOrEmpty(base + ".crt"));
  }
  // A new pair for gateway CL from the CL CA, at BASE.{crt,key}.
  std::string Renewed(const std::string& name) {
    const std::string base = dir_ + "/" + name;
    std::string output;
    EXPECT_EQ(RunCommand({"/bin/bash", SourceDir() + "/certs/make-pki.sh", "-q", "renew", PkiDir(),
                          "CL", base},
                         &output),
              0)
        << output;
    return base;
  }
  std::unique_ptr<GatewayIdentity> Load(const std::string& country = "CL") {
    absl::StatusOr<std::unique_ptr<GatewayIdentity>> identity =
        GatewayIdentity::Load(country, certificate_file(), key_file());
    EXPECT_TRUE(identity.ok()) << identity.status();
    return identity.ok() ? *std::move(identity) : nullptr;
  }
  std::string certificate_file() const { return dir_ + "/gateway.crt"; }
  std::string key_file() const { return dir_ + "/gateway.key"; }

  std::string dir_;
};

TEST_F(GatewayIdentityTest, LoadsThePairAndSeesNoChangeUntilTheFilesChange) {
  std::unique_ptr<GatewayIdentity> identity = Load();
  ASSERT_NE(identity, nullptr);
  std::shared_ptr<const GatewayCredentials> pair = identity->current();
  EXPECT_EQ(pair->tls.certificate_pem, ReadFileOrEmpty(Pki("CL/gateway.crt")));
  EXPECT_FALSE(pair->serial_hex.empty());
  EXPECT_GT(pair->not_after, absl::Now());
  EXPECT_EQ(pair->signer->certificate_pem(), pair->tls.certificate_pem);
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> checked = identity->Check();
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, nullptr);
}

TEST_F(GatewayIdentityTest, CertificateOfAnotherGatewayIsRefusedAtLoad) {
  absl::StatusOr<std::unique_ptr<GatewayIdentity>> identity =
      GatewayIdentity::Load("AR", certificate_file(), key_file());
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.status().message(), HasSubstr("does not name urn:pasarela:gateway:AR"));
}

TEST_F(GatewayIdentityTest, CertificateThatMayNotServeBothEndsIsRefusedAtLoad) {
  for (const char* usage : {"serverAuth", "clientAuth"}) {
    SCOPED_TRACE(usage);
    Copy(Pki(IssueTestCertificate(
        {absl::StrCat("cl-gateway-", usage, "-only"), "CL", {"urn:pasarela:gateway:CL"}, usage})));
    absl::StatusOr<std::unique_ptr<GatewayIdentity>> identity =
        GatewayIdentity::Load("CL", certificate_file(), key_file());
    ASSERT_FALSE(identity.ok());
    EXPECT_THAT(identity.status().message(),
                HasSubstr(absl::StrCat("gateway.crt: its extended key usage (", usage,
                                       ") must allow both a TLS server and a TLS client")));
  }
  // Without the extension it may serve both ends (RFC 5280).
  Copy(Pki(IssueTestCertificate({"cl-gateway-no-eku", "CL", {"urn:pasarela:gateway:CL"}, ""})));
  EXPECT_NE(Load(), nullptr);
}

TEST_F(GatewayIdentityTest, NewPairIsOfferedAndTakesOverOnlyWhenInstalled) {
  std::unique_ptr<GatewayIdentity> identity = Load();
  ASSERT_NE(identity, nullptr);
  std::shared_ptr<const GatewayCredentials> before = identity->current();
  Copy(Renewed("renewed"));
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> checked = identity->Check();
  ASSERT_TRUE(checked.ok()) << checked.status();
  ASSERT_NE(*checked, nullptr);
  EXPECT_NE((*checked)->serial_hex, before->serial_hex);
  EXPECT_EQ(identity->current(), before);
  identity->Install(*checked);
  EXPECT_EQ(identity->current(), *checked);
  EXPECT_EQ(identity->current()->tls.certificate_pem, ReadFileOrEmpty(certificate_file()));
  checked = identity->Check();
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(*checked, nullptr);
  // The pair replaced stays usable: records queued before still name its signer.
  EXPECT_TRUE(before->signer->SignBytes("still here").ok());
}

TEST_F(GatewayIdentityTest, OnlyThePairLoadedAtStartIsTheOriginal) {
  std::unique_ptr<GatewayIdentity> identity = Load();
  ASSERT_NE(identity, nullptr);
  std::shared_ptr<const GatewayCredentials> original = identity->current();
  EXPECT_TRUE(identity->IsOriginal(*original));
  Copy(Renewed("renewed"));
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> renewed = identity->Check();
  ASSERT_TRUE(renewed.ok() && *renewed != nullptr) << renewed.status();
  EXPECT_FALSE(identity->IsOriginal(**renewed));
  identity->Install(*renewed);
  EXPECT_FALSE(identity->IsOriginal(*identity->current()));
  EXPECT_TRUE(identity->IsOriginal(*original));
  // The first files put back: the same bytes, but connections opened since present the renewed
  // certificate, so this pair is not the original one.
  Copy(Pki("CL/gateway"));
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> back = identity->Check();
  ASSERT_TRUE(back.ok() && *back != nullptr) << back.status();
  EXPECT_EQ((*back)->tls.certificate_pem, original->tls.certificate_pem);
  identity->Install(*back);
  EXPECT_FALSE(identity->IsOriginal(*identity->current()));
}

TEST_F(GatewayIdentityTest, BadReplacementsAreReportedOnceAndTheRunningPairStays) {
  std::unique_ptr<GatewayIdentity> identity = Load();
  ASSERT_NE(identity, nullptr);
  std::shared_ptr<const GatewayCredentials> before = identity->current();
  struct Case {
    const char* what;
    std::function<void()> replace;
    const char* error;
  };
  const std::string renewed = Renewed("renewed");
  const std::string server_only = IssueTestCertificate(
      {"cl-gateway-server-only", "CL", {"urn:pasarela:gateway:CL"}, "serverAuth"});
  std::vector<Case> cases = {
      {"another gateway's certificate", [&] { Copy(Pki("CL/test/wrong-country-gateway")); },
       "does not name urn:pasarela:gateway:CL"},
      {"a key that is not the certificate's", [&] { Copy(renewed, Pki("CL/gateway")); },
       "does not match the certificate"},
      {"a key others may read",
       [&] {
         Copy(renewed);
         ::chmod(key_file().c_str(), 0644);
       },
       "gateway.key"},
      {"no certificate",
       [&] {
         Copy(renewed);
         WriteFile(certificate_file(), "not a certificate\n");
       },
       "gateway.crt"},
      {"a certificate for servers only", [&] { Copy(Pki(server_only)); },
       "its extended key usage (serverAuth) must allow both a TLS server and a TLS client"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    c.replace();
    absl::StatusOr<std::shared_ptr<const GatewayCredentials>> checked = identity->Check();
    ASSERT_FALSE(checked.ok());
    EXPECT_THAT(checked.status().message(), HasSubstr(c.error));
    // Said once: the same files again are quiet.
    checked = identity->Check();
    ASSERT_TRUE(checked.ok()) << checked.status();
    EXPECT_EQ(*checked, nullptr);
    EXPECT_EQ(identity->current(), before);
  }
}

TEST_F(GatewayIdentityTest, APairTheCallerRefusedIsNotOfferedAgainUntilTheFilesChange) {
  std::unique_ptr<GatewayIdentity> identity = Load();
  ASSERT_NE(identity, nullptr);
  Copy(Renewed("first"));
  absl::StatusOr<std::shared_ptr<const GatewayCredentials>> checked = identity->Check();
  ASSERT_TRUE(checked.ok() && *checked != nullptr);
  identity->Refuse(**checked);
  checked = identity->Check();
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(*checked, nullptr);
  Copy(Renewed("second"));
  checked = identity->Check();
  ASSERT_TRUE(checked.ok());
  EXPECT_NE(*checked, nullptr);
}

}  // namespace
}  // namespace pasarela
