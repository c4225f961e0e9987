#include "gateway/audit/merkle_tree.h"

#include <openssl/sha.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/digest.h"

namespace pasarela::audit {
namespace {

constexpr size_t kHashBytes = SHA256_DIGEST_LENGTH;

constexpr char kLeafPrefix = '\x00';
constexpr char kNodePrefix = '\x01';

// SHA-256 of the byte `prefix` followed by `left` and `right`, into `out`. False only when
// OpenSSL fails.
bool PrefixedHashInto(char prefix, absl::string_view left, absl::string_view right,
                      Sha256Bytes* out) {
  return Sha256Into({absl::string_view(&prefix, 1), left, right}, out);
}

// The same as a string; empty when OpenSSL fails (an empty hash matches no root).
std::string PrefixedHash(char prefix, absl::string_view left, absl::string_view right = {}) {
  Sha256Bytes hash;
  if (!PrefixedHashInto(prefix, left, right, &hash)) return std::string();
  return std::string(BytesOf(hash));
}

std::string NodeHash(absl::string_view left, absl::string_view right) {
  return PrefixedHash(kNodePrefix, left, right);
}

// The largest power of two smaller than n. REQUIRES: n >= 2.
size_t SplitPoint(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// The hash of the subtree over leaves [begin, end); appends, to the proof of every leaf in it,
// the sibling hashes met on the way up, nearest first (children are finished before parents).
std::string Subtree(const std::vector<std::string>& leaves, size_t begin, size_t end,
                    std::vector<std::vector<std::string>>* proofs) {
  if (end - begin == 1) return leaves[begin];
  const size_t middle = begin + SplitPoint(end - begin);
  std::string left = Subtree(leaves, begin, middle, proofs);
  std::string right = Subtree(leaves, middle, end, proofs);
  for (size_t i = begin; i < middle; ++i) (*proofs)[i].push_back(right);
  for (size_t i = middle; i < end; ++i) (*proofs)[i].push_back(left);
  return NodeHash(left, right);
}

}  // namespace

std::string MerkleLeafHash(absl::string_view leaf) { return PrefixedHash(kLeafPrefix, leaf); }

MerkleBatch BuildMerkleBatch(const std::vector<std::string>& leaf_hashes) {
  MerkleBatch batch;
  batch.proofs.resize(leaf_hashes.size());
  // No proof is longer than the tree is deep: each takes one allocation, not one per doubling.
  size_t depth = 0;
  while ((size_t{1} << depth) < leaf_hashes.size()) ++depth;
  for (std::vector<std::string>& proof : batch.proofs) proof.reserve(depth);
  batch.root = Subtree(leaf_hashes, 0, leaf_hashes.size(), &batch.proofs);
  return batch;
}

absl::StatusOr<std::string> MerkleRootFromProof(absl::string_view leaf_hash, uint64_t index,
                                                uint64_t size,
                                                absl::Span<const absl::string_view> proof) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", index, " is outside a batch of ", size));
  }
  if (leaf_hash.size() != kHashBytes) {
    return absl::InvalidArgumentError("a leaf hash is 32 bytes");
  }
  uint64_t position = index;
  uint64_t last = size - 1;
  // The hash so far, alternating between two buffers: no allocation per level.
  Sha256Bytes levels[2];
  int current = 0;
  absl::string_view hash = leaf_hash;
  for (absl::string_view sibling : proof) {
    if (sibling.size() != kHashBytes) {
      return absl::InvalidArgumentError("an inclusion proof holds 32-byte hashes");
    }
    if (last == 0) return absl::InvalidArgumentError("the inclusion proof is too long");
    const bool sibling_on_left = (position & 1) == 1 || position == last;
    if (!PrefixedHashInto(kNodePrefix, sibling_on_left ? sibling : hash,
                          sibling_on_left ? hash : sibling, &levels[current])) {
      return absl::InternalError("SHA-256 failed");
    }
    hash = BytesOf(levels[current]);
    current = 1 - current;
    if (sibling_on_left && (position & 1) == 0) {
      // A right-most node without a sibling at this level rises unchanged.
      while ((position & 1) == 0 && position != 0) {
        position >>= 1;
        last >>= 1;
      }
    }
    position >>= 1;
    last >>= 1;
  }
  if (last != 0) return absl::InvalidArgumentError("the inclusion proof is too short");
  return std::string(hash);
}

absl::StatusOr<std::string> MerkleRootFromProof(absl::string_view leaf_hash, uint64_t index,
                                                uint64_t size,
                                                const std::vector<std::string>& proof) {
  std::vector<absl::string_view> views(proof.begin(), proof.end());
  return MerkleRootFromProof(leaf_hash, index, size, absl::MakeConstSpan(views));
}

}  // namespace pasarela::audit
