#include "gateway/common/digest.h"

// SHA256_Init, _Update and _Final are deprecated in OpenSSL 3 in favour of the EVP interface, whose
// EVP_DigestInit_ex2 allocates a new provider context at every initialisation (OpenSSL 3.0), even
// on a reused EVP_MD_CTX. The low-level calls run the same assembly on a context that lives on the
// stack: no allocation per digest.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace pasarela {
namespace {

constexpr size_t kSha256BlockSize = 64;

// Erases a secret-derived value on every way out of the function that holds it.
template <typename T>
class Cleansed {
 public:
  explicit Cleansed(T* value) : value_(value) {}
  ~Cleansed() { OPENSSL_cleanse(value_, sizeof(T)); }
  Cleansed(const Cleansed&) = delete;
  Cleansed& operator=(const Cleansed&) = delete;

 private:
  T* value_;
};

void Sha256Update(SHA256_CTX* ctx, absl::string_view part) {
  // SHA256_Update cannot fail on a context SHA256_Init set up; both return 1.
  SHA256_Update(ctx, part.data(), part.size());
}

}  // namespace

bool Sha256Into(std::initializer_list<absl::string_view> parts, Sha256Bytes* out) {
  SHA256_CTX ctx;
  if (SHA256_Init(&ctx) != 1) return false;
  for (absl::string_view part : parts) Sha256Update(&ctx, part);
  return SHA256_Final(reinterpret_cast<unsigned char*>(out->data()), &ctx) == 1;
}

std::string Sha256Digest(absl::string_view data) {
  Sha256Bytes digest;
  if (!Sha256Into({data}, &digest)) return std::string();
  return std::string(BytesOf(digest));
}

// RFC 2104 over SHA-256: H((K ^ opad) || H((K ^ ipad) || data)), K the key padded with zeros to
// the block size, or its digest when it is longer than a block.
std::string HmacSha256Digest(absl::string_view key, absl::string_view data) {
  unsigned char padded_key[kSha256BlockSize] = {};
  Cleansed<decltype(padded_key)> erase_key(&padded_key);
  if (key.size() > kSha256BlockSize) {
    Sha256Bytes key_digest;
    Cleansed<Sha256Bytes> erase_key_digest(&key_digest);
    if (!Sha256Into({key}, &key_digest)) return std::string();
    std::memcpy(padded_key, key_digest.data(), key_digest.size());
  } else if (!key.empty()) {
    std::memcpy(padded_key, key.data(), key.size());
  }

  unsigned char pad[kSha256BlockSize];
  Cleansed<decltype(pad)> erase_pad(&pad);
  SHA256_CTX ctx;
  Cleansed<SHA256_CTX> erase_ctx(&ctx);
  unsigned char inner[SHA256_DIGEST_LENGTH];
  for (size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = padded_key[i] ^ 0x36;
  if (SHA256_Init(&ctx) != 1) return std::string();
  SHA256_Update(&ctx, pad, sizeof pad);
  Sha256Update(&ctx, data);
  if (SHA256_Final(inner, &ctx) != 1) return std::string();

  Sha256Bytes outer;
  for (size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = padded_key[i] ^ 0x5c;
  if (SHA256_Init(&ctx) != 1) return std::string();
  SHA256_Update(&ctx, pad, sizeof pad);
  SHA256_Update(&ctx, inner, sizeof inner);
  if (SHA256_Final(reinterpret_cast<unsigned char*>(outer.data()), &ctx) != 1) {
    return std::string();
  }
  return std::string(BytesOf(outer));
}

}  // namespace pasarela
