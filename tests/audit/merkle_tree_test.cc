// The Merkle tree of receipt batches: RFC 9162's hashing, checked against the published
// Certificate Transparency test vectors, and every inclusion proof of trees of 1 to 70 leaves.
#include "gateway/audit/merkle_tree.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace pasarela::audit {
namespace {

// The eight leaves and the roots of their prefixes from certificate-transparency's
// merkle_tree_test (google/certificate-transparency, cpp/merkletree/merkle_tree_test.cc).
std::vector<std::string> CtLeafHashes() {
  const std::vector<std::string> leaves = {
      "",         std::string(1, '\x00'), "\x10",     "\x20\x21",
      "\x30\x31", "\x40\x41\x42\x43",     "PQRSTUVW", "`abcdefghijklmno"};
  std::vector<std::string> hashes;
  for (const std::string& leaf : leaves) hashes.push_back(MerkleLeafHash(leaf));
  return hashes;
}

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

TEST(MerkleTreeTest, RootsMatchCertificateTransparencyVectors) {
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  const std::vector<std::string> all = CtLeafHashes();
  for (size_t n = 1; n <= all.size(); ++n) {
    std::vector<std::string> leaves(all.begin(), all.begin() + n);
    EXPECT_EQ(Hex(BuildMerkleBatch(leaves).root), roots[n - 1]) << n << " leaves";
  }
}

TEST(MerkleTreeTest, ProofsMatchCertificateTransparencyVectors) {
  MerkleBatch tree = BuildMerkleBatch(CtLeafHashes());
  ASSERT_EQ(tree.proofs[0].size(), 3u);
  EXPECT_EQ(Hex(tree.proofs[0][0]),
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  EXPECT_EQ(Hex(tree.proofs[0][1]),
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  EXPECT_EQ(Hex(tree.proofs[0][2]),
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  ASSERT_EQ(tree.proofs[5].size(), 3u);
  EXPECT_EQ(Hex(tree.proofs[5][0]),
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  EXPECT_EQ(Hex(tree.proofs[5][1]),
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
  EXPECT_EQ(Hex(tree.proofs[5][2]),
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
}

TEST(MerkleTreeTest, EveryProofLeadsToTheRootAndNoOtherLeafDoes) {
  for (size_t n = 1; n <= 70; ++n) {
    std::vector<std::string> leaves;
    for (size_t i = 0; i < n; ++i) leaves.push_back(MerkleLeafHash("receipt " + std::to_string(i)));
    MerkleBatch tree = BuildMerkleBatch(leaves);
    for (size_t i = 0; i < n; ++i) {
      absl::StatusOr<std::string> root = MerkleRootFromProof(leaves[i], i, n, tree.proofs[i]);
      ASSERT_TRUE(root.ok()) << n << "/" << i << ": " << root.status();
      EXPECT_EQ(*root, tree.root) << n << "/" << i;
      // Another leaf in this position, or this leaf claiming another position, reaches
      // another root (or no root at all).
      absl::StatusOr<std::string> forged =
          MerkleRootFromProof(MerkleLeafHash("forged"), i, n, tree.proofs[i]);
      ASSERT_TRUE(forged.ok());
      EXPECT_NE(*forged, tree.root);
      if (n > 1) {
        absl::StatusOr<std::string> moved =
            MerkleRootFromProof(leaves[i], (i + 1) % n, n, tree.proofs[i]);
        EXPECT_TRUE(!moved.ok() || *moved != tree.root) << n << "/" << i;
      }
    }
  }
}

TEST(MerkleTreeTest, TamperedOrMisshapenProofsAreRefusedOrLeadElsewhere) {
  std::vector<std::string> leaves;
  for (int i = 0; i < 11; ++i) leaves.push_back(MerkleLeafHash(std::string(1, 'a' + i)));
  MerkleBatch tree = BuildMerkleBatch(leaves);
  std::vector<std::string> proof = tree.proofs[6];

  std::vector<std::string> flipped = proof;
  flipped[1][0] ^= 1;
  absl::StatusOr<std::string> root = MerkleRootFromProof(leaves[6], 6, 11, flipped);
  ASSERT_TRUE(root.ok());
  EXPECT_NE(*root, tree.root);

  std::vector<std::string> longer = proof;
  longer.push_back(leaves[0]);
  EXPECT_FALSE(MerkleRootFromProof(leaves[6], 6, 11, longer).ok());
  std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
  EXPECT_FALSE(MerkleRootFromProof(leaves[6], 6, 11, shorter).ok());
  std::vector<std::string> short_hash = proof;
  short_hash[0].resize(31);
  EXPECT_FALSE(MerkleRootFromProof(leaves[6], 6, 11, short_hash).ok());
  EXPECT_FALSE(MerkleRootFromProof(leaves[6], 11, 11, proof).ok());
  EXPECT_FALSE(MerkleRootFromProof(leaves[6], 0, 0, std::vector<std::string>()).ok());
  // A path does not bind the tree's size: leaf 6 has the same path shape in trees of 9 to 12
  // leaves (hence a batch signature covers the size as well as the root).
  absl::StatusOr<std::string> resized = MerkleRootFromProof(leaves[6], 6, 12, proof);
  ASSERT_TRUE(resized.ok());
  EXPECT_EQ(*resized, tree.root);
  EXPECT_FALSE(MerkleRootFromProof(leaves[6], 6, 7, proof).ok());
}

TEST(MerkleTreeTest, OneLeafIsItsOwnRootWithAnEmptyProof) {
  const std::string leaf = MerkleLeafHash("alone");
  MerkleBatch tree = BuildMerkleBatch({leaf});
  EXPECT_EQ(tree.root, leaf);
  EXPECT_TRUE(tree.proofs[0].empty());
  EXPECT_EQ(*MerkleRootFromProof(leaf, 0, 1, std::vector<std::string>()), leaf);
}

}  // namespace
}  // namespace pasarela::audit
