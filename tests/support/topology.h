// Real processes for end-to-end tests: a demo PKI, gateways of several countries with their
// federation and services files, and identity providers, all on loopback ports picked at run time.
#ifndef PASARELA_TESTS_SUPPORT_TOPOLOGY_H_
#define PASARELA_TESTS_SUPPORT_TOPOLOGY_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace pasarela::testing {

// Where the build put things (compile-time definitions of the test targets).
std::string SourceDir();
std::string BinDir();
std::string DescriptorSetPath();

// A demo PKI (certs/make-pki.sh) in a new temporary directory named after `prefix`, holding at
// least `specs` (countries CC, participants CC/CLASS/MEMBER[/SUBSYSTEM]). When the environment
// names a ready PKI in PASARELA_TEST_PKI_TEMPLATE (ctest's test_pki_template fixture makes one
// per run), it starts as a copy of it: each process still gets a PKI of its own to revoke and
// renew in, without generating every key again. Throws std::runtime_error when it cannot.
std::string MakeDemoPki(const std::string& prefix, const std::vector<std::string>& specs);

// The demo PKI for AR, BR, CL (and their test agencies), made once per test process.
const std::string& PkiDir();
// PkiDir() + "/" + relative.
std::string Pki(const std::string& relative);

// A channel to `address` presenting `cert`/`key` (PKI-relative paths, or empty for none) and
// trusting the CA of `ca_country`.
std::shared_ptr<grpc::Channel> MtlsChannel(const std::string& address, const std::string& cert,
                                           const std::string& key, const std::string& ca_country);

// The digest of agreement `id` as the policy directory `policy_dir` compiles it (what a consumer
// gateway sends in x-pasarela-agreement-digest).
std::string AgreementDigestOf(const std::string& policy_dir, const std::string& id);

struct ProviderProcess {
  std::string participant;
  std::string address;
  std::string calls_log;
  std::unique_ptr<ChildProcess> process;
  // The JSON lines the provider recorded, one per call it received.
  std::vector<std::string> Calls() const;
};

struct GatewayProcess {
  std::string country;
  std::string dir;
  int agency_port = 0;
  int federation_port = 0;
  std::unique_ptr<ChildProcess> process;
  std::string agency_address() const { return "127.0.0.1:" + std::to_string(agency_port); }
  std::string federation_address() const { return "127.0.0.1:" + std::to_string(federation_port); }
};

class Topology {
 public:
  // Countries of the federation, e.g. {"AR", "BR", "CL"}.
  explicit Topology(std::vector<std::string> countries);
  ~Topology();

  // Makes the federation file point at `address` for `country`'s gateway (impostor, dead peer).
  void SetFederationAddress(const std::string& country, const std::string& address);
  // The federation protocol the federation file names for `country`'s gateway (default 3, as in
  // the pilot's): other gateways call it in that form.
  void SetFederationProtocol(const std::string& country, int protocol);
  // The agreement every topology starts with: AR/GOV/migraciones, AR/GOV/afip, AR/GOV/spare-agency
  // and BR/GOV/saude (those of the topology's countries) may call CL/GOV/registro-civil's GetPerson
  // and VerifyIdentity for purpose border-control, every response field allowed, in force from 2020
  // to 2099.
  static constexpr char kDefaultAgreementId[] = "test-identity";
  static std::string DefaultAgreementYaml(const std::vector<std::string>& countries);
  // Adds (or replaces) agreements/<id>.yaml for `country`'s gateway, or every gateway when
  // `country` is empty. Takes effect for gateways started afterwards.
  void SetAgreement(const std::string& id, const std::string& yaml,
                    const std::string& country = "");
  // Writes `contents` to `relative_path` in `country`'s policy directory (a mapping,
  // "mappings/x.yaml"; or "services.yaml", which then replaces the one the topology writes). Takes
  // effect for gateways started afterwards.
  void SetPolicyFile(const std::string& country, const std::string& relative_path,
                     const std::string& contents);
  // Registers a provider served by `country`'s gateway at `address` (started or not).
  void AddProviderEntry(const std::string& participant, const std::string& address,
                        const std::string& identity = "");
  // Starts an identity provider for `participant` with its agency certificate; registers it.
  // `program` may name another provider of the build that takes the same flags, such as
  // misbehaving_provider.
  ProviderProcess& StartProvider(const std::string& participant,
                                 const std::vector<std::string>& extra_args = {},
                                 const std::string& program = "identity_provider");
  // Starts an identity provider with any certificate (an impostor); not registered anywhere.
  ProviderProcess& StartImpostor(const std::string& cert, const std::string& key,
                                 const std::string& ca_country, const std::string& address,
                                 const std::vector<std::string>& extra_args = {},
                                 const std::string& program = "identity_provider");
  // Gives `country`'s gateway copies of its certificate and key of its own, in
  // <dir>/<country>/tls/gateway.{crt,key}, so that a test may replace them (the PKI's files are
  // shared by every test of the process). Takes effect for gateways started afterwards.
  void UseOwnCertificateFiles(const std::string& country);
  // The certificate and key files `country`'s gateway reads (without .crt or .key).
  std::string GatewayCertificateBase(const std::string& country) const;
  // Writes the gateway's files and starts it; waits until it serves. Extra gateway.yaml text may
  // be appended (e.g. a defaults section).
  GatewayProcess& StartGateway(const std::string& country, const std::string& extra_yaml = "");
  // Starts `country`'s gateway again with the files it already has (after a crash or a stop).
  GatewayProcess& RestartGateway(const std::string& country);
  GatewayProcess& gateway(const std::string& country) { return *gateways_.at(country); }
  const std::string& dir() const { return dir_; }

 private:
  void Launch(GatewayProcess& gateway);
  std::string FederationYaml() const;
  std::string ServicesYaml(const std::string& country) const;

  std::string dir_;
  std::vector<std::string> countries_;
  std::map<std::string, int> agency_ports_;
  std::map<std::string, int> federation_ports_;
  std::map<std::string, std::string> federation_addresses_;
  std::map<std::string, int> federation_protocols_;
  std::vector<std::string> own_certificate_files_;
  struct ProviderEntry {
    std::string participant;
    std::string address;
    std::string identity;
  };
  std::vector<ProviderEntry> provider_entries_;
  // country -> path in the policy directory -> contents.
  std::map<std::string, std::map<std::string, std::string>> policy_files_;
  // country ("" for all) -> agreement id -> yaml.
  std::map<std::string, std::map<std::string, std::string>> agreements_;
  std::vector<std::unique_ptr<ProviderProcess>> providers_;
  std::map<std::string, std::unique_ptr<GatewayProcess>> gateways_;
};

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_TOPOLOGY_H_
