// Certificates the demo PKI does not make, issued by one of its country CAs with the `openssl`
// CLI, for tests of what the gateway refuses: an extended key usage without clientAuth, a CA
// certificate used as a leaf, a weak key, odd URI SANs.
#ifndef PASARELA_TESTS_SUPPORT_TEST_CERTIFICATES_H_
#define PASARELA_TESTS_SUPPORT_TEST_CERTIFICATES_H_

#include <string>
#include <vector>

namespace pasarela::testing {

struct TestCertificateSpec {
  // File name in the PKI's made/ directory, without .crt or .key; unique per test process.
  std::string name;
  // The PKI country whose CA signs it.
  std::string issuer_country;
  // URI subject alternative names, in order (DNS:localhost and IP:127.0.0.1 are added).
  std::vector<std::string> uris;
  // The extendedKeyUsage value ("serverAuth", "clientAuth, serverAuth"), or empty for a
  // certificate without the extension.
  std::string extended_key_usage;
  // basicConstraints CA:TRUE instead of CA:FALSE.
  bool ca = false;
  // An `openssl genpkey` algorithm option list: EC P-256 unless told otherwise.
  std::vector<std::string> key_options = {"-algorithm", "EC", "-pkeyopt",
                                          "ec_paramgen_curve:P-256"};
};

// Issues the certificate (two years from now) and returns its PKI-relative base path,
// "made/NAME", for Pki(base + ".crt") and MtlsChannel. Throws std::runtime_error with openssl's
// output when openssl fails.
std::string IssueTestCertificate(const TestCertificateSpec& spec);

// Revokes the certificate at PKI-relative `base` + ".crt" (certs/make-pki.sh revoke: its CA's CRL
// is rewritten) and returns its serial in the gateway's spelling (upper-case hex). Throws
// std::runtime_error with the command's output when it fails.
std::string RevokeTestCertificate(const std::string& base);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_TEST_CERTIFICATES_H_
