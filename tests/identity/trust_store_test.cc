#include "gateway/identity/trust_store.h"

#include <unistd.h>

#include <cstdio>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_certificates.h"
#include "tests/support/topology.h"

namespace pasarela {
namespace {

using ::pasarela::testing::Pki;
using ::pasarela::testing::ReadFileOrEmpty;
using ::testing::HasSubstr;

// Each test gets a private copy of the PKI's CRL, so that revoking or removing it stays local.
class TrustStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("trust");
    crl_ = dir_ + "/ar.crl";
    testing::WriteFile(crl_, ReadFileOrEmpty(Pki("AR/ca.crl")));
    absl::StatusOr<std::unique_ptr<TrustStore>> store =
        TrustStore::Create({{"AR", Pki("AR/ca.crt"), crl_}});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  absl::StatusOr<VerifiedPeer> Verify(const std::string& cert) {
    return store_->Verify(ReadFileOrEmpty(Pki(cert)), absl::Now());
  }

  std::string dir_;
  std::string crl_;
  std::unique_ptr<TrustStore> store_;
};

TEST_F(TrustStoreTest, AgencyCertificateNamesItsParticipant) {
  absl::StatusOr<VerifiedPeer> peer = Verify("AR/agencies/migraciones.crt");
  ASSERT_TRUE(peer.ok()) << peer.status();
  ASSERT_TRUE(peer->participant.has_value());
  EXPECT_EQ(peer->participant->ToString(), "AR/GOV/migraciones");
  EXPECT_EQ(peer->issuer_country, "AR");
  EXPECT_FALSE(peer->is_gateway());
}

TEST_F(TrustStoreTest, GatewayCertificateNamesItsCountry) {
  absl::StatusOr<VerifiedPeer> peer = Verify("AR/gateway.crt");
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_TRUE(peer->is_gateway());
  EXPECT_EQ(peer->gateway_country, "AR");
  EXPECT_EQ(peer->Describe(), "gateway AR");
}

TEST_F(TrustStoreTest, RefusesEachBadCertificateWithItsReason) {
  struct Case {
    const char* cert;
    const char* reason;
  };
  for (const Case& c :
       {Case{"AR/test/expired.crt", "expired at 2021-01-01T00:00:00Z"},
        Case{"AR/test/revoked.crt", "certificate revoked (serial"},
        Case{"rogue/AR-agency.crt", "issued by an unknown CA"},
        Case{"CL/agencies/registro-civil.crt", "issued by an unknown CA"},
        Case{"AR/test/wrong-country-gateway.crt", "a CA vouches only for its own country"},
        Case{"AR/test/foreign-agency.crt", "a CA vouches only for its own country"}}) {
    absl::StatusOr<VerifiedPeer> peer = Verify(c.cert);
    ASSERT_FALSE(peer.ok()) << c.cert;
    EXPECT_EQ(peer.status().code(), absl::StatusCode::kUnauthenticated) << c.cert;
    EXPECT_THAT(std::string(peer.status().message()), HasSubstr(c.reason)) << c.cert;
  }
  EXPECT_FALSE(store_->Verify("not a certificate", absl::Now()).ok());
}

TEST_F(TrustStoreTest, ValidityIsCheckedAtTheTimeOfEachCall) {
  std::string pem = ReadFileOrEmpty(Pki("AR/agencies/migraciones.crt"));
  ASSERT_TRUE(store_->Verify(pem, absl::Now()).ok());
  // The cached verdict must not outlive the certificate.
  absl::StatusOr<VerifiedPeer> later = store_->Verify(pem, absl::Now() + absl::Hours(24 * 365 * 3));
  ASSERT_FALSE(later.ok());
  EXPECT_THAT(std::string(later.status().message()), HasSubstr("expired at"));
}

TEST_F(TrustStoreTest, CertificateIsRefusedBeforeItsValidityBegins) {
  std::string pem = ReadFileOrEmpty(Pki("AR/agencies/migraciones.crt"));
  absl::StatusOr<Certificate> cert = Certificate::FromPem(pem);
  ASSERT_TRUE(cert.ok()) << cert.status();
  absl::StatusOr<VerifiedPeer> early = store_->Verify(pem, cert->not_before() - absl::Minutes(1));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(early.status().message()),
              HasSubstr("certificate of agency AR/GOV/migraciones is not valid before"));
  EXPECT_TRUE(store_->Verify(pem, cert->not_before() + absl::Minutes(1)).ok());
}

// Certificates AR's genuine CA issued, each wrong in one way: none may name anybody.
TEST_F(TrustStoreTest, RefusesEachMalformedIdentityWithItsReason) {
  struct Case {
    testing::TestCertificateSpec spec;
    const char* reason;
  };
  const std::string kMigraciones = "urn:pasarela:AR:GOV:migraciones";
  std::vector<Case> cases = {
      {{"two-participants", "AR", {kMigraciones, "urn:pasarela:AR:GOV:afip"}, ""},
       "exactly one urn:pasarela: URI SAN, found 2"},
      {{"participant-and-gateway", "AR", {kMigraciones, "urn:pasarela:gateway:AR"}, ""},
       "exactly one urn:pasarela: URI SAN, found 2"},
      // RFC 8141: the scheme and the namespace of a URN are case-insensitive.
      {{"second-in-upper-case", "AR", {kMigraciones, "URN:PASARELA:AR:GOV:afip"}, ""},
       "exactly one urn:pasarela: URI SAN, found 2"},
      {{"upper-case-scheme", "AR", {"URN:Pasarela:AR:GOV:migraciones"}, ""},
       "certificate names 'URN:Pasarela:AR:GOV:migraciones': a Pasarela URI begins urn:pasarela: "
       "in lower case"},
      {{"lower-case-country", "AR", {"urn:pasarela:ar:GOV:migraciones"}, ""},
       "'ar' is not a two-letter country code"},
      {{"trailing-colon", "AR", {kMigraciones + ":"}, ""}, "must be 1-64 letters"},
      {{"trailing-parts", "AR", {kMigraciones + ":a:b"}, ""}, "is not COUNTRY/CLASS/MEMBER"},
      {{"trailing-query", "AR", {kMigraciones + "?as=afip"}, ""}, "must be 1-64 letters"},
      {{"gateway-trailing", "AR", {"urn:pasarela:gateway:ARX"}, ""},
       "does not end in a two-letter country code"},
      {{"gateway-lower-case", "AR", {"urn:pasarela:gateway:ar"}, ""},
       "does not end in a two-letter country code"},
      {{"ca-as-leaf", "AR", {kMigraciones}, "", /*ca=*/true},
       "certificate of agency AR/GOV/migraciones is a CA certificate (basicConstraints CA:TRUE)"},
      {{"rsa-1024",
        "AR",
        {kMigraciones},
        "",
        false,
        {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"}},
       "certificate of agency AR/GOV/migraciones has a key too weak to trust (RSA 1024 bits, "
       "80-bit security): at least 112-bit security is required"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<VerifiedPeer> peer = Verify(testing::IssueTestCertificate(c.spec) + ".crt");
    ASSERT_FALSE(peer.ok()) << c.spec.name;
    EXPECT_EQ(peer.status().code(), absl::StatusCode::kUnauthenticated) << c.spec.name;
    EXPECT_THAT(std::string(peer.status().message()), HasSubstr(c.reason)) << c.spec.name;
  }
  // The same identity with a strong enough RSA key, and the demo PKI's own, are accepted.
  absl::StatusOr<VerifiedPeer> rsa = Verify(
      testing::IssueTestCertificate({"rsa-2048",
                                     "AR",
                                     {kMigraciones},
                                     "",
                                     false,
                                     {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}}) +
      ".crt");
  EXPECT_TRUE(rsa.ok()) << rsa.status();
}

TEST_F(TrustStoreTest, ReportsWhatTheExtendedKeyUsageAllows) {
  struct Case {
    const char* name;
    const char* usage;
    bool client;
    bool server;
    const char* text;
  };
  for (const Case& c :
       {Case{"eku-both", "serverAuth, clientAuth", true, true, "serverAuth, clientAuth"},
        Case{"eku-server", "serverAuth", false, true, "serverAuth"},
        Case{"eku-client", "clientAuth", true, false, "clientAuth"},
        Case{"eku-email", "emailProtection", false, false, "emailProtection"},
        Case{"eku-any", "anyExtendedKeyUsage", true, true, "anyExtendedKeyUsage"},
        Case{"eku-none", "", true, true, "none"}}) {
    absl::StatusOr<VerifiedPeer> peer =
        Verify(testing::IssueTestCertificate(
                   {c.name, "AR", {"urn:pasarela:AR:GOV:migraciones"}, c.usage}) +
               ".crt");
    ASSERT_TRUE(peer.ok()) << c.name << ": " << peer.status();
    EXPECT_EQ(peer->allows_tls_client, c.client) << c.name;
    EXPECT_EQ(peer->allows_tls_server, c.server) << c.name;
    EXPECT_EQ(peer->extended_key_usage, c.text) << c.name;
  }
  // The demo PKI issues every certificate for both ends of a connection.
  absl::StatusOr<VerifiedPeer> gateway = Verify("AR/gateway.crt");
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_TRUE(gateway->allows_tls_client && gateway->allows_tls_server);
}

TEST_F(TrustStoreTest, NewRevocationTakesEffectAfterRefresh) {
  std::string spare = testing::MakeTempDir("spare");
  // Revoke through the PKI script on a copy of the whole AR CA, then use its CRL.
  std::string output;
  ASSERT_EQ(testing::RunCommand({"/bin/cp", "-a", Pki("AR"), spare + "/AR"}, &output), 0) << output;
  ASSERT_EQ(testing::RunCommand({"/bin/cp", "-a", Pki("rogue"), spare + "/rogue"}, &output), 0);
  ASSERT_TRUE(Verify("AR/test/spare.crt").ok());
  ASSERT_EQ(testing::RunCommand({"/bin/bash", testing::SourceDir() + "/certs/make-pki.sh", "-q",
                                 "revoke", spare, spare + "/AR/test/spare.crt"},
                                &output),
            0)
      << output;
  testing::WriteFile(crl_ + ".new", ReadFileOrEmpty(spare + "/AR/ca.crl"));
  ASSERT_EQ(std::rename((crl_ + ".new").c_str(), crl_.c_str()), 0);
  store_->RefreshRevocationLists();
  absl::StatusOr<VerifiedPeer> peer = Verify("AR/test/spare.crt");
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(std::string(peer.status().message()), HasSubstr("certificate revoked"));
}

// CAs publish CRLs in DER at their distribution points; the same file converted reads alike, and a
// truncated download is refused rather than read as far as it goes.
TEST_F(TrustStoreTest, DerCrlIsReadLikePemAndATruncatedOneFailsClosed) {
  std::string spare = testing::MakeTempDir("spare");
  std::string output;
  ASSERT_EQ(testing::RunCommand({"/bin/cp", "-a", Pki("AR"), spare + "/AR"}, &output), 0) << output;
  ASSERT_EQ(testing::RunCommand({"/bin/cp", "-a", Pki("rogue"), spare + "/rogue"}, &output), 0);
  ASSERT_EQ(testing::RunCommand({"/bin/bash", testing::SourceDir() + "/certs/make-pki.sh", "-q",
                                 "revoke", spare, spare + "/AR/test/spare.crt"},
                                &output),
            0)
      << output;
  const std::string der = dir_ + "/ar.der";
  ASSERT_EQ(testing::RunCommand({"/usr/bin/env", "openssl", "crl", "-in", spare + "/AR/ca.crl",
                                 "-outform", "DER", "-out", der},
                                &output),
            0)
      << output;
  const std::string der_bytes = ReadFileOrEmpty(der);
  ASSERT_EQ(der_bytes.rfind("-----BEGIN", 0), std::string::npos);

  testing::WriteFile(crl_, der_bytes);
  store_->RefreshRevocationLists();
  absl::StatusOr<VerifiedPeer> peer = Verify("AR/test/spare.crt");
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(std::string(peer.status().message()), HasSubstr("certificate revoked"));
  EXPECT_TRUE(Verify("AR/agencies/migraciones.crt").ok());

  testing::WriteFile(crl_, der_bytes.substr(0, der_bytes.size() - 10));
  store_->RefreshRevocationLists();
  peer = Verify("AR/agencies/migraciones.crt");
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(std::string(peer.status().message()), HasSubstr(crl_ + ": not a CRL (PEM or DER)"));
  // Trailing bytes after a whole CRL are refused too.
  testing::WriteFile(crl_, der_bytes + "garbage");
  store_->RefreshRevocationLists();
  EXPECT_FALSE(Verify("AR/agencies/migraciones.crt").ok());
}

TEST_F(TrustStoreTest, UnreadableCrlFailsClosedAndRecovers) {
  std::string good = ReadFileOrEmpty(crl_);
  ASSERT_EQ(::unlink(crl_.c_str()), 0);
  store_->RefreshRevocationLists();
  absl::StatusOr<VerifiedPeer> peer = Verify("AR/agencies/migraciones.crt");
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(std::string(peer.status().message()), HasSubstr("CRL of AR unusable"));
  testing::WriteFile(crl_, good);
  store_->RefreshRevocationLists();
  EXPECT_TRUE(Verify("AR/agencies/migraciones.crt").ok());
}

TEST_F(TrustStoreTest, CrlSignedByAnotherCaIsRefused) {
  testing::WriteFile(crl_, ReadFileOrEmpty(Pki("CL/ca.crl")));
  store_->RefreshRevocationLists();
  absl::StatusOr<VerifiedPeer> peer = Verify("AR/agencies/migraciones.crt");
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(std::string(peer.status().message()), HasSubstr("not signed by the CA of AR"));
}

TEST(TrustStoreCreateTest, MissingCrlIsAnErrorNotNoRevocation) {
  absl::StatusOr<std::unique_ptr<TrustStore>> store =
      TrustStore::Create({{"AR", Pki("AR/ca.crt"), "/nonexistent/ar.crl"}});
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("CRL of AR"));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("/nonexistent/ar.crl"));
}

}  // namespace
}  // namespace pasarela
