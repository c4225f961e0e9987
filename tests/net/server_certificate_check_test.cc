// ServerCertificateCheck: which certificates a peer gateway or a provider may present when the
// gateway calls it, and the reason given for each it refuses.
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/net/certificate_verifiers.h"
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
using ::pasarela::testing::ReadFileOrEmpty;
using ::pasarela::testing::RevokeTestCertificate;
using ::pasarela::testing::TestCertificateSpec;
using ::pasarela::testing::WriteFile;
using ::testing::HasSubstr;

constexpr char kRegistry[] = "urn:pasarela:CL:GOV:registro-civil";

// The check the gateway runs on CL's registry: it must chain to CL's CA and name kRegistry.
ServerCertificateCheck RegistryCheck() {
  absl::StatusOr<std::unique_ptr<audit::TrustAnchors>> roots =
      audit::TrustAnchors::Load({Pki("CL/ca.crt")});
  EXPECT_TRUE(roots.ok()) << roots.status();
  return ServerCertificateCheck(kRegistry, Pki("CL/ca.crt"),
                                std::shared_ptr<const audit::TrustAnchors>(*std::move(roots)));
}

absl::Status CheckFile(const ServerCertificateCheck& check, const std::string& certificate) {
  return check.Check(ReadFileOrEmpty(Pki(certificate)), "", absl::Now());
}

TEST(ServerCertificateCheckTest, TheDemoPkisProviderCertificatePasses) {
  absl::Status status = CheckFile(RegistryCheck(), "CL/agencies/registro-civil.crt");
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ServerCertificateCheckTest, RefusesEachUnfitCertificateWithItsReason) {
  struct Case {
    TestCertificateSpec spec;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {{"server-client-only", "CL", {kRegistry}, "clientAuth"},
       "its certificate may not authenticate a server: its extended key usage (clientAuth) has "
       "neither serverAuth nor anyExtendedKeyUsage"},
      {{"server-ca", "CL", {kRegistry}, "serverAuth", /*ca=*/true},
       "its certificate is a CA certificate (basicConstraints CA:TRUE)"},
      {{"server-rsa-1024",
        "CL",
        {kRegistry},
        "serverAuth",
        false,
        {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"}},
       "its certificate's key is too weak to trust (RSA 1024 bits, 80-bit security)"},
      {{"server-another-participant", "CL", {"urn:pasarela:CL:GOV:spare-agency"}, "serverAuth"},
       "it presented [urn:pasarela:CL:GOV:spare-agency], expected "
       "urn:pasarela:CL:GOV:registro-civil"},
      {{"server-of-another-ca", "AR", {kRegistry}, "serverAuth"},
       "its certificate (issued by C = AR, O = Pasarela demo, CN = Pasarela AR root CA) does not "
       "verify against the CA in"},
  };
  const ServerCertificateCheck check = RegistryCheck();
  for (const Case& c : cases) {
    absl::Status status = CheckFile(check, IssueTestCertificate(c.spec) + ".crt");
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << c.spec.name;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.reason)) << c.spec.name;
  }
  // Expired: validity is judged at the time of the handshake.
  absl::Status expired = check.Check(ReadFileOrEmpty(Pki("CL/agencies/registro-civil.crt")), "",
                                     absl::Now() + absl::Hours(24 * 365 * 3));
  EXPECT_THAT(std::string(expired.message()), HasSubstr("certificate has expired"));
  EXPECT_THAT(std::string(check.Check("not a certificate", "", absl::Now()).message()),
              HasSubstr("it presented no certificate that parses"));
}

TEST(ServerCertificateCheckTest, AnExtendedKeyUsageThatAllowsAServerPasses) {
  const ServerCertificateCheck check = RegistryCheck();
  for (const auto& [name, usage] :
       std::vector<std::pair<std::string, std::string>>{{"server-no-eku", ""},
                                                        {"server-any-eku", "anyExtendedKeyUsage"},
                                                        {"server-server-only", "serverAuth"}}) {
    absl::Status status =
        CheckFile(check, IssueTestCertificate({name, "CL", {kRegistry}, usage}) + ".crt");
    EXPECT_TRUE(status.ok()) << name << ": " << status;
  }
}

// The check AR's gateway runs on CL's gateway: it must chain to CL's CA, name CL's gateway and
// not be on the CRL in `crl_file`, which the returned trust store reads.
struct PeerGatewayCheck {
  std::shared_ptr<TrustStore> trust;
  std::unique_ptr<ServerCertificateCheck> check;
};

PeerGatewayCheck CheckOfClsGateway(const std::string& crl_file) {
  absl::StatusOr<std::unique_ptr<audit::TrustAnchors>> roots =
      audit::TrustAnchors::Load({Pki("CL/ca.crt")});
  EXPECT_TRUE(roots.ok()) << roots.status();
  absl::StatusOr<std::unique_ptr<TrustStore>> trust =
      TrustStore::Create({{"CL", Pki("CL/ca.crt"), crl_file}});
  EXPECT_TRUE(trust.ok()) << trust.status();
  PeerGatewayCheck peer{*std::move(trust), nullptr};
  peer.check = std::make_unique<ServerCertificateCheck>(
      "urn:pasarela:gateway:CL", Pki("CL/ca.crt"),
      std::shared_ptr<const audit::TrustAnchors>(*std::move(roots)), peer.trust);
  return peer;
}

TEST(ServerCertificateCheckTest, APeerGatewayRevokedByItsCountrysCrlIsRefusedNamingSerialAndCrl) {
  PeerGatewayCheck peer = CheckOfClsGateway(Pki("CL/ca.crl"));
  const std::string revoked = IssueTestCertificate(
      {"gateway-cl-to-revoke", "CL", {"urn:pasarela:gateway:CL"}, "clientAuth, serverAuth"});
  ASSERT_TRUE(CheckFile(*peer.check, revoked + ".crt").ok());

  const std::string serial = RevokeTestCertificate(revoked);
  peer.trust->RefreshRevocationLists();
  absl::Status status = CheckFile(*peer.check, revoked + ".crt");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(), absl::StrCat("certificate revoked (serial ", serial,
                                           " is on the CRL of CL, ", Pki("CL/ca.crl"), ")"));
  // The CA's other certificates are not on the list.
  EXPECT_TRUE(CheckFile(*peer.check, "CL/gateway.crt").ok());
}

TEST(ServerCertificateCheckTest, AnUnusableCrlOfThePeersCountryFailsClosed) {
  const std::string crl = MakeTempDir("crl") + "/CL.crl";
  const std::string good = ReadFileOrEmpty(Pki("CL/ca.crl"));
  WriteFile(crl, good);
  PeerGatewayCheck peer = CheckOfClsGateway(crl);
  ASSERT_TRUE(CheckFile(*peer.check, "CL/gateway.crt").ok());

  const std::vector<std::pair<std::string, std::string>> broken = {
      {"not a CRL", absl::StrCat("CRL of CL unusable (", crl, ": not a CRL (PEM or DER))")},
      {ReadFileOrEmpty(Pki("AR/ca.crl")),
       absl::StrCat("CRL of CL unusable (", crl, ": CRL is not signed by the CA of CL)")},
  };
  for (const auto& [contents, reason] : broken) {
    WriteFile(crl, contents);
    peer.trust->RefreshRevocationLists();
    absl::Status status = CheckFile(*peer.check, "CL/gateway.crt");
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << reason;
    EXPECT_THAT(std::string(status.message()), HasSubstr(reason));
  }
  ASSERT_EQ(::unlink(crl.c_str()), 0);
  peer.trust->RefreshRevocationLists();
  EXPECT_THAT(std::string(CheckFile(*peer.check, "CL/gateway.crt").message()),
              HasSubstr("CRL of CL unusable"));

  // Past its nextUpdate (30 days), well within the certificate's validity.
  WriteFile(crl, good);
  peer.trust->RefreshRevocationLists();
  absl::Status stale = peer.check->Check(ReadFileOrEmpty(Pki("CL/gateway.crt")), "",
                                         absl::Now() + absl::Hours(24 * 60));
  EXPECT_EQ(stale.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(stale.message()), HasSubstr("CRL of CL is past its next update"));
  EXPECT_TRUE(CheckFile(*peer.check, "CL/gateway.crt").ok());
}

TEST(ServerCertificateCheckTest, AProviderRevokedOnTheCrlOfItsCaIsRefusedWhateverItsIdentity) {
  // A provider may be pinned to any URI: its CRL is checked without the Pasarela identity rules.
  constexpr char kSpiffe[] = "spiffe://registro.cl/consulta";
  absl::StatusOr<std::unique_ptr<audit::TrustAnchors>> roots =
      audit::TrustAnchors::Load({Pki("CL/ca.crt")});
  ASSERT_TRUE(roots.ok()) << roots.status();
  absl::StatusOr<std::unique_ptr<TrustStore>> created =
      TrustStore::Create({{"provider CL/GOV/registro-civil", Pki("CL/ca.crt"), Pki("CL/ca.crl")}},
                         TrustStore::IdentityRules::kPinnedByCaller);
  ASSERT_TRUE(created.ok()) << created.status();
  std::shared_ptr<TrustStore> trust = *std::move(created);
  const ServerCertificateCheck check(kSpiffe, Pki("CL/ca.crt"),
                                     std::shared_ptr<const audit::TrustAnchors>(*std::move(roots)),
                                     trust);
  const std::string kept = IssueTestCertificate({"provider-kept", "CL", {kSpiffe}, "serverAuth"});
  const std::string revoked =
      IssueTestCertificate({"provider-revoked", "CL", {kSpiffe}, "serverAuth"});
  ASSERT_TRUE(CheckFile(check, revoked + ".crt").ok());

  const std::string serial = RevokeTestCertificate(revoked);
  trust->RefreshRevocationLists();
  EXPECT_EQ(
      CheckFile(check, revoked + ".crt").message(),
      absl::StrCat("certificate revoked (serial ", serial,
                   " is on the CRL of provider CL/GOV/registro-civil, ", Pki("CL/ca.crl"), ")"));
  absl::Status status = CheckFile(check, kept + ".crt");
  EXPECT_TRUE(status.ok()) << status;
}

}  // namespace
}  // namespace pasarela
