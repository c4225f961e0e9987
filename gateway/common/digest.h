// SHA-256 and HMAC-SHA-256 without OpenSSL 3's per-call costs. The one-shot calls (SHA256(),
// HMAC(), EVP_Digest with EVP_sha256()) look the algorithm up among the providers and allocate a
// context on every call, and even a reused EVP_MD_CTX allocates a new provider context at each
// initialisation; here each digest runs OpenSSL's SHA-256 on a context on the caller's stack and
// allocates nothing but the string it returns. On the gateway's hot path (request, response,
// record and receipt digests, Merkle proofs, subject pseudonyms) that is one to six allocations
// fewer per digest.
//
// Thread safety: safe from any thread; nothing is shared between calls.
#ifndef PASARELA_GATEWAY_COMMON_DIGEST_H_
#define PASARELA_GATEWAY_COMMON_DIGEST_H_

#include <array>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace pasarela {

// The 32-byte SHA-256 digest of `data`. Empty only when OpenSSL fails (a broken installation).
std::string Sha256Digest(absl::string_view data);

// A SHA-256 digest held in place, for hashes that are compared or hashed again and need no string.
using Sha256Bytes = std::array<char, 32>;

// Writes to `out` the SHA-256 digest of `parts` one after another (the digest of their
// concatenation), without joining them or allocating. False only when OpenSSL fails.
bool Sha256Into(std::initializer_list<absl::string_view> parts, Sha256Bytes* out);

inline absl::string_view BytesOf(const Sha256Bytes& digest) {
  return absl::string_view(digest.data(), digest.size());
}

// The 32-byte HMAC-SHA-256 of `data` under `key`. Empty only when OpenSSL fails.
std::string HmacSha256Digest(absl::string_view key, absl::string_view data);

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_DIGEST_H_
