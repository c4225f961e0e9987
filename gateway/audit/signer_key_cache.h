// SignerKeyCache keeps the parsed public key of each signer certificate it has been shown, so that
// checking the receipts of a peer gateway parses its certificate once, not once per exchange.
//
// Thread safety: safe for concurrent use. The cache holds at most kMaxEntries certificates (peer
// gateways are few); when full it starts again empty, so a flood of certificates costs parsing,
// never memory.
#ifndef PASARELA_GATEWAY_AUDIT_SIGNER_KEY_CACHE_H_
#define PASARELA_GATEWAY_AUDIT_SIGNER_KEY_CACHE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/audit/audit_crypto.h"

namespace pasarela::audit {

class SignerKeyCache {
 public:
  static constexpr size_t kMaxEntries = 64;

  // The key of the first certificate of `pem_chain`, parsed the first time this exact chain is
  // seen. Errors are not cached.
  absl::StatusOr<std::shared_ptr<const SignerKey>> Get(absl::string_view pem_chain);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const SignerKey>> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_SIGNER_KEY_CACHE_H_
