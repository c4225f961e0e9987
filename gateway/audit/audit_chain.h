// The hash chain as every audit sink extends it: how a record is linked to the entry before it,
// and how a checkpoint seals the chain. Internal to gateway/audit: the segment-file log and the
// PostgreSQL sink share it, so that one verifier checks both.
//
// Thread safety: plain functions over caller-owned state.

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_CHAIN_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_crypto.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

// Where a chain stands after its last entry.
struct ChainHead {
  std::string last_entry_hash;   // SHA-256 of the last entry's payload; 32 zero bytes at first
  uint64_t last_sequence = 0;    // of the last record
  std::string last_record_hash;  // SHA-256 of the last record's payload
  uint64_t unsealed = 0;         // records after the last checkpoint
  absl::Time last_checkpoint_time = absl::InfinitePast();
};

// The head of an empty chain.
ChainHead NewChainHead();

// Links `record` to the chain: sets its sequence and previous_hash, and its gateway and time when
// empty; returns its payload (the bytes the chain hashes) and advances `head`.
std::string ChainRecord(v1::AuditRecord* record, absl::string_view gateway, absl::Time now,
                        ChainHead* head);

// A checkpoint sealing the chain up to its last record, signed by `signer`: returns its payload
// and advances `head` (unsealed 0, last_checkpoint_time `now`).
absl::StatusOr<std::string> SealChain(const CheckpointSigner& signer, absl::string_view gateway,
                                      absl::Time now, ChainHead* head);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_CHAIN_H_
