// A Merkle tree over a batch of byte strings, hashed as RFC 9162 (Certificate Transparency 2.0)
// section 2.1 hashes its log: SHA-256, a leaf hash is SHA-256(0x00 || leaf), an interior node
// SHA-256(0x01 || left || right), and a tree of n leaves splits after the largest power of two
// smaller than n. One signature over the root then vouches for every leaf, and each leaf proves
// its place with about log2(n) sibling hashes (its inclusion proof).
//
// Plain functions of their arguments; safe from any thread.

#ifndef PASARELA_GATEWAY_AUDIT_MERKLE_TREE_H_
#define PASARELA_GATEWAY_AUDIT_MERKLE_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace pasarela::audit {

// SHA-256(0x00 || leaf), 32 bytes.
std::string MerkleLeafHash(absl::string_view leaf);

// The root of a batch and the inclusion proof of each of its leaves.
struct MerkleBatch {
  std::string root;  // 32 bytes
  // proofs[i]: the sibling hashes from leaf i up to the root, nearest first (RFC 9162's
  // inclusion path).
  std::vector<std::vector<std::string>> proofs;
};

// The tree over `leaf_hashes` (each from MerkleLeafHash), in one pass: O(n log n) hashes.
// REQUIRES: `leaf_hashes` is not empty.
MerkleBatch BuildMerkleBatch(const std::vector<std::string>& leaf_hashes);

// The root that `proof` leads to from `leaf_hash`, leaf `index` of a tree of `size` leaves
// (RFC 9162 section 2.1.3.2). INVALID_ARGUMENT when the index is out of range or the proof has
// the wrong number of hashes for that position, or a hash is not 32 bytes. The caller compares
// the result with a root it trusts (one whose signature it checked).
absl::StatusOr<std::string> MerkleRootFromProof(absl::string_view leaf_hash, uint64_t index,
                                                uint64_t size,
                                                absl::Span<const absl::string_view> proof);
// The same, for a proof held as strings.
absl::StatusOr<std::string> MerkleRootFromProof(absl::string_view leaf_hash, uint64_t index,
                                                uint64_t size,
                                                const std::vector<std::string>& proof);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_MERKLE_TREE_H_
