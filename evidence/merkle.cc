#include "evidence/merkle.h"

#include <bit>
#include <cstring>
#include <string>

#include "util/base64.h"

namespace dreichor::evidence {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

Status AppendRange(const NodeSource& source, uint64_t begin, uint64_t end, std::vector<Hash>* out) {
  auto hash = RangeHash(source, begin, end);
  if (!hash.ok()) return hash.status();
  out->push_back(hash.value());
  return Status::Ok();
}

// PATH(index - begin, D[begin:end]), appended to *out deepest first.
Status Path(const NodeSource& source, uint64_t index, uint64_t begin, uint64_t end,
            std::vector<Hash>* out) {
  if (end - begin == 1) return Status::Ok();
  const uint64_t k = SplitPoint(end - begin);
  if (index < begin + k) {
    if (Status s = Path(source, index, begin, begin + k, out); !s.ok()) return s;
    return AppendRange(source, begin + k, end, out);
  }
  if (Status s = Path(source, index, begin + k, end, out); !s.ok()) return s;
  return AppendRange(source, begin, begin + k, out);
}

// SUBPROOF(m, D[begin:end], whole), with m counted from `begin`.
Status Subproof(const NodeSource& source, uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash>* out) {
  const uint64_t n = end - begin;
  if (m == n) return whole ? Status::Ok() : AppendRange(source, begin, end, out);
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    if (Status s = Subproof(source, m, begin, begin + k, whole, out); !s.ok()) return s;
    return AppendRange(source, begin + k, end, out);
  }
  if (Status s = Subproof(source, m - k, begin + k, end, false, out); !s.ok()) return s;
  return AppendRange(source, begin, begin + k, out);
}

void ShiftUntilOddOrZero(uint64_t* fn, uint64_t* sn) {
  while ((*fn & 1) == 0 && *fn != 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

// One hashing context per thread, reset for each hash: no allocation per leaf or node.
Sha256& Hasher() {
  thread_local Sha256 h;
  h.Reset();
  return h;
}

}  // namespace

std::string HashToBase64(const Hash& hash) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

std::optional<Hash> HashFromBase64(std::string_view text) {
  std::optional<std::string> bytes = Base64Decode(text);
  if (!bytes || bytes->size() != sizeof(Hash)) return std::nullopt;
  Hash hash;
  std::memcpy(hash.data(), bytes->data(), hash.size());
  return hash;
}

Hash LeafHash(std::string_view leaf_bytes) {
  Sha256& h = Hasher();
  h.Update(&kLeafPrefix, 1);
  h.Update(leaf_bytes);
  return h.Finish();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  uint8_t input[1 + 2 * 32];
  input[0] = kNodePrefix;
  std::memcpy(input + 1, left.data(), 32);
  std::memcpy(input + 33, right.data(), 32);
  Sha256& h = Hasher();
  h.Update(input, sizeof input);
  return h.Finish();
}

Hash EmptyRoot() { return Sha256::Of(""); }

uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

Result<Hash> RangeHash(const NodeSource& source, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (IsPowerOfTwo(n) && begin % n == 0) {
    return source.Node(static_cast<unsigned>(std::countr_zero(n)), begin / n);
  }
  const uint64_t k = SplitPoint(n);
  auto left = RangeHash(source, begin, begin + k);
  if (!left.ok()) return left.status();
  auto right = RangeHash(source, begin + k, end);
  if (!right.ok()) return right.status();
  return NodeHash(left.value(), right.value());
}

Result<Hash> RootAt(const NodeSource& source, uint64_t n) {
  if (n > source.size()) {
    return Status::InvalidArgument("tree size " + std::to_string(n) + " is beyond the tree's " +
                                   std::to_string(source.size()));
  }
  if (n == 0) return EmptyRoot();
  return RangeHash(source, 0, n);
}

Result<std::vector<Hash>> InclusionProof(const NodeSource& source, uint64_t index,
                                         uint64_t tree_size) {
  if (tree_size > source.size()) {
    return Status::InvalidArgument("tree size " + std::to_string(tree_size) +
                                   " is beyond the tree's " + std::to_string(source.size()));
  }
  if (index >= tree_size) {
    return Status::InvalidArgument("leaf " + std::to_string(index) + " is not in a tree of size " +
                                   std::to_string(tree_size));
  }
  std::vector<Hash> proof;
  if (Status s = Path(source, index, 0, tree_size, &proof); !s.ok()) return s;
  return proof;
}

Result<std::vector<Hash>> ConsistencyProof(const NodeSource& source, uint64_t first,
                                           uint64_t second) {
  if (second > source.size()) {
    return Status::InvalidArgument("tree size " + std::to_string(second) +
                                   " is beyond the tree's " + std::to_string(source.size()));
  }
  if (first == 0 || first > second) {
    return Status::InvalidArgument("a consistency proof needs 0 < from <= to (got from " +
                                   std::to_string(first) + ", to " + std::to_string(second) + ")");
  }
  std::vector<Hash> proof;
  if (Status s = Subproof(source, first, 0, second, true, &proof); !s.ok()) return s;
  return proof;
}

bool VerifyInclusion(const Hash& leaf, uint64_t index, uint64_t tree_size,
                     const std::vector<Hash>& proof, const Hash& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) ShiftUntilOddOrZero(&fn, &sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                       const Hash& second_root, const std::vector<Hash>& proof) {
  if (first == 0 || first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  std::vector<Hash> path;
  if (IsPowerOfTwo(first)) path.push_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  if (path.empty()) return false;
  uint64_t fn = first - 1, sn = second - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) ShiftUntilOddOrZero(&fn, &sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

void CompactRange::Add(const Hash& leaf) {
  Hash carry = leaf;
  // Each trailing one bit of the old size is a complete subtree that the new leaf completes.
  for (uint64_t bits = size_; (bits & 1) != 0; bits >>= 1) {
    carry = NodeHash(edge_.back(), carry);
    edge_.pop_back();
  }
  edge_.push_back(carry);
  ++size_;
}

Hash CompactRange::Root() const {
  if (edge_.empty()) return EmptyRoot();
  Hash root = edge_.back();
  for (size_t i = edge_.size() - 1; i-- > 0;) root = NodeHash(edge_[i], root);
  return root;
}

MemoryNodes::MemoryNodes(const std::vector<Hash>& leaves) {
  for (const Hash& leaf : leaves) Add(leaf);
}

void MemoryNodes::Add(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (level + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<Hash>& below = levels_[level];
    levels_[level + 1].push_back(NodeHash(below[below.size() - 2], below.back()));
  }
}

Result<Hash> MemoryNodes::Node(unsigned level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return Status::InvalidArgument("no complete node (" + std::to_string(level) + ", " +
                                   std::to_string(index) + ") in a tree of " +
                                   std::to_string(size()));
  }
  return levels_[level][index];
}

}  // namespace dreichor::evidence
