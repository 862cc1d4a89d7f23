#include "evidence/merkle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dreichor::evidence {
namespace {

Hash H(std::string_view hex) {
  Hash h{};
  EXPECT_TRUE(FromHex(hex, h.data(), h.size())) << hex;
  return h;
}

// Certificate Transparency's reference leaves and tree heads (RFC 6962's test data, used by
// every implementation of the tree: Go's, Trillian's, Sigsum's).
std::vector<Hash> ReferenceLeaves() {
  const std::vector<std::string> data = {
      std::string(),
      std::string("\x00", 1),
      "\x10",
      "\x20\x21",
      "\x30\x31",
      "\x40\x41\x42\x43",
      "\x50\x51\x52\x53\x54\x55\x56\x57",
      "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  std::vector<Hash> leaves;
  for (const std::string& d : data) leaves.push_back(LeafHash(d));
  return leaves;
}

const char* const kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

TEST(MerkleTest, RootsMatchTheReferenceTreeHeads) {
  const std::vector<Hash> leaves = ReferenceLeaves();
  MemoryNodes nodes(leaves);
  CompactRange edge;
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    EXPECT_EQ(ToHex(RootAt(nodes, n).value()), kReferenceRoots[n]) << "size " << n;
    EXPECT_EQ(ToHex(edge.Root()), kReferenceRoots[n]) << "size " << n;
    if (n < leaves.size()) edge.Add(leaves[n]);
  }
}

TEST(MerkleTest, InclusionProofsMatchTheReferenceProofs) {
  MemoryNodes nodes(ReferenceLeaves());
  std::vector<Hash> expected = {
      H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  EXPECT_EQ(InclusionProof(nodes, 0, 8).value(), expected);
  expected = {H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
              H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
              H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(InclusionProof(nodes, 5, 8).value(), expected);
  EXPECT_TRUE(InclusionProof(nodes, 0, 1).value().empty());
}

TEST(MerkleTest, ConsistencyProofsMatchTheReferenceProofs) {
  MemoryNodes nodes(ReferenceLeaves());
  std::vector<Hash> expected = {
      H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  EXPECT_EQ(ConsistencyProof(nodes, 1, 8).value(), expected);
  expected = {H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
              H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
              H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(ConsistencyProof(nodes, 6, 8).value(), expected);
  expected = {H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
              H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")};
  EXPECT_EQ(ConsistencyProof(nodes, 2, 5).value(), expected);
}

std::vector<Hash> Leaves(size_t n) {
  std::vector<Hash> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back(LeafHash("leaf " + std::to_string(i)));
  return leaves;
}

// Every leaf of every tree up to 70 leaves (each shape of the recursion): the proof verifies,
// and fails for another leaf, index, size or root, and with any hash of it changed.
TEST(MerkleTest, EveryInclusionProofVerifiesAndNoAlteredOneDoes) {
  const std::vector<Hash> leaves = Leaves(70);
  MemoryNodes nodes(leaves);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const Hash root = RootAt(nodes, n).value();
    for (uint64_t i = 0; i < n; ++i) {
      std::vector<Hash> proof = InclusionProof(nodes, i, n).value();
      ASSERT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root)) << i << " in " << n;
      EXPECT_FALSE(VerifyInclusion(leaves[(i + 1) % 70], i, n, proof, root));
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], (i + 1) % n, n, proof, root));
      }
      if (n < leaves.size()) {  // the size is bound by the root it is checked against
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n + 1, proof, RootAt(nodes, n + 1).value()));
      }
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, Sha256::Of("another root")));
      for (size_t k = 0; k < proof.size(); ++k) {
        std::vector<Hash> bad = proof;
        bad[k][7] ^= 1;
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, bad, root));
      }
      if (!proof.empty()) {
        proof.pop_back();
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, root));
      }
    }
  }
}

TEST(MerkleTest, EveryConsistencyProofVerifiesAndNoAlteredOneDoes) {
  const std::vector<Hash> leaves = Leaves(40);
  MemoryNodes nodes(leaves);
  for (uint64_t m = 1; m <= leaves.size(); ++m) {
    const Hash first = RootAt(nodes, m).value();
    for (uint64_t n = m; n <= leaves.size(); ++n) {
      const Hash second = RootAt(nodes, n).value();
      std::vector<Hash> proof = ConsistencyProof(nodes, m, n).value();
      ASSERT_TRUE(VerifyConsistency(m, n, first, second, proof)) << m << " to " << n;
      if (m == n) {
        EXPECT_TRUE(proof.empty());
        continue;
      }
      EXPECT_FALSE(VerifyConsistency(m, n, second, second, proof));
      EXPECT_FALSE(VerifyConsistency(m, n, first, first, proof));
      for (size_t k = 0; k < proof.size(); ++k) {
        std::vector<Hash> bad = proof;
        bad[k][0] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, first, second, bad));
      }
    }
  }
}

// The rewrite the tree exists to catch: same size, one leaf changed after the first checkpoint.
TEST(MerkleTest, ARewrittenTailIsInconsistentWithTheEarlierTree) {
  std::vector<Hash> leaves = Leaves(20);
  MemoryNodes honest(leaves);
  const Hash at12 = RootAt(honest, 12).value();
  leaves[9] = LeafHash("rewritten");
  MemoryNodes rewritten(leaves);
  const std::vector<Hash> proof = ConsistencyProof(rewritten, 12, 20).value();
  EXPECT_FALSE(VerifyConsistency(12, 20, at12, RootAt(rewritten, 20).value(), proof));
  EXPECT_NE(RootAt(rewritten, 12).value(), at12);
}

TEST(MerkleTest, RefusesProofsOutsideTheTree) {
  MemoryNodes nodes(Leaves(5));
  EXPECT_EQ(InclusionProof(nodes, 5, 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(nodes, 0, 6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(nodes, 0, 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(nodes, 4, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(nodes, 2, 6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(VerifyInclusion(Hash{}, 3, 3, {}, Hash{}));
  EXPECT_FALSE(VerifyConsistency(0, 3, Hash{}, Hash{}, {}));
}

}  // namespace
}  // namespace dreichor::evidence
