// Helpers for the audit tests: temporary directories, a small PKI made with the OpenSSL C API,
// records, and raw access to the entries of a segment.

#ifndef PASARELA_TESTS_AUDIT_AUDIT_TEST_UTIL_H_
#define PASARELA_TESTS_AUDIT_AUDIT_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/audit/segment_format.h"
#include "pasarela/audit/v1/audit.pb.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace pasarela::audit::testing {

// A fresh directory under the test's temporary directory, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

enum class KeyType { kEcdsaP256, kEd25519 };

struct KeyAndCert {
  std::string key_file;   // PEM private key, mode 0600
  std::string cert_file;  // PEM certificate
};

// One certificate a test CRL revokes.
struct Revocation {
  std::string cert_file;  // the PEM certificate whose serial is revoked
  absl::Time when;
  int reason = -1;  // the CRLReason code (1 is keyCompromise), or -1 for an entry without one
};

// Certificate authorities and the certificates they issue, written as PEM files into a directory.
class TestPki {
 public:
  explicit TestPki(std::string dir);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // A self-signed ECDSA P-256 CA named `name`; returns the path of its certificate.
  std::string MakeCa(const std::string& name);
  // A key and certificate (CN = `name`, and `uri` as its URI SAN unless empty) issued by the CA
  // `ca_name`.
  KeyAndCert MakeLeaf(const std::string& ca_name, const std::string& name,
                      KeyType type = KeyType::kEcdsaP256, const std::string& uri = "");
  // The same for the gateway of `country`: its certificate names urn:pasarela:gateway:COUNTRY,
  // which `audit verify --ca` requires of a checkpoint's signer.
  KeyAndCert MakeGateway(const std::string& ca_name, const std::string& country,
                         const std::string& name, KeyType type = KeyType::kEcdsaP256);
  // A PEM CRL of the CA `ca_name` that lists `revoked`, current from an hour ago for a day, written
  // as `file_name` in the directory; returns its path.
  std::string MakeCrl(const std::string& ca_name, const std::vector<Revocation>& revoked,
                      const std::string& file_name);

 private:
  struct Ca;
  std::string dir_;
  std::map<std::string, std::unique_ptr<Ca>> cas_;
  long serial_ = 1;  // NOLINT(runtime/int): OpenSSL's type
};

// Writes `records` into a trail in `dir` with AuditLog, signed by `key`, and closes it; a new
// segment begins once one reaches `max_segment_bytes` (at least 4096).
absl::Status WriteTrail(const std::string& dir, const std::string& gateway, const KeyAndCert& key,
                        const std::vector<v1::AuditRecord>& records,
                        uint64_t max_segment_bytes = 64ull << 20);

// A plausible consumer-side record for exchange number `n`.
v1::AuditRecord MakeRecord(int n);

// Adds a classified item to `record`: its category, field path, the agreement's treatment ("" for
// none) and whether the request carried it.
void AddClassified(v1::AuditRecord* record, const std::string& category, const std::string& path,
                   const std::string& treatment, bool in_request);

// The bytes of a file, and writing them back.
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& content);
// Copies the regular files of `from` into a new directory `to` (a crash-time snapshot).
void CopyDirectory(const std::string& from, const std::string& to);

// The entries of a segment, in order.
struct RawEntry {
  uint64_t offset;
  EntryType type;
  std::string payload;
  uint64_t size;
};
std::vector<RawEntry> ReadEntries(const std::string& segment_path);
// Frames entries back into segment bytes.
std::string Frame(const std::vector<RawEntry>& entries);
// Index in `entries` of the record with this sequence number, or of the checkpoint after it.
size_t IndexOfRecord(const std::vector<RawEntry>& entries, uint64_t sequence);
size_t IndexOfCheckpoint(const std::vector<RawEntry>& entries, uint64_t sequence);

}  // namespace pasarela::audit::testing

#endif  // PASARELA_TESTS_AUDIT_AUDIT_TEST_UTIL_H_
