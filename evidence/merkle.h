// The Merkle tree of RFC 9162 (Certificate Transparency v2, §2.1) over the audit log's records,
// its proofs, and their verification. docs/audit-proofs.md specifies the tree over the log.
//
//   leaf hash  = SHA-256(0x00 || leaf bytes)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256()
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])),  k the largest power of two smaller than n
//
// Leaves are numbered from 0 (record sequence s is leaf s - 1). A proof is produced from a
// NodeSource, which answers the hash of any *complete, aligned* subtree: the 2^level leaves from
// index * 2^level. Every subtree that RFC 9162's recursion reaches is either such a subtree or a
// prefix of one, so `RangeHash` needs nothing else.
//
//   MemoryNodes leaves(...);                       // or the persistent tree
//   (evidence/tree_store.h) auto proof = InclusionProof(leaves, 5, 8);     // PATH(5, D[8]) bool ok
//   = VerifyInclusion(leaf, 5, 8, proof.value(), root);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/sha256.h"
#include "util/status.h"

namespace dreichor::evidence {

using Hash = Sha256::Digest;

// A hash as the checkpoints, routes and tools write it: base64 (RFC 4648, padded), and back
// (nullopt unless exactly 32 bytes).
std::string HashToBase64(const Hash& hash);
std::optional<Hash> HashFromBase64(std::string_view text);

Hash LeafHash(std::string_view leaf_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

// The largest power of two strictly smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n);

// Hashes of complete aligned subtrees. Node (level, index) covers leaves
// [index << level, (index + 1) << level); callers ask only for nodes inside the tree.
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  virtual uint64_t size() const = 0;  // leaves
  virtual Result<Hash> Node(unsigned level, uint64_t index) const = 0;
};

// MTH(D[begin:end]) for a range that is a prefix of a complete aligned subtree (every range the
// proofs reach, and [0, n)); begin < end <= source.size().
Result<Hash> RangeHash(const NodeSource& source, uint64_t begin, uint64_t end);
// MTH(D[0:n]) for n <= source.size(); the empty root for 0.
Result<Hash> RootAt(const NodeSource& source, uint64_t n);

// PATH(index, D[0:tree_size]) (RFC 9162 §2.1.3.1), leaf sibling first. InvalidArgument unless
// index < tree_size <= source.size().
Result<std::vector<Hash>> InclusionProof(const NodeSource& source, uint64_t index,
                                         uint64_t tree_size);
// PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1). InvalidArgument unless
// 0 < first <= second <= source.size(); empty when first == second.
Result<std::vector<Hash>> ConsistencyProof(const NodeSource& source, uint64_t first,
                                           uint64_t second);

// RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `tree_size` with `root`?
bool VerifyInclusion(const Hash& leaf, uint64_t index, uint64_t tree_size,
                     const std::vector<Hash>& proof, const Hash& root);
// RFC 9162 §2.1.4.2: is the tree (second, second_root) an append-only extension of
// (first, first_root)?
bool VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                       const Hash& second_root, const std::vector<Hash>& proof);

// The right edge of a tree being built leaf by leaf: one hash per set bit of the size, so the
// root of any size is known in O(log n) memory (the CLI's check of a whole log).
class CompactRange {
 public:
  void Add(const Hash& leaf);
  uint64_t size() const { return size_; }
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> edge_;  // complete subtrees, largest first
};

// Every complete node held in memory: tests, and the CLI's proofs from a log it reads.
class MemoryNodes final : public NodeSource {
 public:
  MemoryNodes() = default;
  explicit MemoryNodes(const std::vector<Hash>& leaves);
  uint64_t size() const override { return levels_.empty() ? 0 : levels_[0].size(); }
  Result<Hash> Node(unsigned level, uint64_t index) const override;
  void Add(const Hash& leaf);

 private:
  std::vector<std::vector<Hash>> levels_;  // levels_[l][i]: node (l, i)
};

}  // namespace dreichor::evidence
