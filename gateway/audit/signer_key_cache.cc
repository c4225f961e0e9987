#include "gateway/audit/signer_key_cache.h"

#include <utility>

namespace pasarela::audit {

absl::StatusOr<std::shared_ptr<const SignerKey>> SignerKeyCache::Get(absl::string_view pem_chain) {
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(pem_chain);
    if (it != keys_.end()) return it->second;
  }
  // Parsed outside the lock: two threads may both parse a new certificate; one result is kept.
  absl::StatusOr<std::shared_ptr<const SignerKey>> key = SignerKey::FromPem(pem_chain);
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  if (keys_.size() >= kMaxEntries) keys_.clear();
  keys_.emplace(std::string(pem_chain), *key);
  return key;
}

}  // namespace pasarela::audit
