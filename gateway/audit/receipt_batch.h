// Receipts signed a batch at a time. The provider gateway signs the receipts of the exchanges
// whose audit records are written together with one signature over the Merkle root of their
// leaves (merkle_tree.h); each receipt carries its position and inclusion proof, so it still
// verifies on its own. A consumer gateway checks each root's signature once (SignerKey remembers
// signatures it has verified) and every further receipt of that batch with a few hashes.
//
//   leaf           ReceiptSigningInput(receipt)   (audit_crypto.h; the receipt's own fields)
//   signed bytes   "pasarela.audit.v1.ReceiptBatch\n" | root | batch_size (uint32) |
//                  signature_algorithm
//
// (strings and bytes preceded by their length as a uint32, integers big-endian, as for
// checkpoints). A receipt with batch_size 0 is signed alone, over its leaf.
//
// Plain functions; safe from any thread.

#ifndef PASARELA_GATEWAY_AUDIT_RECEIPT_BATCH_H_
#define PASARELA_GATEWAY_AUDIT_RECEIPT_BATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/audit/audit_crypto.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

// The bytes a batch signature covers (see the top of this file).
std::string ReceiptBatchSigningInput(absl::string_view root, uint32_t batch_size,
                                     absl::string_view algorithm);

// Signs `receipts` (each with every field but the signature and batch fields set) as one batch:
// sets their signature_algorithm, batch_index, batch_size, batch_path and the one signature.
// An error from the signer leaves them unsigned. REQUIRES: no null pointer; at most 2^32 - 1.
absl::Status SignReceiptBatch(const CheckpointSigner& signer,
                              const std::vector<v1::Receipt*>& receipts);

// The bytes the signature of `receipt` covers: its leaf when signed alone, else the batch root
// its leaf and proof lead to. UNAUTHENTICATED when the proof does not fit its position.
absl::StatusOr<std::string> ReceiptSignedBytes(const v1::Receipt& receipt);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_RECEIPT_BATCH_H_
