#include "gateway/audit/receipt_batch.h"

#include <limits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "gateway/audit/merkle_tree.h"

namespace pasarela::audit {

std::string ReceiptBatchSigningInput(absl::string_view root, uint32_t batch_size,
                                     absl::string_view algorithm) {
  constexpr absl::string_view kDomain = "pasarela.audit.v1.ReceiptBatch\n";
  std::string out;
  out.reserve(kDomain.size() + 4 + FieldsSize({root, algorithm}));
  out.append(kDomain.data(), kDomain.size());
  PutField(root, &out);
  PutBigEndian(batch_size, 4, &out);
  PutField(algorithm, &out);
  return out;
}

absl::Status SignReceiptBatch(const CheckpointSigner& signer,
                              const std::vector<v1::Receipt*>& receipts) {
  if (receipts.empty()) return absl::OkStatus();
  if (receipts.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("too many receipts for one batch");
  }
  const uint32_t size = static_cast<uint32_t>(receipts.size());
  std::vector<std::string> leaves;
  leaves.reserve(size);
  for (v1::Receipt* receipt : receipts) {
    receipt->set_signature_algorithm(signer.algorithm());
    leaves.push_back(MerkleLeafHash(ReceiptSigningInput(*receipt)));
  }
  MerkleBatch tree = BuildMerkleBatch(leaves);
  absl::StatusOr<std::string> signature =
      signer.SignBytes(ReceiptBatchSigningInput(tree.root, size, signer.algorithm()));
  if (!signature.ok()) return signature.status();
  for (uint32_t i = 0; i < size; ++i) {
    v1::Receipt* receipt = receipts[i];
    receipt->set_batch_index(i);
    receipt->set_batch_size(size);
    receipt->clear_batch_path();
    receipt->mutable_batch_path()->Reserve(static_cast<int>(tree.proofs[i].size()));
    for (std::string& sibling : tree.proofs[i]) receipt->add_batch_path(std::move(sibling));
    receipt->set_signature(*signature);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReceiptSignedBytes(const v1::Receipt& receipt) {
  std::string leaf = ReceiptSigningInput(receipt);
  if (receipt.batch_size() == 0) {
    if (receipt.batch_index() != 0 || receipt.batch_path_size() != 0) {
      return absl::UnauthenticatedError("receipt has a batch position but no batch size");
    }
    return leaf;
  }
  // A proof has one hash per level: eight cover a batch of 256 receipts without an allocation.
  absl::InlinedVector<absl::string_view, 8> proof(receipt.batch_path().begin(),
                                                  receipt.batch_path().end());
  absl::StatusOr<std::string> root =
      MerkleRootFromProof(MerkleLeafHash(leaf), receipt.batch_index(), receipt.batch_size(),
                          absl::MakeConstSpan(proof));
  if (!root.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("receipt's batch inclusion proof: ", root.status().message()));
  }
  return ReceiptBatchSigningInput(*root, receipt.batch_size(), receipt.signature_algorithm());
}

}  // namespace pasarela::audit
