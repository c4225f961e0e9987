#include "gateway/common/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

namespace pasarela {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// Fetched once and kept for the life of the process.
const EVP_MD* FetchedSha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md;
}

EVP_MAC* FetchedHmac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// This thread's HMAC-SHA-256 context, made on first use; null when OpenSSL cannot make one.
EVP_MAC_CTX* ThreadHmacContext() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> made(
        FetchedHmac() != nullptr ? EVP_MAC_CTX_new(FetchedHmac()) : nullptr);
    if (made == nullptr) return made;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(made.get(), params) != 1) made.reset();
    return made;
  }();
  return ctx.get();
}

}  // namespace

bool Sha256Into(std::initializer_list<absl::string_view> parts, Sha256Bytes* out) {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* sha256 = FetchedSha256();
  if (ctx == nullptr || sha256 == nullptr || EVP_DigestInit_ex2(ctx.get(), sha256, nullptr) != 1) {
    return false;
  }
  for (absl::string_view part : parts) {
    if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) return false;
  }
  unsigned int len = 0;
  return EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out->data()), &len) == 1 &&
         len == out->size();
}

std::string Sha256Digest(absl::string_view data) {
  Sha256Bytes digest;
  if (!Sha256Into({data}, &digest)) return std::string();
  return std::string(BytesOf(digest));
}

std::string HmacSha256Digest(absl::string_view key, absl::string_view data) {
  EVP_MAC_CTX* ctx = ThreadHmacContext();
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr) !=
          1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, md, &len, sizeof md) != 1) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace pasarela
