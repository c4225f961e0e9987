#include "tests/audit/audit_test_util.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_log.h"

namespace pasarela::audit::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "audit test setup failed: %s\n", what.c_str());
  std::abort();
}

EVP_PKEY* NewKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::kEd25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                            : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) Die("key generation");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) Die("certificate extension");
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn` (and `uri` as its URI SAN unless empty), signed by
// `issuer_key` (itself when issuer is null).
X509* NewCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, long serial,
              bool ca, const std::string& uri = "") {  // NOLINT(runtime/int)
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Pasarela test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* issuer_cert = issuer != nullptr ? issuer : cert;
  if (ca) {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature");
  }
  AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (!uri.empty()) {
    AddExtension(cert, issuer_cert, NID_subject_alt_name, absl::StrCat("URI:", uri).c_str());
  }
  const EVP_MD* md = EVP_PKEY_get_base_id(issuer_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(cert, issuer_key, md) == 0) Die("certificate signing");
  return cert;
}

void WritePem(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr || PEM_write_X509(f, cert) != 1) Die("writing " + path);
  std::fclose(f);
}

void WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr || PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    Die("writing " + path);
  }
  std::fclose(f);
  ::chmod(path.c_str(), 0600);
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  if (base == nullptr) base = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/pasarela-audit-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

struct TestPki::Ca {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Ca() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

TestPki::TestPki(std::string dir) : dir_(std::move(dir)) {}
TestPki::~TestPki() = default;

std::string TestPki::MakeCa(const std::string& name) {
  auto ca = std::make_unique<Ca>();
  ca->key = NewKey(KeyType::kEcdsaP256);
  ca->cert = NewCert(ca->key, name, nullptr, ca->key, serial_++, /*ca=*/true);
  const std::string path = absl::StrCat(dir_, "/", name, ".crt");
  WritePem(path, ca->cert);
  cas_[name] = std::move(ca);
  return path;
}

KeyAndCert TestPki::MakeLeaf(const std::string& ca_name, const std::string& name, KeyType type,
                             const std::string& uri) {
  auto it = cas_.find(ca_name);
  if (it == cas_.end()) Die("no CA " + ca_name);
  EVP_PKEY* key = NewKey(type);
  X509* cert = NewCert(key, name, it->second->cert, it->second->key, serial_++, /*ca=*/false, uri);
  KeyAndCert out{absl::StrCat(dir_, "/", name, ".key"), absl::StrCat(dir_, "/", name, ".crt")};
  WriteKey(out.key_file, key);
  WritePem(out.cert_file, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

KeyAndCert TestPki::MakeGateway(const std::string& ca_name, const std::string& country,
                                const std::string& name, KeyType type) {
  return MakeLeaf(ca_name, name, type, absl::StrCat("urn:pasarela:gateway:", country));
}

std::string TestPki::MakeCrl(const std::string& ca_name, const std::vector<Revocation>& revoked,
                             const std::string& file_name) {
  auto it = cas_.find(ca_name);
  if (it == cas_.end()) Die("no CA " + ca_name);
  const Ca& ca = *it->second;
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);  // v2, which entry extensions (the reason) need
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.cert));
  ASN1_TIME* this_update = X509_gmtime_adj(nullptr, -3600);
  ASN1_TIME* next_update = X509_gmtime_adj(nullptr, 24 * 3600);
  X509_CRL_set1_lastUpdate(crl, this_update);
  X509_CRL_set1_nextUpdate(crl, next_update);
  ASN1_TIME_free(this_update);
  ASN1_TIME_free(next_update);
  for (const Revocation& revocation : revoked) {
    FILE* f = std::fopen(revocation.cert_file.c_str(), "r");
    X509* cert = f != nullptr ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
    if (f != nullptr) std::fclose(f);
    if (cert == nullptr) Die("reading " + revocation.cert_file);
    X509_REVOKED* entry = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(cert));
    ASN1_TIME* when = ASN1_TIME_set(nullptr, absl::ToTimeT(revocation.when));
    X509_REVOKED_set_revocationDate(entry, when);
    ASN1_TIME_free(when);
    if (revocation.reason >= 0) {
      ASN1_ENUMERATED* reason = ASN1_ENUMERATED_new();
      ASN1_ENUMERATED_set(reason, revocation.reason);
      X509_REVOKED_add1_ext_i2d(entry, NID_crl_reason, reason, 0, 0);
      ASN1_ENUMERATED_free(reason);
    }
    X509_CRL_add0_revoked(crl, entry);
    X509_free(cert);
  }
  X509_CRL_sort(crl);
  if (X509_CRL_sign(crl, ca.key, EVP_sha256()) == 0) Die("CRL signing");
  const std::string path = absl::StrCat(dir_, "/", file_name);
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr || PEM_write_X509_CRL(f, crl) != 1) Die("writing " + path);
  std::fclose(f);
  X509_CRL_free(crl);
  return path;
}

absl::Status WriteTrail(const std::string& dir, const std::string& gateway, const KeyAndCert& key,
                        const std::vector<v1::AuditRecord>& records, uint64_t max_segment_bytes) {
  AuditLogOptions o;
  o.directory = dir;
  o.max_segment_bytes = max_segment_bytes;
  o.gateway = gateway;
  o.signing_key_file = key.key_file;
  o.signing_cert_file = key.cert_file;
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(o);
  if (!log.ok()) return log.status();
  for (const v1::AuditRecord& r : records) {
    if (absl::Status s = (*log)->AppendAndWait(r); !s.ok()) return s;
  }
  return (*log)->Close();
}

v1::AuditRecord MakeRecord(int n) {
  v1::AuditRecord r;
  r.set_direction(v1::CONSUMER_SIDE);
  r.set_exchange_id(absl::StrCat("ex-", n));
  r.set_consumer("AR/GOV/migraciones");
  r.set_provider("CL/GOV/registro-civil");
  r.set_method("/pasarela.identity.v1.IdentityService/GetPerson");
  r.set_agreement_id("ar-cl-identity-2024");
  r.set_agreement_digest(Sha256("agreement"));
  r.set_purpose("border-control");
  r.set_decision(v1::ALLOW);
  r.set_deciding_rule("agreement ar-cl-identity-2024: allowed");
  r.set_grpc_status_code(0);
  r.set_latency_us(1200 + n);
  v1::ClassifiedField* f = r.add_classification();
  f->set_category("personal_identifier");
  f->set_field_path("person.run");
  f->set_source(v1::DECLARED);
  r.set_request_digest(Sha256(absl::StrCat("request ", n)));
  r.set_response_digest(Sha256(absl::StrCat("response ", n)));
  r.set_policy_digest(Sha256("policy"));
  r.set_bytes_in(120);
  r.set_bytes_out(480);
  return r;
}

void AddClassified(v1::AuditRecord* record, const std::string& category, const std::string& path,
                   const std::string& treatment, bool in_request) {
  v1::ClassifiedField* f = record->add_classification();
  f->set_category(category);
  f->set_field_path(path);
  f->set_treatment(treatment);
  f->set_in_request(in_request);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("reading " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFileOrDie(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) Die("writing " + path);
}

void CopyDirectory(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    if (e.is_regular_file()) {
      std::filesystem::copy_file(e.path(), std::filesystem::path(to) / e.path().filename());
    }
  }
}

std::vector<RawEntry> ReadEntries(const std::string& segment_path) {
  const std::string content = ReadFileOrDie(segment_path);
  std::vector<RawEntry> entries;
  EntryScanner scanner(content);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  while (true) {
    EntryScanner::Outcome o = scanner.Next(&e, &p);
    if (o == EntryScanner::Outcome::kEnd) break;
    if (o != EntryScanner::Outcome::kEntry) Die("damaged segment " + segment_path);
    entries.push_back(RawEntry{e.offset, e.type, std::string(e.payload), e.size});
  }
  return entries;
}

std::string Frame(const std::vector<RawEntry>& entries) {
  std::string out;
  for (const RawEntry& e : entries) AppendEntry(e.type, e.payload, &out);
  return out;
}

size_t IndexOfRecord(const std::vector<RawEntry>& entries, uint64_t sequence) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != EntryType::kRecord) continue;
    v1::AuditRecord r;
    if (r.ParseFromString(entries[i].payload) && r.sequence() == sequence) return i;
  }
  Die(absl::StrCat("no record ", sequence));
}

size_t IndexOfCheckpoint(const std::vector<RawEntry>& entries, uint64_t sequence) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != EntryType::kCheckpoint) continue;
    v1::Checkpoint c;
    if (c.ParseFromString(entries[i].payload) && c.sequence() == sequence) return i;
  }
  Die(absl::StrCat("no checkpoint after record ", sequence));
}

}  // namespace pasarela::audit::testing
