#include "tests/support/test_certificates.h"

#include <sys/stat.h>

#include <random>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "tests/support/child_process.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

// Runs openssl with `argv`; its output goes to `output` when given.
void RunOpenssl(std::vector<std::string> argv, std::string* output = nullptr) {
  argv.insert(argv.begin(), "openssl");
  argv.insert(argv.begin(), "/usr/bin/env");
  std::string own_output;
  if (output == nullptr) output = &own_output;
  if (RunCommand(argv, output) != 0) {
    throw std::runtime_error(absl::StrCat(absl::StrJoin(argv, " "), " failed: ", *output));
  }
}

}  // namespace

std::string IssueTestCertificate(const TestCertificateSpec& spec) {
  const std::string dir = Pki("made");
  ::mkdir(dir.c_str(), 0700);
  const std::string base = absl::StrCat(dir, "/", spec.name);
  std::vector<std::string> genkey = {"genpkey", "-out", base + ".key"};
  genkey.insert(genkey.end(), spec.key_options.begin(), spec.key_options.end());
  RunOpenssl(genkey);
  ::chmod((base + ".key").c_str(), 0600);
  RunOpenssl({"req", "-new", "-key", base + ".key", "-subj",
              absl::StrCat("/O=Pasarela test/CN=", spec.name), "-out", base + ".csr"});

  std::vector<std::string> names;
  for (const std::string& uri : spec.uris) names.push_back(absl::StrCat("URI:", uri));
  names.push_back("DNS:localhost");
  names.push_back("IP:127.0.0.1");
  std::string extensions =
      absl::StrCat("basicConstraints = critical, CA:", spec.ca ? "TRUE" : "FALSE", "\n",
                   "keyUsage = critical, digitalSignature", spec.ca ? ", keyCertSign, cRLSign" : "",
                   "\n", "subjectAltName = ", absl::StrJoin(names, ", "), "\n");
  if (!spec.extended_key_usage.empty()) {
    absl::StrAppend(&extensions, "extendedKeyUsage = ", spec.extended_key_usage, "\n");
  }
  WriteFile(base + ".ext", extensions);
  // A random serial, so that no two certificates of the CA share one (the CRL names serials).
  std::random_device random;
  const std::string serial = absl::StrFormat("0x%08x%08x", random(), random());
  const std::string ca = Pki(spec.issuer_country + "/ca");
  RunOpenssl({"x509", "-req", "-in", base + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
              "-set_serial", serial, "-days", "730", "-sha256", "-extfile", base + ".ext", "-out",
              base + ".crt"});
  return absl::StrCat("made/", spec.name);
}

std::string RevokeTestCertificate(const std::string& base) {
  const std::string certificate = Pki(base + ".crt");
  std::string output;
  if (RunCommand(
          {"/bin/bash", SourceDir() + "/certs/make-pki.sh", "-q", "revoke", PkiDir(), certificate},
          &output) != 0) {
    throw std::runtime_error(absl::StrCat("certs/make-pki.sh revoke ", certificate, ": ", output));
  }
  std::string serial;
  RunOpenssl({"x509", "-noout", "-serial", "-in", certificate}, &serial);
  return std::string(absl::StripAsciiWhitespace(absl::StripPrefix(serial, "serial=")));
}

}  // namespace pasarela::testing
