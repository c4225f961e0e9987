#include "gateway/audit/audit_chain.h"

#include "gateway/audit/segment_format.h"
#include "gateway/audit/timestamp.h"
#include "gateway/common/digest.h"

namespace pasarela::audit {
namespace {

// Writes the SHA-256 of `payload` (as Sha256 does) over `hash`, in the buffer it already has: the
// chain's hashes are rewritten at every entry.
void AssignSha256(absl::string_view payload, std::string* hash) {
  Sha256Bytes digest;
  if (!Sha256Into({payload}, &digest)) {
    hash->clear();  // a broken OpenSSL installation; an empty digest never matches a chain
    return;
  }
  hash->assign(digest.data(), digest.size());
}

}  // namespace

ChainHead NewChainHead() {
  ChainHead head;
  head.last_entry_hash = std::string(kHashSize, '\0');
  return head;
}

std::string ChainRecord(v1::AuditRecord* record, absl::string_view gateway, absl::Time now,
                        ChainHead* head) {
  record->set_sequence(head->last_sequence + 1);
  record->set_previous_hash(head->last_entry_hash);
  if (record->gateway().empty()) record->set_gateway(std::string(gateway));
  if (!record->has_time()) SetTimestamp(now, record->mutable_time());
  std::string payload = record->SerializeAsString();
  AssignSha256(payload, &head->last_entry_hash);
  head->last_record_hash = head->last_entry_hash;
  head->last_sequence = record->sequence();
  ++head->unsealed;
  return payload;
}

absl::StatusOr<std::string> SealChain(const CheckpointSigner& signer, absl::string_view gateway,
                                      absl::Time now, ChainHead* head) {
  v1::Checkpoint checkpoint;
  checkpoint.set_previous_hash(head->last_entry_hash);
  checkpoint.set_sequence(head->last_sequence);
  checkpoint.set_record_hash(head->last_record_hash);
  SetTimestamp(now, checkpoint.mutable_time());
  checkpoint.set_gateway(std::string(gateway));
  if (absl::Status s = signer.Sign(&checkpoint); !s.ok()) return s;
  std::string payload = checkpoint.SerializeAsString();
  AssignSha256(payload, &head->last_entry_hash);
  head->unsealed = 0;
  head->last_checkpoint_time = now;
  return payload;
}

}  // namespace pasarela::audit
