// Security checks against real gateway processes: which ports are open and what they speak, a
// port someone else listens on already, old TLS versions and weak ciphers, secret files readable
// by others, secrets and personal values in the logs, Pasarela headers set by someone who may not
// set them, oversize metadata and messages, and a peer gateway replaying a receipt.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pasarela/federation/v1/federation.pb.h"
#include "tests/support/admin_http.h"
#include "tests/support/free_port.h"
#include "tests/support/identity_calls.h"
#include "tests/support/impostor_peer.h"
#include "tests/support/test_certificates.h"
#include "tests/support/topology.h"

namespace pasarela::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRegistry[] = "CL/GOV/registro-civil";
constexpr char kMigraciones[] = "AR/agencies/migraciones";

// The host:port of every TCP socket process `pid` listens on, IPv4 (also IPv4-mapped IPv6) as
// dotted quads and other IPv6 addresses as 32 hex digits, read from /proc.
std::set<std::string> ListeningAddresses(pid_t pid) {
  std::set<std::string> inodes;
  std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
  if (DIR* dir = ::opendir(fd_dir.c_str())) {
    while (dirent* entry = ::readdir(dir)) {
      char target[256];
      ssize_t length =
          ::readlink(absl::StrCat(fd_dir, "/", entry->d_name).c_str(), target, sizeof(target));
      absl::string_view link(target, length > 0 ? static_cast<size_t>(length) : 0);
      if (absl::ConsumePrefix(&link, "socket:[") && absl::ConsumeSuffix(&link, "]")) {
        inodes.insert(std::string(link));
      }
    }
    ::closedir(dir);
  }
  std::set<std::string> addresses;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream lines(ReadFileOrEmpty(table));
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (fields.size() < 10 || fields[3] != "0A" || inodes.count(fields[9]) == 0) continue;
      std::vector<std::string> local = absl::StrSplit(fields[1], ':');
      uint32_t port = 0;
      if (local.size() != 2 || !absl::SimpleHexAtoi(local[1], &port)) continue;
      std::string host = absl::AsciiStrToLower(local[0]);
      // An IPv6 socket bound to an IPv4-mapped address (::ffff:a.b.c.d), as gRPC binds them.
      if (absl::StartsWith(host, "0000000000000000ffff0000")) host = host.substr(24);
      if (host.size() == 8) {
        uint32_t ip = 0;
        if (!absl::SimpleHexAtoi(host, &ip)) continue;
        // /proc writes the address in host (little-endian) order.
        host =
            absl::StrCat(ip & 0xff, ".", (ip >> 8) & 0xff, ".", (ip >> 16) & 0xff, ".", ip >> 24);
      }
      addresses.insert(absl::StrCat(host, ":", port));
    }
  }
  return addresses;
}

// A value of the gateway's ready file, e.g. "admin_address".
std::string ReadyValue(const GatewayProcess& gateway, const std::string& key) {
  std::string ready = ReadFileOrEmpty(gateway.dir + "/ready.json");
  std::string prefix = absl::StrCat("\"", key, "\":\"");
  size_t at = ready.find(prefix);
  if (at == std::string::npos) return "";
  at += prefix.size();
  return ready.substr(at, ready.find('"', at) - at);
}

struct Probe {
  int status = 0;
  std::string output;
  bool established() const { return absl::StrContains(output, "CONNECTION ESTABLISHED"); }
};

// `openssl s_client` with the given protocol flag and cipher list, presenting a valid agency
// certificate so that the only reason to refuse is the protocol or the cipher.
Probe TlsProbe(const std::string& address, const std::string& protocol, const std::string& cipher) {
  Probe probe;
  probe.status =
      RunCommand({"/bin/bash", "-c",
                  absl::StrCat("timeout 10 openssl s_client -brief -connect ", address, " ",
                               protocol, " -cipher '", cipher, "' -CAfile ", Pki("AR/ca.crt"),
                               " -cert ", Pki(absl::StrCat(kMigraciones, ".crt")), " -key ",
                               Pki(absl::StrCat(kMigraciones, ".key")), " </dev/null")},
                 &probe.output);
  return probe;
}

class SecurityTest : public ::testing::Test {
 protected:
  // AR and CL gateways with CL's registry behind CL's gateway.
  void StartPilotPair(const std::string& extra_yaml = "") {
    registry_ = &topology_.StartProvider(kRegistry);
    topology_.StartGateway("AR", extra_yaml);
    topology_.StartGateway("CL", extra_yaml);
  }
  GatewayProcess& ar() { return topology_.gateway("AR"); }
  GatewayProcess& cl() { return topology_.gateway("CL"); }
  void ExpectStillServes() {
    CallResult ok = GetPerson(AgencyChannel(ar(), kMigraciones));
    EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
  }

  Topology topology_{{"AR", "CL"}};
  ProviderProcess* registry_ = nullptr;
};

TEST_F(SecurityTest, OnlyTheMutualTlsListenersAndALoopbackAdminPortAreOpen) {
  StartPilotPair();
  std::string admin = ReadyValue(ar(), "admin_address");
  // The admin listener binds loopback unless listeners.admin says otherwise.
  EXPECT_THAT(admin, ::testing::StartsWith("127.0.0.1:"));
  EXPECT_THAT(
      ListeningAddresses(ar().process->pid()),
      ::testing::UnorderedElementsAre(ar().agency_address(), ar().federation_address(), admin));
  // Neither gRPC listener speaks plaintext HTTP/2, nor does the admin port speak gRPC.
  for (const std::string& address : {ar().agency_address(), ar().federation_address(), admin}) {
    SCOPED_TRACE(address);
    CallResult plaintext =
        GetPerson(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
                  GetPersonCall{kRegistry, "12531909-2", absl::Seconds(3), {}});
    EXPECT_FALSE(plaintext.status.ok());
    if (address != admin) {
      EXPECT_EQ(plaintext.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    }
    EXPECT_TRUE(plaintext.exchange_id.empty());
  }
  EXPECT_TRUE(registry_->Calls().empty());
  ExpectStillServes();
}

// A socket listening on 127.0.0.1:`port`, with SO_REUSEPORT or without; -1 if it cannot.
int ListenOn(int port, bool reuse_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  if (reuse_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// With SO_REUSEPORT, which gRPC sets unless told not to, a second gateway or any program that also
// sets it would share the port and be handed part of the agencies' or the peers' connections.
TEST(ListenerPortTest, AGatewayDoesNotStartOnAPortThatIsTaken) {
  Topology topology({"AR", "CL"});
  const GatewayProcess& running = topology.StartGateway("CL");
  const std::string yaml = ReadFileOrEmpty(running.dir + "/gateway.yaml");
  // A second CL gateway on the running one's policy, with an audit trail of its own; returns its
  // log once it has given up.
  auto serve = [&](const std::string& name, const std::string& agency,
                   const std::string& federation) {
    const std::string dir = MakeTempDir(name);
    WriteFile(
        dir + "/gateway.yaml",
        absl::StrReplaceAll(
            yaml, {{"policy_dir: policy", "policy_dir: " + running.dir + "/policy"},
                   {"agency: " + running.agency_address(), "agency: " + agency},
                   {"federation: " + running.federation_address(), "federation: " + federation}}));
    ChildProcess gateway({BinDir() + "/pasarela", "serve", "--config", dir + "/gateway.yaml"},
                         dir + "/gateway.log");
    EXPECT_TRUE(gateway.WaitForLog("cannot start", absl::Seconds(15))) << name << gateway.Log();
    EXPECT_EQ(gateway.Stop(SIGTERM, absl::Seconds(10)), 1) << name;
    EXPECT_THAT(gateway.Log(), Not(HasSubstr("serving: agency listener"))) << name;
    // A gateway that never served neither drains nor says it stopped: its last word is why.
    EXPECT_THAT(gateway.Log(), Not(HasSubstr("shutting down"))) << name;
    EXPECT_THAT(gateway.Log(), Not(HasSubstr("gateway stopped"))) << name;
    return gateway.Log();
  };
  const std::string free_federation = absl::StrCat("127.0.0.1:", PickFreePort());

  EXPECT_THAT(serve("second-gateway", running.agency_address(), free_federation),
              HasSubstr(absl::StrCat("cannot start: cannot listen on ", running.agency_address(),
                                     " (address in use or not local?)")));

  for (bool reuse_port : {true, false}) {
    const int port = PickFreePort();
    const int holder = ListenOn(port, reuse_port);
    ASSERT_GE(holder, 0) << port;
    const std::string agency = absl::StrCat("127.0.0.1:", port);
    EXPECT_THAT(serve(reuse_port ? "reuseport-holder" : "plain-holder", agency, free_federation),
                HasSubstr(absl::StrCat("cannot listen on ", agency, " (address in use")));
    ::close(holder);
  }

  // One port named for both listeners is an error of gateway.yaml, with its place.
  const std::string both = absl::StrCat("127.0.0.1:", PickFreePort());
  EXPECT_THAT(serve("one-port-twice", both, both),
              HasSubstr(absl::StrCat("gateway.yaml:6:15: error: listeners.federation: '", both,
                                     "' takes the port of listeners.agency")));
}

TEST_F(SecurityTest, OldTlsVersionsAndWeakCiphersAreRefused) {
  StartPilotPair();
  struct Case {
    std::string name;
    std::string protocol;
    std::string cipher;
    std::string expect;  // what the control run reports
  };
  const std::vector<Case> cases = {
      {"TLS 1.0", "-tls1", "DEFAULT@SECLEVEL=0", "Protocol version: TLSv1\n"},
      {"TLS 1.1", "-tls1_1", "DEFAULT@SECLEVEL=0", "Protocol version: TLSv1.1"},
      // TLS 1.2 with everything but the AEAD ciphers: CBC with SHA-1 MACs, no forward secrecy.
      {"TLS 1.2 without AEAD ciphers", "-tls1_2", "DEFAULT:!AESGCM:!CHACHA20:!AESCCM@SECLEVEL=0",
       "Protocol version: TLSv1.2"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // Control: the same probe against an OpenSSL server that allows it succeeds, so a refusal
    // below is the gateway's and not the probe's.
    int port = PickFreePort();
    ChildProcess control(
        {"/bin/bash", "-c",
         absl::StrCat("exec openssl s_server -accept 127.0.0.1:", port, " ", c.protocol,
                      " -cipher '", c.cipher, "' -cert ", Pki("AR/gateway.crt"), " -key ",
                      Pki("AR/gateway.key"), " -naccept 1 -www </dev/null")},
        absl::StrCat(topology_.dir(), "/s_server-", port, ".log"));
    ASSERT_TRUE(control.WaitForLog("ACCEPT", absl::Seconds(10))) << control.Log();
    Probe allowed = TlsProbe(absl::StrCat("127.0.0.1:", port), c.protocol, c.cipher);
    EXPECT_TRUE(allowed.established()) << allowed.output;
    EXPECT_THAT(allowed.output, HasSubstr(c.expect));

    for (const std::string& address : {ar().agency_address(), ar().federation_address()}) {
      Probe refused = TlsProbe(address, c.protocol, c.cipher);
      EXPECT_NE(refused.status, 0) << address << "\n" << refused.output;
      EXPECT_FALSE(refused.established()) << address << "\n" << refused.output;
    }
  }
  // And the probe itself reaches the gateway with TLS 1.2 and its default ciphers.
  Probe modern = TlsProbe(ar().agency_address(), "-tls1_2", "DEFAULT");
  EXPECT_TRUE(modern.established()) << modern.output;
  ExpectStillServes();
}

TEST_F(SecurityTest, SecretFilesReadableByOthersStopTheGatewayAtStart) {
  StartPilotPair();
  ASSERT_EQ(ar().process->Stop(SIGTERM, absl::Seconds(10)), 0);
  const std::string config = ReadFileOrEmpty(ar().dir + "/gateway.yaml");
  // The TLS key is also the key that signs the audit checkpoints and receipts.
  for (const char* secret : {"AR/gateway.key", "AR/pseudonym.key"}) {
    for (mode_t mode : {0644, 0640, 0604, 0600}) {
      SCOPED_TRACE(absl::StrCat(secret, " mode ", absl::StrFormat("%04o", mode)));
      std::string copy = absl::StrCat(topology_.dir(), "/copy-", mode, "-",
                                      absl::StrReplaceAll(secret, {{"/", "-"}}));
      WriteFile(copy, ReadFileOrEmpty(Pki(secret)));
      ASSERT_EQ(::chmod(copy.c_str(), mode), 0);
      WriteFile(ar().dir + "/gateway.yaml", absl::StrReplaceAll(config, {{Pki(secret), copy}}));
      if (mode == 0600) {
        // Control: the same file, readable by its owner only, is taken.
        topology_.RestartGateway("AR");
        ExpectStillServes();
        ASSERT_EQ(ar().process->Stop(SIGTERM, absl::Seconds(10)), 0);
        continue;
      }
      ChildProcess gateway(
          {BinDir() + "/pasarela", "serve", "--config", ar().dir + "/gateway.yaml"},
          absl::StrCat(copy, ".log"));
      ASSERT_TRUE(gateway.WaitForLog("cannot start", absl::Seconds(10))) << gateway.Log();
      EXPECT_EQ(gateway.Stop(SIGTERM, absl::Seconds(10)), 1);
      EXPECT_THAT(gateway.Log(), HasSubstr(copy));
      EXPECT_THAT(gateway.Log(), HasSubstr(absl::StrFormat("(mode %04o)", mode)));
      EXPECT_THAT(gateway.Log(), Not(HasSubstr("gateway stopped")));
    }
  }
  WriteFile(ar().dir + "/gateway.yaml", config);
}

TEST_F(SecurityTest, NoSecretOrPersonalValueReachesTheLogs) {
  // gRPC's own debug output is routed into the gateway's log too; the access log goes to stdout,
  // which lands in the same file.
  ::setenv("GRPC_VERBOSITY", "DEBUG", 1);
  StartPilotPair();
  ::unsetenv("GRPC_VERBOSITY");
  auto channel = AgencyChannel(ar(), kMigraciones);
  CallResult ok = GetPerson(channel);
  ASSERT_TRUE(ok.status.ok()) << ok.status.error_message();
  ASSERT_EQ(ok.response.person().given_names(0), "Valentina");
  GetPersonCall unknown_person;
  unknown_person.run = "11111111-1";
  EXPECT_EQ(GetPerson(channel, unknown_person).status.error_code(), grpc::StatusCode::NOT_FOUND);
  GetPersonCall wrong_purpose;
  wrong_purpose.metadata = {{"x-pasarela-purpose", "tax-audit"}};
  EXPECT_EQ(GetPerson(channel, wrong_purpose).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetPerson(AgencyChannel(ar(), "AR/test/revoked")).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(ar().process->WaitForLog("certificate revoked", absl::Seconds(5)));
  ASSERT_EQ(ar().process->Stop(SIGTERM, absl::Seconds(10)), 0);
  ASSERT_EQ(cl().process->Stop(SIGTERM, absl::Seconds(10)), 0);

  std::vector<std::string> forbidden;
  // Every line of each private key's PEM body, the pseudonym keys as written in their files.
  for (const char* key : {"AR/gateway.key", "CL/gateway.key", "AR/agencies/migraciones.key",
                          "CL/agencies/registro-civil.key"}) {
    for (absl::string_view line : absl::StrSplit(ReadFileOrEmpty(Pki(key)), '\n')) {
      if (!line.empty() && !absl::StartsWith(line, "-----")) forbidden.emplace_back(line);
    }
  }
  for (const char* key : {"AR/pseudonym.key", "CL/pseudonym.key"}) {
    forbidden.push_back(std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty(Pki(key)))));
  }
  ASSERT_GE(forbidden.size(), 10u);
  // The person's values, in the answer and in the requests.
  for (const char* value : {"Valentina", "Isidora", "González", "Muñoz", "1985-03-12", "Valparaíso",
                            "Libertador", "12531909", "11111111"}) {
    forbidden.push_back(value);
  }
  for (GatewayProcess* gateway : {&ar(), &cl()}) {
    std::string log = gateway->process->Log();
    ASSERT_THAT(log, HasSubstr(" exchange "));
    for (const std::string& value : forbidden) {
      EXPECT_THAT(log, Not(HasSubstr(value))) << gateway->country << " log";
    }
  }
}

TEST_F(SecurityTest, GatewayHeadersSetByAnAgencyOrAPeerNeverReachTheProvider) {
  StartPilotPair();
  const std::map<std::string, std::string> spoofed = {
      {"x-pasarela-consumer", "AR/GOV/afip"},
      {"x-pasarela-exchange-id", "00000000-0000-4000-8000-000000000000"},
      {"x-pasarela-agreement-digest", "sha256:0000"},
      {"x-pasarela-answered-by", "CL"},
      {"x-pasarela-deny-rule", "allowed"},
      {"x-pasarela-withheld", "nothing"},
      {"x-pasarela-receipt-bin", "forged"},
      {"x-pasarela-anything-else", "x"}};
  const std::string expected_headers =
      "\"headers\":[\"x-pasarela-agreement\",\"x-pasarela-consumer\",\"x-pasarela-exchange-id\","
      "\"x-pasarela-purpose\"]";
  GetPersonCall call;
  call.metadata = spoofed;
  // Protocol 2's header too, naming another consumer: an agency's is ignored like the others.
  call.metadata["x-pasarela-call-bin"] = FederationCallFacts(
      cl(), "AR/GOV/afip", "00000000-0000-4000-8000-000000000000")["x-pasarela-call-bin"];
  CallResult agency = GetPerson(AgencyChannel(ar(), kMigraciones), call);
  ASSERT_TRUE(agency.status.ok()) << agency.status.error_message();
  std::string seen = registry_->Calls().back();
  EXPECT_THAT(seen, HasSubstr(expected_headers));
  EXPECT_THAT(seen, HasSubstr("\"consumer\":\"AR/GOV/migraciones\""));
  EXPECT_THAT(seen, HasSubstr(agency.exchange_id));

  // AR's genuine gateway certificate at CL's federation listener, adding the same extras: only
  // what a gateway may set is passed on.
  // what a gateway may set is passed on. In federation protocol 1's form first...
  call.metadata.erase("x-pasarela-call-bin");
  for (const auto& [key, value] :
       FederationHeaders(cl(), "AR/GOV/migraciones", "6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10")) {
    call.metadata[key] = value;
  }
  auto federation =
      MtlsChannel(cl().federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  CallResult peer = GetPerson(federation, call);
  ASSERT_TRUE(peer.status.ok()) << peer.status.error_message();
  seen = registry_->Calls().back();
  EXPECT_THAT(seen, HasSubstr(expected_headers));
  EXPECT_THAT(seen, HasSubstr("6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10"));
  // CL signed a receipt; it still signs with the certificate it started with, which the
  // connection presented, so it does not name it again. It answers in the form it was called in.
  EXPECT_FALSE(peer.answer_facts);
  EXPECT_EQ(peer.answered_by, "CL");
  EXPECT_EQ(peer.exchange_id, "6f1c1a52-3c59-4d1e-9f0a-2b8e4c7d9a10");
  EXPECT_FALSE(peer.receipt.empty());
  EXPECT_EQ(peer.receipt_signer, "");

  // ...then in protocol 2's: the call's facts in one header, the answer's in one trailer.
  GetPersonCall compact;
  compact.metadata =
      FederationCallFacts(cl(), "AR/GOV/migraciones", "0b7c3f9e-5d2a-4e61-8c4f-7a9d1e2b3c4d");
  for (const auto& [key, value] : spoofed) {
    if (key != "x-pasarela-consumer" && key != "x-pasarela-exchange-id" &&
        key != "x-pasarela-agreement-digest") {
      compact.metadata[key] = value;
    }
  }
  CallResult peer2 = GetPerson(federation, compact);
  ASSERT_TRUE(peer2.status.ok()) << peer2.status.error_message();
  seen = registry_->Calls().back();
  EXPECT_THAT(seen, HasSubstr(expected_headers));
  EXPECT_THAT(seen, HasSubstr("0b7c3f9e-5d2a-4e61-8c4f-7a9d1e2b3c4d"));
  EXPECT_THAT(seen, HasSubstr("\"consumer\":\"AR/GOV/migraciones\""));
  EXPECT_TRUE(peer2.answer_facts);
  EXPECT_EQ(peer2.answered_by, "CL");
  EXPECT_EQ(peer2.exchange_id, "");  // the consumer gateway drew it: not repeated
  EXPECT_FALSE(peer2.receipt.empty());
  EXPECT_EQ(peer2.receipt_signer, "");

  // The consumer inside the header is held to protocol 1's rule: a gateway speaks only for the
  // agencies of its own country.
  GetPersonCall foreign;
  foreign.metadata =
      FederationCallFacts(cl(), "BR/GOV/saude", "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
  CallResult refused = GetPerson(federation, foreign);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.status.error_message(),
              HasSubstr("gateway AR may not assert consumer BR/GOV/saude"));
  EXPECT_TRUE(refused.answer_facts);

  // Both forms at once are refused, whichever fact the protocol-1 header repeats.
  compact.metadata["x-pasarela-consumer"] = "AR/GOV/afip";
  CallResult both = GetPerson(federation, compact);
  EXPECT_EQ(both.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(both.status.error_message(), HasSubstr("a gateway sends one form"));
}

TEST_F(SecurityTest, OversizeMetadataAndMessagesAreRefusedAndTheGatewayKeepsServing) {
  StartPilotPair();
  auto channel = AgencyChannel(ar(), kMigraciones);
  // One header of 64 KiB, and many small ones adding up to more than the 16 KiB limit.
  GetPersonCall big_header;
  big_header.metadata = {{"x-padding", std::string(64 * 1024, 'a')}};
  GetPersonCall many_headers;
  for (int i = 0; i < 400; ++i) many_headers.metadata[absl::StrCat("x-padding-", i)] = "0123456789";
  for (const GetPersonCall* call : {&big_header, &many_headers}) {
    CallResult refused = GetPerson(channel, *call);
    EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused.status.error_message();
    EXPECT_TRUE(refused.exchange_id.empty());
    // Another connection is served at once; gRPC may close the offending one, and the same
    // channel connects again.
    ExpectStillServes();
    absl::Time deadline = absl::Now() + absl::Seconds(3);
    CallResult again;
    do {
      again = GetPerson(channel);
    } while (!again.status.ok() && absl::Now() < deadline);
    EXPECT_TRUE(again.status.ok()) << again.status.error_message();
  }
  // A request beyond the 4 MiB message limit.
  GetPersonCall huge_request;
  huge_request.run = std::string(5 * 1024 * 1024, '1');
  CallResult refused = GetPerson(channel, huge_request);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.status.error_message();
  EXPECT_EQ(registry_->Calls().size(), 4u);
  ExpectStillServes();
}

// Stands where AR believes CL's gateway is, holding CL's genuine gateway certificate and key (a
// peer gateway gone bad), and relays each call to the real CL gateway; from the second call on it
// hands back the receipt of the first call instead of the one CL signed for this exchange.
class ReceiptReplayingPeer final : public grpc::CallbackGenericService {
 public:
  explicit ReceiptReplayingPeer(const std::string& real_peer)
      : stub_(MtlsChannel(real_peer, "AR/gateway.crt", "AR/gateway.key", "CL")),
        server_(StartImpostorServer(this, "CL/gateway", "AR")) {}
  ~ReceiptReplayingPeer() override { server_.server->Shutdown(); }
  const std::string& address() const { return server_.address; }
  int replayed() { return receipts_.replayed(); }

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return std::make_unique<Relay>(this, context).release();
  }

 private:
  static constexpr char kReceiptKey[] = "x-pasarela-receipt-bin";
  static constexpr char kAnswerFactsKey[] = "x-pasarela-answer-bin";

  std::string Substitute(const std::string& genuine) { return receipts_.Substitute(genuine); }

  class Relay : public grpc::ServerGenericBidiReactor {
   public:
    Relay(ReceiptReplayingPeer* peer, grpc::GenericCallbackServerContext* context)
        : peer_(peer), context_(context) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        return;
      }
      upstream_ = grpc::ClientContext::FromCallbackServerContext(*context_);
      for (const auto& [key, value] : context_->client_metadata()) {
        if (key.starts_with("x-pasarela-")) {
          upstream_->AddMetadata(std::string(key.data(), key.size()),
                                 std::string(value.data(), value.size()));
        }
      }
      peer_->stub_.UnaryCall(upstream_.get(), context_->method(), grpc::StubOptions(), &request_,
                             &response_, [this](grpc::Status status) { Relayed(status); });
    }
    void OnDone() override { std::unique_ptr<Relay> self(this); }

   private:
    void Relayed(const grpc::Status& status) {
      for (const auto& [key, value] : upstream_->GetServerInitialMetadata()) {
        context_->AddInitialMetadata(std::string(key.data(), key.size()),
                                     std::string(value.data(), value.size()));
      }
      for (const auto& [key, value] : upstream_->GetServerTrailingMetadata()) {
        std::string name(key.data(), key.size());
        std::string bytes(value.data(), value.size());
        if (name == kReceiptKey) {
          bytes = peer_->Substitute(bytes);
        } else if (name == kAnswerFactsKey) {
          // Federation protocol 2: the receipt travels inside the answer's one trailer.
          federation::v1::AnswerFacts facts;
          if (facts.ParseFromString(bytes)) {
            facts.set_receipt(peer_->Substitute(facts.receipt()));
            bytes = facts.SerializeAsString();
          }
        }
        context_->AddTrailingMetadata(name, bytes);
      }
      if (status.ok()) {
        StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
      } else {
        Finish(status);
      }
    }

    ReceiptReplayingPeer* peer_;
    grpc::GenericCallbackServerContext* context_;
    std::unique_ptr<grpc::ClientContext> upstream_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  grpc::GenericStub stub_;
  ReceiptReplayer receipts_;
  ImpostorServer server_;
};

TEST_F(SecurityTest, ReceiptReplayedByThePeerGatewayIsRefusedByTheConsumerGateway) {
  registry_ = &topology_.StartProvider(kRegistry);
  GatewayProcess& cl = topology_.StartGateway("CL");
  ReceiptReplayingPeer peer(cl.federation_address());
  // The replaying peer relays calls and their trailers: protocols 1 and 2.
  topology_.SetFederationProtocol("CL", 2);
  topology_.SetFederationAddress("CL", peer.address());
  GatewayProcess& ar = topology_.StartGateway("AR");
  auto channel = AgencyChannel(ar, kMigraciones);

  // The first answer carries its own receipt: accepted.
  CallResult first = GetPerson(channel);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  for (int i = 0; i < 2; ++i) ExpectRefusedForTheReceiptOf(first, GetPerson(channel));
  EXPECT_EQ(peer.replayed(), 2);
  EXPECT_EQ(registry_->Calls().size(), 3u);
  EXPECT_TRUE(ar.process->WaitForLog("[rule receipt-invalid]", absl::Seconds(5)));
}

TEST_F(SecurityTest, ACertificateWhoseExtendedKeyUsageLacksClientAuthIsRefusedAsAClient) {
  StartPilotPair();
  // An agency's and a gateway's certificates issued for servers only, by their genuine CAs.
  std::string agency = IssueTestCertificate(
      {"migraciones-server-only", "AR", {"urn:pasarela:AR:GOV:migraciones"}, "serverAuth"});
  CallResult refused = GetPerson(AgencyChannel(ar(), agency));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ar().process->WaitForLog(
      "refused handshake on agency listener: certificate of agency AR/GOV/migraciones may not "
      "authenticate a client: its extended key usage (serverAuth) has neither "
      "clientAuth nor anyExtendedKeyUsage",
      absl::Seconds(5)));
  EXPECT_EQ(registry_->Calls().size(), 0u);

  std::string gateway = IssueTestCertificate(
      {"gateway-ar-server-only", "AR", {"urn:pasarela:gateway:AR"}, "serverAuth"});
  auto peer = MtlsChannel(cl().federation_address(), gateway + ".crt", gateway + ".key", "CL");
  GetPersonCall call;
  call.metadata =
      FederationHeaders(cl(), "AR/GOV/migraciones", "0b7d5a52-52d3-4c56-8a0e-6f5f0f3e2a11");
  EXPECT_EQ(GetPerson(peer, call).status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(cl().process->WaitForLog(
      "refused handshake on federation listener: certificate of gateway AR may not authenticate a "
      "client",
      absl::Seconds(5)));
  EXPECT_EQ(registry_->Calls().size(), 0u);

  // RFC 5280: a certificate without the extension, or one listing anyExtendedKeyUsage, may act
  // as a client.
  for (const auto& [name, usage] : std::vector<std::pair<std::string, std::string>>{
           {"migraciones-no-eku", ""}, {"migraciones-any-eku", "anyExtendedKeyUsage"}}) {
    std::string accepted =
        IssueTestCertificate({name, "AR", {"urn:pasarela:AR:GOV:migraciones"}, usage});
    CallResult ok = GetPerson(AgencyChannel(ar(), accepted));
    EXPECT_TRUE(ok.status.ok()) << name << ": " << ok.status.error_message();
  }
  ExpectStillServes();
}

// The call ended UNAVAILABLE, its message naming the upstream the gateway refused to call, as
// "refused <upstream>: <reason>".
void ExpectRefusedUpstream(const CallResult& result, const std::string& upstream,
                           const std::string& reason) {
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(), HasSubstr(absl::StrCat(upstream, " unreachable: ")));
  EXPECT_THAT(result.status.error_message(),
              HasSubstr(absl::StrCat("refused ", upstream, ": ", reason)));
}

TEST_F(SecurityTest, AServerCertificateWhoseExtendedKeyUsageLacksServerAuthIsRefused) {
  // CL's registry presents a genuine CL certificate issued for clients only.
  std::string registry = IssueTestCertificate(
      {"registro-civil-client-only", "CL", {"urn:pasarela:CL:GOV:registro-civil"}, "clientAuth"});
  ProviderProcess& provider = topology_.StartImpostor(registry + ".crt", registry + ".key", "CL",
                                                      absl::StrCat("127.0.0.1:", PickFreePort()));
  topology_.AddProviderEntry(kRegistry, provider.address);
  // A process presenting a CL gateway certificate issued for clients only, where AR believes
  // CL's gateway is.
  std::string gateway = IssueTestCertificate(
      {"gateway-cl-client-only", "CL", {"urn:pasarela:gateway:CL"}, "clientAuth"});
  ProviderProcess& peer = topology_.StartImpostor(gateway + ".crt", gateway + ".key", "AR",
                                                  absl::StrCat("127.0.0.1:", PickFreePort()));
  topology_.StartGateway("CL");
  topology_.SetFederationAddress("CL", peer.address);
  topology_.StartGateway("AR");

  ExpectRefusedUpstream(GetPerson(AgencyChannel(ar(), kMigraciones)),
                        absl::StrCat("peer gateway CL at ", peer.address),
                        "its certificate may not authenticate a server: its extended key usage "
                        "(clientAuth) has neither serverAuth nor anyExtendedKeyUsage");
  EXPECT_EQ(peer.Calls().size(), 0u);

  // CL's gateway, called directly by AR's (a genuine peer), refuses to call its provider.
  auto ar_gateway =
      MtlsChannel(cl().federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  GetPersonCall call;
  call.metadata =
      FederationHeaders(cl(), "AR/GOV/migraciones", "4f2e8c1d-7a3b-4b9e-9c6d-1e2f3a4b5c6d");
  ExpectRefusedUpstream(GetPerson(ar_gateway, call),
                        absl::StrCat("provider CL/GOV/registro-civil at ", provider.address),
                        "its certificate may not authenticate a server");
  EXPECT_TRUE(cl().process->WaitForLog(
      absl::StrCat("refused provider CL/GOV/registro-civil at ", provider.address,
                   ": its certificate may not authenticate a server"),
      absl::Seconds(5)));
  EXPECT_EQ(provider.Calls().size(), 0u);
}

TEST_F(SecurityTest, APeerGatewayCertificateFromAnUnknownCaIsRefusedNamingTheReason) {
  // The rogue CA's look-alike of CL's gateway certificate, right URI and all, where AR believes
  // CL's gateway is: the chain, which the gateway's verifier checks itself, stops it.
  ProviderProcess& rogue =
      topology_.StartImpostor("rogue/CL-gateway.crt", "rogue/CL-gateway.key", "AR",
                              absl::StrCat("127.0.0.1:", PickFreePort()));
  topology_.SetFederationAddress("CL", rogue.address);
  topology_.StartGateway("AR");
  ExpectRefusedUpstream(GetPerson(AgencyChannel(ar(), kMigraciones)),
                        absl::StrCat("peer gateway CL at ", rogue.address),
                        "its certificate (issued by C = ZZ, O = Rogue, CN = Rogue CA) does not "
                        "verify against the CA in");
  EXPECT_TRUE(ar().process->WaitForLog(
      absl::StrCat("refused peer gateway CL at ", rogue.address, ": its certificate ("),
      absl::Seconds(5)));
  EXPECT_EQ(rogue.Calls().size(), 0u);
}

TEST_F(SecurityTest, APeerGatewayRevokedByItsCountrysCaIsRefusedOnOpenAndNewConnections) {
  // CL's gateway presents a certificate of its own, so that revoking it leaves the PKI's other
  // certificates alone. AR calls CL over one connection, so the call after the revocation takes
  // the connection opened before it.
  topology_.UseOwnCertificateFiles("CL");
  StartPilotPair("defaults:\n  crl_refresh_interval: 100ms\nupstreams:\n  channels: 1\n");
  const std::string issued = IssueTestCertificate(
      {"gateway-cl-revoked", "CL", {"urn:pasarela:gateway:CL"}, "clientAuth, serverAuth"});
  const std::string own = topology_.GatewayCertificateBase("CL");
  WriteFile(own + ".crt", ReadFileOrEmpty(Pki(issued + ".crt")));
  WriteFile(own + ".key", ReadFileOrEmpty(Pki(issued + ".key")));
  ::chmod((own + ".key").c_str(), 0600);
  topology_.RestartGateway("CL");
  auto agency = AgencyChannel(ar(), kMigraciones);
  CallResult before = GetPerson(agency);
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();

  const std::string serial = RevokeTestCertificate(issued);
  ASSERT_TRUE(ar().process->WaitForLog("loaded CRL of CL", absl::Seconds(5)));
  const std::string reason = absl::StrCat("certificate revoked (serial ", serial,
                                          " is on the CRL of CL, ", Pki("CL/ca.crl"), ")");
  const std::string peer = absl::StrCat("peer gateway CL at ", cl().federation_address());

  // The connection opened before the revocation takes no further request: the call goes through
  // a new handshake, which refuses CL, and CL never sees it.
  const size_t calls_before = registry_->Calls().size();
  CallResult after = GetPerson(agency);
  ExpectRefusedUpstream(after, peer, reason);
  EXPECT_FALSE(after.response.has_person());
  EXPECT_EQ(registry_->Calls().size(), calls_before);
  EXPECT_TRUE(ar().process->WaitForLog(
      absl::StrCat("exchange ", after.exchange_id, ": ", peer,
                   " presented on its open connection a certificate refused since: ", reason,
                   "; the call takes a new connection"),
      absl::Seconds(5)));
  EXPECT_EQ(MetricValue(ar(), "pasarela_connections_replaced_total{upstream=\"peer_gateway\"}"), 1);
  // AR's record of the exchange says so; CL has none.
  std::string shown;
  EXPECT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "show", ar().dir + "/audit", "--exchange",
                        after.exchange_id},
                       &shown),
            0)
      << shown;
  EXPECT_THAT(shown, HasSubstr("\"grpc_status_code\":14"));
  EXPECT_THAT(shown, HasSubstr(absl::StrCat("refused ", peer, ": ", reason)));
  EXPECT_THAT(shown, Not(HasSubstr("\"receipt\"")));
  EXPECT_THAT(shown, Not(HasSubstr("\"response_digest\"")));
  std::string at_cl;
  EXPECT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "show", cl().dir + "/audit", "--exchange",
                        after.exchange_id},
                       &at_cl),
            1)
      << at_cl;
  EXPECT_THAT(at_cl, HasSubstr(absl::StrCat("no record of exchange ", after.exchange_id)));

  // New connections: the handshake refuses it, and CL never sees the call.
  topology_.RestartGateway("AR");
  const size_t calls = registry_->Calls().size();
  ExpectRefusedUpstream(GetPerson(AgencyChannel(ar(), kMigraciones)), peer, reason);
  EXPECT_TRUE(
      ar().process->WaitForLog(absl::StrCat("refused ", peer, ": ", reason), absl::Seconds(5)));
  EXPECT_EQ(registry_->Calls().size(), calls);
}

// Starts CL's gateway with its registry at `address`, the registry's certificate checked against
// CL's CRL (services.yaml's crl_file, re-read every 100 ms), over one connection.
void StartClWithCrlCheckedRegistry(Topology& topology, const std::string& address) {
  topology.SetPolicyFile(
      "CL", "services.yaml",
      absl::StrCat("apiVersion: pasarela/v1\nkind: Services\nproviders:\n"
                   "  - participant: CL/GOV/registro-civil\n    address: ",
                   address, "\n    ca_file: ", Pki("CL/ca.crt"),
                   "\n    crl_file: ", Pki("CL/ca.crl"),
                   "\n    methods:\n      - pasarela.identity.v1.IdentityService/GetPerson\n"));
  topology.StartGateway("CL",
                        "defaults:\n  crl_refresh_interval: 100ms\nupstreams:\n  channels: 1\n");
}

TEST_F(SecurityTest, AProviderRevokedOnTheCrlServicesYamlNamesIsRefusedOnOpenAndNewConnections) {
  const std::string issued = IssueTestCertificate({"registro-civil-revoked",
                                                   "CL",
                                                   {"urn:pasarela:CL:GOV:registro-civil"},
                                                   "clientAuth, serverAuth"});
  ProviderProcess& provider = topology_.StartImpostor(issued + ".crt", issued + ".key", "CL",
                                                      absl::StrCat("127.0.0.1:", PickFreePort()));
  StartClWithCrlCheckedRegistry(topology_, provider.address);
  // AR's gateway, calling CL's federation listener directly.
  auto ar_gateway =
      MtlsChannel(cl().federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  auto call = [&](const std::string& exchange_id) {
    GetPersonCall facts;
    facts.metadata = FederationHeaders(cl(), "AR/GOV/migraciones", exchange_id);
    return GetPerson(ar_gateway, facts);
  };
  CallResult before = call("3c1d8e2a-5b4f-4a6e-9d7c-0f1e2d3c4b5a");
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();

  const std::string serial = RevokeTestCertificate(issued);
  ASSERT_TRUE(
      cl().process->WaitForLog("loaded CRL of provider CL/GOV/registro-civil", absl::Seconds(5)));
  const std::string reason =
      absl::StrCat("certificate revoked (serial ", serial,
                   " is on the CRL of provider CL/GOV/registro-civil, ", Pki("CL/ca.crl"), ")");
  const std::string upstream = absl::StrCat("provider CL/GOV/registro-civil at ", provider.address);

  // The connection opened before the revocation takes no further request.
  const size_t calls_before = provider.Calls().size();
  CallResult after = call("7a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d");
  ExpectRefusedUpstream(after, upstream, reason);
  EXPECT_FALSE(after.response.has_person());
  EXPECT_EQ(provider.Calls().size(), calls_before);
  EXPECT_EQ(MetricValue(cl(), "pasarela_connections_replaced_total{upstream=\"provider\"}"), 1);

  topology_.RestartGateway("CL");
  const size_t calls = provider.Calls().size();
  ExpectRefusedUpstream(call("0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a"), upstream, reason);
  EXPECT_EQ(provider.Calls().size(), calls);
}

// A revocation loaded while a call is under way: the provider had the request before its
// certificate was revoked, but its answer comes back over a connection whose certificate is now
// refused, so the gateway discards the answer, records the exchange as refused, and replaces the
// connection, so that no later call takes it.
TEST_F(SecurityTest, AnAnswerThatArrivesAfterItsProvidersRevocationIsDiscarded) {
  const std::string issued = IssueTestCertificate({"registro-civil-revoked-in-flight",
                                                   "CL",
                                                   {"urn:pasarela:CL:GOV:registro-civil"},
                                                   "clientAuth, serverAuth"});
  ProviderProcess& provider = topology_.StartImpostor(
      issued + ".crt", issued + ".key", "CL", absl::StrCat("127.0.0.1:", PickFreePort()),
      {"--mode", "slow", "--delay-ms", "3000"}, "misbehaving_provider");
  StartClWithCrlCheckedRegistry(topology_, provider.address);
  auto ar_gateway =
      MtlsChannel(cl().federation_address(), "AR/gateway.crt", "AR/gateway.key", "CL");
  const std::string exchange_id = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e";
  std::thread caller_thread;
  CallResult result;
  caller_thread = std::thread([&] {
    GetPersonCall facts;
    facts.metadata = FederationHeaders(cl(), "AR/GOV/migraciones", exchange_id);
    result = GetPerson(ar_gateway, facts);
  });
  // The provider has the request; then its certificate is revoked, and CL loads the CRL before
  // the answer comes back.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (provider.Calls().empty() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(provider.Calls().size(), 1u);
  const std::string serial = RevokeTestCertificate(issued);
  const bool loaded =
      cl().process->WaitForLog("loaded CRL of provider CL/GOV/registro-civil", absl::Seconds(2));
  caller_thread.join();
  ASSERT_TRUE(loaded) << "the CRL was not loaded before the provider answered";
  const std::string reason =
      absl::StrCat("certificate revoked (serial ", serial,
                   " is on the CRL of provider CL/GOV/registro-civil, ", Pki("CL/ca.crl"), ")");
  const std::string upstream = absl::StrCat("provider CL/GOV/registro-civil at ", provider.address);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr(absl::StrCat("refused ", upstream, " on a connection opened before: ",
                                     reason, "; its answer is discarded")));
  EXPECT_FALSE(result.response.has_person());
  EXPECT_EQ(MetricValue(cl(), "pasarela_connections_replaced_total{upstream=\"provider\"}"), 1);
  // CL's record says the exchange was refused, and holds no answer.
  std::string shown;
  EXPECT_EQ(RunCommand({BinDir() + "/pasarela", "audit", "show", cl().dir + "/audit", "--exchange",
                        exchange_id},
                       &shown),
            0)
      << shown;
  EXPECT_THAT(shown, HasSubstr("\"grpc_status_code\":14"));
  EXPECT_THAT(shown, HasSubstr("its answer is discarded"));
  EXPECT_THAT(shown, Not(HasSubstr("\"response_digest\"")));
  // The next call takes a new connection, whose handshake refuses the provider.
  GetPersonCall next;
  next.metadata =
      FederationHeaders(cl(), "AR/GOV/migraciones", "6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f");
  ExpectRefusedUpstream(GetPerson(ar_gateway, next), upstream, reason);
  EXPECT_EQ(provider.Calls().size(), 1u);
}

}  // namespace
}  // namespace pasarela::testing
