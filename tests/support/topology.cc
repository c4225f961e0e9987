#include "tests/support/topology.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/policy/policy_snapshot.h"
#include "tests/support/free_port.h"

namespace pasarela::testing {

std::string SourceDir() { return PASARELA_SOURCE_DIR; }
std::string BinDir() { return PASARELA_BIN_DIR; }
std::string DescriptorSetPath() { return PASARELA_DESCRIPTOR_SET; }

std::string MakeDemoPki(const std::string& prefix, const std::vector<std::string>& specs) {
  std::string path = MakeTempDir(prefix);
  std::string output;
  // make-pki.sh reuses whatever DIR already holds, so a copy of the template leaves it only the
  // specs the template lacks to make (a fraction of a second instead of seconds of key generation).
  const char* template_dir = std::getenv("PASARELA_TEST_PKI_TEMPLATE");
  if (template_dir != nullptr && *template_dir != '\0') {
    if (RunCommand({"/bin/cp", "-a", std::string(template_dir) + "/.", path}, &output) != 0) {
      throw std::runtime_error(
          absl::StrCat("copying the test PKI template ", template_dir, ": ", output));
    }
  }
  std::vector<std::string> argv = {"/bin/bash", SourceDir() + "/certs/make-pki.sh", "-q", path};
  argv.insert(argv.end(), specs.begin(), specs.end());
  if (RunCommand(argv, &output) != 0) {
    throw std::runtime_error("certs/make-pki.sh failed: " + output);
  }
  return path;
}

const std::string& PkiDir() {
  static const std::string dir =
      MakeDemoPki("pki", {"AR", "BR", "CL", "AR/GOV/migraciones", "AR/GOV/afip", "BR/GOV/saude",
                          "CL/GOV/registro-civil"});
  return dir;
}

std::string Pki(const std::string& relative) { return PkiDir() + "/" + relative; }

std::shared_ptr<grpc::Channel> MtlsChannel(const std::string& address, const std::string& cert,
                                           const std::string& key, const std::string& ca_country) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileOrEmpty(Pki(ca_country + "/ca.crt"));
  if (!cert.empty()) {
    options.pem_cert_chain = ReadFileOrEmpty(Pki(cert));
    options.pem_private_key = ReadFileOrEmpty(Pki(key));
  }
  grpc::ChannelArguments args;
  // A fresh connection per channel, so that each test sees its own handshake.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
}

namespace {

// Waits for `ready_file`, giving up at once if the process exits.
bool WaitForReady(ChildProcess& process, const std::string& ready_file, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!ReadFileOrEmpty(ready_file).empty()) return true;
    if (process.Exited()) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

}  // namespace

std::string AgreementDigestOf(const std::string& policy_dir, const std::string& id) {
  auto catalog =
      DescriptorCatalog::Load({DescriptorSetPath(), BinDir() + "/../share/pasarela/national.desc"});
  if (!catalog.ok()) throw std::runtime_error(std::string(catalog.status().message()));
  Diagnostics diagnostics;
  absl::optional<PolicyDirectory> directory =
      LoadPolicyDirectory(policy_dir, "", **catalog, diagnostics);
  if (!directory.has_value()) throw std::runtime_error(diagnostics.ToString());
  const Agreement* agreement = directory->agreements.Find(id);
  if (agreement == nullptr) throw std::runtime_error("no agreement " + id);
  return agreement->digest;
}

std::vector<std::string> ProviderProcess::Calls() const {
  std::vector<std::string> calls;
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrEmpty(calls_log), '\n', absl::SkipEmpty())) {
    calls.emplace_back(line);
  }
  return calls;
}

Topology::Topology(std::vector<std::string> countries)
    : dir_(MakeTempDir("topology")), countries_(std::move(countries)) {
  agreements_[""][kDefaultAgreementId] = DefaultAgreementYaml(countries_);
  for (const std::string& country : countries_) {
    agency_ports_[country] = PickFreePort();
    federation_ports_[country] = PickFreePort();
    federation_addresses_[country] = absl::StrCat("127.0.0.1:", federation_ports_[country]);
  }
}

std::string Topology::DefaultAgreementYaml(const std::vector<std::string>& countries) {
  std::vector<std::string> consumers;
  for (const std::string& country : countries) {
    if (country == "AR") {
      consumers.insert(consumers.end(),
                       {"AR/GOV/migraciones", "AR/GOV/afip", "AR/GOV/spare-agency"});
    }
    if (country == "BR") consumers.push_back("BR/GOV/saude");
  }
  return absl::StrCat(R"(apiVersion: pasarela/v1
kind: Agreement
id: test-identity
title: Identity checks for end-to-end tests
consumers: [)",
                      absl::StrJoin(consumers, ", "), R"(]
provider: CL/GOV/registro-civil
methods:
  - pasarela.identity.v1.IdentityService/GetPerson
  - pasarela.identity.v1.IdentityService/VerifyIdentity
purposes: [border-control]
legal_basis:
  text: Tests of the gateway.
  reference: none
validity:
  from: 2020-01-01T00:00:00Z
  until: 2099-12-31T23:59:59Z
retention: P1D
quota:
  requests_per_second: 10000
  burst: 10000
response_fields:
  pasarela.identity.v1.IdentityService/GetPerson: [person]
  pasarela.identity.v1.IdentityService/VerifyIdentity: [person_found, verdicts]
personal_data:
  highest_category: personal_identifier
)");
}

void Topology::SetAgreement(const std::string& id, const std::string& yaml,
                            const std::string& country) {
  agreements_[country][id] = yaml;
}

Topology::~Topology() {
  // Gateways first, so that none is left calling a provider that is gone.
  for (auto& [country, gateway] : gateways_) {
    if (gateway->process != nullptr) StopAndCheck("gateway " + country, *gateway->process);
  }
  gateways_.clear();
  for (const auto& provider : providers_) {
    if (provider->process != nullptr) {
      StopAndCheck("provider " + provider->participant, *provider->process);
    }
  }
  providers_.clear();
}

void Topology::SetPolicyFile(const std::string& country, const std::string& relative_path,
                             const std::string& contents) {
  policy_files_[country][relative_path] = contents;
}

void Topology::SetFederationAddress(const std::string& country, const std::string& address) {
  federation_addresses_[country] = address;
}

void Topology::SetFederationProtocol(const std::string& country, int protocol) {
  federation_protocols_[country] = protocol;
}

void Topology::AddProviderEntry(const std::string& participant, const std::string& address,
                                const std::string& identity) {
  provider_entries_.push_back({participant, address, identity});
}

ProviderProcess& Topology::StartProvider(const std::string& participant,
                                         const std::vector<std::string>& extra_args,
                                         const std::string& program) {
  std::vector<std::string> parts = absl::StrSplit(participant, '/');
  std::string country = parts[0];
  std::string name = parts[2];
  ProviderProcess& provider =
      StartImpostor(absl::StrCat(country, "/agencies/", name, ".crt"),
                    absl::StrCat(country, "/agencies/", name, ".key"), country,
                    absl::StrCat("127.0.0.1:", PickFreePort()), extra_args, program);
  provider.participant = participant;
  AddProviderEntry(participant, provider.address);
  return provider;
}

ProviderProcess& Topology::StartImpostor(const std::string& cert, const std::string& key,
                                         const std::string& ca_country, const std::string& address,
                                         const std::vector<std::string>& extra_args,
                                         const std::string& program) {
  auto provider = std::make_unique<ProviderProcess>();
  int index = static_cast<int>(providers_.size());
  std::string ready = absl::StrCat(dir_, "/provider-", index, ".ready");
  provider->address = address;
  provider->calls_log = absl::StrCat(dir_, "/provider-", index, "-calls.jsonl");
  std::vector<std::string> argv{BinDir() + "/" + program,
                                "--listen",
                                address,
                                "--cert",
                                Pki(cert),
                                "--key",
                                Pki(key),
                                "--ca",
                                Pki(ca_country + "/ca.crt"),
                                "--ready-file",
                                ready,
                                "--calls-log",
                                provider->calls_log};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  provider->process =
      std::make_unique<ChildProcess>(argv, absl::StrCat(dir_, "/provider-", index, ".log"));
  if (!WaitForReady(*provider->process, ready, absl::Seconds(10))) {
    throw std::runtime_error(program + " did not start: " + provider->process->Log());
  }
  providers_.push_back(std::move(provider));
  return *providers_.back();
}

std::string Topology::FederationYaml() const {
  std::string yaml = "apiVersion: pasarela/v1\nkind: Federation\ncountries:\n";
  for (const std::string& country : countries_) {
    absl::StrAppend(
        &yaml, "  - code: ", country, "\n    gateway: ", federation_addresses_.at(country),
        "\n    protocol: ",
        federation_protocols_.count(country) > 0 ? federation_protocols_.at(country) : 3,
        "\n    ca_file: ", Pki(country + "/ca.crt"), "\n    crl_file: ", Pki(country + "/ca.crl"),
        "\n    participants: [", country, "/GOV/migraciones, ", country, "/GOV/afip, ", country,
        "/GOV/spare-agency, ", country, "/GOV/saude, ", country, "/GOV/registro-civil]\n");
  }
  return yaml;
}

std::string Topology::ServicesYaml(const std::string& country) const {
  std::string yaml = "apiVersion: pasarela/v1\nkind: Services\nproviders:\n";
  bool any = false;
  for (const ProviderEntry& entry : provider_entries_) {
    if (entry.participant.substr(0, 2) != country) continue;
    any = true;
    absl::StrAppend(&yaml, "  - participant: ", entry.participant, "\n    address: ", entry.address,
                    "\n    ca_file: ", Pki(country + "/ca.crt"), "\n");
    if (!entry.identity.empty()) absl::StrAppend(&yaml, "    identity: ", entry.identity, "\n");
    absl::StrAppend(&yaml,
                    "    methods:\n"
                    "      - pasarela.identity.v1.IdentityService/GetPerson\n"
                    "      - pasarela.identity.v1.IdentityService/VerifyIdentity\n");
  }
  if (!any) yaml = "apiVersion: pasarela/v1\nkind: Services\nproviders: []\n";
  return yaml;
}

void Topology::UseOwnCertificateFiles(const std::string& country) {
  own_certificate_files_.push_back(country);
}

std::string Topology::GatewayCertificateBase(const std::string& country) const {
  if (std::find(own_certificate_files_.begin(), own_certificate_files_.end(), country) !=
      own_certificate_files_.end()) {
    return absl::StrCat(dir_, "/", country, "/tls/gateway");
  }
  return Pki(country + "/gateway");
}

GatewayProcess& Topology::StartGateway(const std::string& country, const std::string& extra_yaml) {
  auto gateway = std::make_unique<GatewayProcess>();
  gateway->country = country;
  gateway->dir = absl::StrCat(dir_, "/", country);
  gateway->agency_port = agency_ports_.at(country);
  gateway->federation_port = federation_ports_.at(country);
  ::mkdir(gateway->dir.c_str(), 0755);
  ::mkdir((gateway->dir + "/policy").c_str(), 0755);
  const std::string certificate_base = GatewayCertificateBase(country);
  if (certificate_base != Pki(country + "/gateway")) {
    ::mkdir((gateway->dir + "/tls").c_str(), 0700);
    WriteFile(certificate_base + ".crt", ReadFileOrEmpty(Pki(country + "/gateway.crt")));
    WriteFile(certificate_base + ".key", ReadFileOrEmpty(Pki(country + "/gateway.key")));
    ::chmod((certificate_base + ".key").c_str(), 0600);
  }
  WriteFile(gateway->dir + "/policy/federation.yaml", FederationYaml());
  WriteFile(gateway->dir + "/policy/services.yaml", ServicesYaml(country));
  WriteFile(gateway->dir + "/policy/classification.yaml",
            ReadFileOrEmpty(SourceDir() + "/policies/classification.yaml"));
  ::mkdir((gateway->dir + "/policy/agreements").c_str(), 0755);
  std::map<std::string, std::string> agreements = agreements_[""];
  for (const auto& [id, yaml] : agreements_[country]) agreements[id] = yaml;
  for (const auto& [id, yaml] : agreements) {
    WriteFile(absl::StrCat(gateway->dir, "/policy/agreements/", id, ".yaml"), yaml);
  }
  for (const auto& [relative_path, contents] : policy_files_[country]) {
    const std::string path = absl::StrCat(gateway->dir, "/policy/", relative_path);
    ::mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);
    WriteFile(path, contents);
  }
  WriteFile(
      gateway->dir + "/gateway.yaml",
      absl::StrCat("apiVersion: pasarela/v1\nkind: Gateway\ncountry: ", country,
                   "\nlisteners:\n  agency: ", gateway->agency_address(), "\n  federation: ",
                   gateway->federation_address(), "\ntls:\n  certificate_file: ", certificate_base,
                   ".crt", "\n  key_file: ", certificate_base, ".key",
                   "\npolicy_dir: policy\naudit:\n  directory: audit\n  pseudonym_key_file: ",
                   Pki(country + "/pseudonym.key"), "\ndescriptor_sets:\n  - ", DescriptorSetPath(),
                   "\n  - ", BinDir(), "/../share/pasarela/national.desc", "\n  - ", BinDir(),
                   "/../share/pasarela/testing.desc\n", extra_yaml));
  Launch(*gateway);
  GatewayProcess& result = *gateway;
  gateways_[country] = std::move(gateway);
  return result;
}

GatewayProcess& Topology::RestartGateway(const std::string& country) {
  GatewayProcess& gateway = *gateways_.at(country);
  if (gateway.process != nullptr) StopAndCheck("gateway " + country, *gateway.process);
  Launch(gateway);
  return gateway;
}

void Topology::Launch(GatewayProcess& gateway) {
  std::string ready = gateway.dir + "/ready.json";
  ::unlink(ready.c_str());
  gateway.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{BinDir() + "/pasarela", "serve", "--config",
                               gateway.dir + "/gateway.yaml", "--ready-file", ready},
      gateway.dir + "/gateway.log");
  if (!WaitForReady(*gateway.process, ready, absl::Seconds(15))) {
    throw std::runtime_error("gateway " + gateway.country +
                             " did not start: " + gateway.process->Log());
  }
}

}  // namespace pasarela::testing
