#include "evidence/tree_store.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "util/atomic_file.h"
#include "util/byte_io.h"
#include "util/crc32c.h"

namespace dreichor::evidence {
namespace {

constexpr char kHeaderFile[] = "TREE";
constexpr char kLeavesFile[] = "leaves";
constexpr char kLevelFile[] = "level-08";
constexpr char kEdgeFile[] = "EDGE";
constexpr char kMagic[] = "DRMT";
constexpr uint32_t kVersion = 1;
constexpr uint64_t kBlock = uint64_t{1} << TreeStore::kCachedLevel;
constexpr size_t kHashSize = 32;
constexpr uint64_t kExtendBatch = 4096;

std::string EncodeHeader(const audit::Digest& genesis) {
  std::string out(kMagic, 4);
  AppendFixed<uint32_t>(&out, kVersion);
  out.append(reinterpret_cast<const char*>(genesis.data()), genesis.size());
  AppendFixed<uint32_t>(&out, crc32c::Value(out));
  return out;
}

std::string_view Bytes(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

Hash HashAt(std::string_view bytes, size_t i) {
  Hash h;
  std::memcpy(h.data(), bytes.data() + i * kHashSize, kHashSize);
  return h;
}

// MTH of 2^k leaves given as consecutive hashes.
Hash SubtreeOf(std::string_view leaves) {
  std::vector<Hash> level;
  for (size_t i = 0; i < leaves.size() / kHashSize; ++i) level.push_back(HashAt(leaves, i));
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size() / 2; ++i)
      level[i] = NodeHash(level[2 * i], level[2 * i + 1]);
    level.resize(level.size() / 2);
  }
  return level[0];
}

}  // namespace

Hash RecordLeafHash(const audit::PendingRecord& record, const audit::Digest& chain) {
  // The body's fixed part, then the payload: the bytes AppendRecord stores after the framing.
  char fixed[1 + 8 + 8 + 16 + 2 + 32];
  fixed[0] = 0x00;  // RFC 9162's leaf prefix
  EncodeFixed<uint64_t>(fixed + 1, record.sequence);
  EncodeFixed<uint64_t>(fixed + 9, static_cast<uint64_t>(record.timestamp_ns));
  std::memcpy(fixed + 17, record.event_id.data(), 16);
  EncodeFixed<uint16_t>(fixed + 33, record.type);
  std::memcpy(fixed + 35, chain.data(), 32);
  thread_local Sha256 h;
  h.Reset();
  h.Update(fixed, sizeof fixed);
  h.Update(record.payload);
  return h.Finish();
}

Hash RecordLeafHash(const audit::Record& record) {
  audit::PendingRecord pending{record.sequence, record.timestamp_ns, record.event_id, record.type,
                               record.payload};
  return RecordLeafHash(pending, record.chain);
}

// The tree as a NodeSource for the proof functions; the caller holds mu_.
class TreeStore::Nodes final : public NodeSource {
 public:
  explicit Nodes(const TreeStore& tree) : tree_(tree) {}
  uint64_t size() const override { return tree_.size_; }
  Result<Hash> Node(unsigned level, uint64_t index) const override {
    return tree_.NodeLocked(level, index);
  }

 private:
  const TreeStore& tree_;
};

TreeStore::TreeStore(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}

Result<std::unique_ptr<TreeStore>> TreeStore::Open(Env* env, const std::string& dir,
                                                   audit::AuditLog& log, TreeOpenReport* report) {
  std::unique_ptr<TreeStore> tree(new TreeStore(env, dir));
  if (Status s = tree->Load(log.genesis(), log, report); !s.ok()) {
    const std::string why = "the audit tree in " + dir + ": " + s.message();
    return s.code() == StatusCode::kCorruption ? Status::Corruption(why) : Status::IoError(why);
  }
  return tree;
}

Status TreeStore::Reset(const audit::Digest& genesis) {
  for (const char* name : {kEdgeFile, kLeavesFile, kLevelFile, kHeaderFile}) {
    const std::string path = dir_ + "/" + name;
    if (env_->FileExists(path)) {
      if (Status s = env_->RemoveFile(path); !s.ok()) return s;
    }
  }
  Status s = WriteFileAtomically(env_, dir_ + "/" + kHeaderFile, EncodeHeader(genesis));
  for (const char* name : {kLeavesFile, kLevelFile}) {
    if (!s.ok()) break;
    auto empty = env_->NewWritableFile(dir_ + "/" + name);
    s = empty.ok() ? empty.value()->Close() : empty.status();
  }
  return s.ok() ? env_->SyncDir(dir_) : s;
}

// EDGE: size:u64, the chain hash of record `size`:[32], crc32c:u32 — written at a clean close.
bool TreeStore::EdgeMatches(uint64_t keep, audit::AuditLog& log) const {
  std::string edge;
  if (keep != log.last_sequence() || !env_->ReadFile(dir_ + "/" + kEdgeFile, &edge).ok() ||
      edge.size() != 8 + 32 + 4 ||
      DecodeFixed<uint32_t>(edge.data() + 40) != crc32c::Value(edge.data(), 40) ||
      DecodeFixed<uint64_t>(edge.data()) != keep) {
    return false;
  }
  const audit::Digest chain = log.last_chain();
  return std::memcmp(edge.data() + 8, chain.data(), chain.size()) == 0;
}

Status TreeStore::Close(const audit::Digest& last_chain) {
  std::string edge;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!file_error_.ok()) return file_error_;
    AppendFixed<uint64_t>(&edge, size_);
  }
  edge.append(reinterpret_cast<const char*>(last_chain.data()), last_chain.size());
  AppendFixed<uint32_t>(&edge, crc32c::Value(edge));
  // The files EDGE vouches for are durable before it is.
  Status s = leaves_file_->Sync();
  if (s.ok()) s = level_file_->Sync();
  return s.ok() ? WriteFileAtomically(env_, dir_ + "/" + kEdgeFile, edge) : s;
}

Status TreeStore::Load(const audit::Digest& genesis, audit::AuditLog& log, TreeOpenReport* report) {
  if (Status s = env_->CreateDirs(dir_); !s.ok()) return s;
  const std::string header_path = dir_ + "/" + kHeaderFile;
  std::string header;
  if (!env_->FileExists(header_path)) {
    if (Status s = Reset(genesis); !s.ok()) return s;
  } else if (!env_->ReadFile(header_path, &header).ok() || header != EncodeHeader(genesis)) {
    report->rebuilt_because = "TREE is damaged or belongs to another log";
    if (Status s = Reset(genesis); !s.ok()) return s;
  }
  const std::string leaves_path = dir_ + "/" + kLeavesFile;
  const std::string level_path = dir_ + "/" + kLevelFile;
  auto leaves_bytes = env_->FileSize(leaves_path);
  auto level_bytes = env_->FileSize(level_path);
  if (!leaves_bytes.ok()) return leaves_bytes.status();
  if (!level_bytes.ok()) return level_bytes.status();
  uint64_t keep = std::min(leaves_bytes.value() / kHashSize, log.last_sequence());
  report->closed_cleanly = keep > 0 && EdgeMatches(keep, log);
  if (keep > 0 && !report->closed_cleanly) {
    // The last leaf kept must be the log's record there: a tree of another history is discarded.
    std::string last;
    Status s = env_->ReadRange(leaves_path, (keep - 1) * kHashSize, kHashSize, &last);
    auto reader = log.ReadFrom(keep);
    if (!reader.ok()) return reader.status();
    audit::Record record;
    auto more = reader.value()->Next(&record);
    if (!more.ok()) return more.status();
    if (!s.ok() || last.size() != kHashSize || !more.value() ||
        Bytes(RecordLeafHash(record)) != last) {
      report->rebuilt_because = "its leaf " + std::to_string(keep) + " is not the log's record";
      if (Status r = Reset(genesis); !r.ok()) return r;
      keep = 0;
    }
  }
  const uint64_t blocks = keep / kBlock;
  const uint64_t level_kept = std::min(level_bytes.value() / kHashSize, blocks);
  if (Status s = env_->TruncateFile(leaves_path, keep * kHashSize); !s.ok()) return s;
  if (Status s = env_->TruncateFile(level_path, level_kept * kHashSize); !s.ok()) return s;
  auto leaves_file = env_->NewAppendableFile(leaves_path);
  if (!leaves_file.ok()) return leaves_file.status();
  auto level_file = env_->NewAppendableFile(level_path);
  if (!level_file.ok()) return level_file.status();
  leaves_file_ = std::move(leaves_file.value());
  level_file_ = std::move(level_file.value());

  std::unique_lock<std::shared_mutex> lock(mu_);
  upper_.assign(1, {});
  std::string bytes;
  if (Status s = env_->ReadFile(level_path, &bytes); !s.ok()) return s;
  std::vector<Hash> nodes;
  for (uint64_t j = 0; j < level_kept; ++j) nodes.push_back(HashAt(bytes, j));
  // Level-8 nodes the crash kept from the file: recomputed from their leaves.
  for (uint64_t j = level_kept; j < blocks; ++j) {
    if (Status s = env_->ReadRange(leaves_path, j * kBlock * kHashSize, kBlock * kHashSize, &bytes);
        !s.ok()) {
      return s;
    }
    nodes.push_back(SubtreeOf(bytes));
    if (Status s = level_file_->Append(Bytes(nodes.back())); !s.ok()) return s;
  }
  upper_[0].reserve(nodes.size());
  size_ = 0;
  block_.assign(kCachedLevel, {});
  for (const Hash& node : nodes) {
    AddUpperNode(node);
    size_ += kBlock;
  }
  if (Status s = env_->ReadRange(leaves_path, blocks * kBlock * kHashSize,
                                 (keep - blocks * kBlock) * kHashSize, &bytes);
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < bytes.size() / kHashSize; ++i) AddToMemory(HashAt(bytes, i));
  persisted_ = size_;
  auto root = evidence::RootAt(Nodes(*this), size_);
  if (!root.ok()) return root.status();
  root_ = root.value();
  report->loaded = size_;
  lock.unlock();
  return ExtendFromLog(log, report);
}

Status TreeStore::ExtendFromLog(audit::AuditLog& log, TreeOpenReport* report) {
  const uint64_t from = head().size + 1;
  if (from > log.last_sequence()) return Status::Ok();
  auto reader = log.ReadFrom(from);
  if (!reader.ok()) return reader.status();
  std::vector<Hash> leaves;
  audit::Record record;
  for (;;) {
    auto more = reader.value()->Next(&record);
    if (!more.ok()) return more.status();
    if (more.value()) leaves.push_back(RecordLeafHash(record));
    if (leaves.size() == kExtendBatch || (!more.value() && !leaves.empty())) {
      if (auto head = Append(leaves); !head.ok()) return head.status();
      report->extended += leaves.size();
      leaves.clear();
    }
    if (!more.value()) return Status::Ok();
  }
}

void TreeStore::AddUpperNode(const Hash& node) {
  upper_[0].push_back(node);
  for (size_t k = 0; upper_[k].size() % 2 == 0; ++k) {
    if (k + 1 == upper_.size()) upper_.emplace_back();
    upper_[k + 1].push_back(NodeHash(upper_[k][upper_[k].size() - 2], upper_[k].back()));
  }
}

void TreeStore::AddToMemory(const Hash& leaf) {
  block_[0].push_back(leaf);
  for (size_t l = 0; block_[l].size() % 2 == 0; ++l) {
    const Hash node = NodeHash(block_[l][block_[l].size() - 2], block_[l].back());
    if (l + 1 < kCachedLevel) {
      block_[l + 1].push_back(node);
      continue;
    }
    // The block is complete: its root is the next level-8 node.
    AddUpperNode(node);
    for (std::vector<Hash>& level : block_) level.clear();
    break;
  }
  ++size_;
}

Result<TreeHead> TreeStore::Append(const std::vector<Hash>& leaves) {
  std::string leaf_bytes, node_bytes;
  leaf_bytes.reserve(leaves.size() * kHashSize);
  for (const Hash& leaf : leaves) leaf_bytes += Bytes(leaf);
  std::unique_lock<std::shared_mutex> lock(mu_);
  const size_t nodes_before = upper_[0].size();
  for (const Hash& leaf : leaves) AddToMemory(leaf);
  for (size_t j = nodes_before; j < upper_[0].size(); ++j) node_bytes += Bytes(upper_[0][j]);
  // The files are derived; a failure stops their writing (proofs reaching past what they hold
  // fail with it) but never the tree in memory, whose roots need only its upper levels.
  if (file_error_.ok()) {
    file_error_ = leaves_file_->Append(leaf_bytes);
    if (file_error_.ok() && !node_bytes.empty()) file_error_ = level_file_->Append(node_bytes);
    if (file_error_.ok()) persisted_ = size_;
  }
  auto root = evidence::RootAt(Nodes(*this), size_);
  if (!root.ok()) return root.status();
  root_ = root.value();
  return TreeHead{size_, root_};
}

TreeHead TreeStore::head() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return TreeHead{size_, root_};
}

Result<Hash> TreeStore::NodeLocked(unsigned level, uint64_t index) const {
  if (level >= kCachedLevel) {
    const size_t k = level - kCachedLevel;
    if (k < upper_.size() && index < upper_[k].size()) return upper_[k][index];
    return Status::InvalidArgument("no complete node at level " + std::to_string(level));
  }
  const uint64_t first = index << level;
  const uint64_t block_start = size_ - block_[0].size();
  if (first >= block_start) {
    const uint64_t i = index - (block_start >> level);
    if (i < block_[level].size()) return block_[level][i];
    return Status::InvalidArgument("no complete node at level " + std::to_string(level));
  }
  const uint64_t count = uint64_t{1} << level;
  if (first + count > persisted_) {
    return Status::IoError("the tree's leaves file stopped at leaf " + std::to_string(persisted_) +
                           " (" + file_error_.message() + "); a restart rebuilds it");
  }
  std::string bytes;
  if (Status s =
          env_->ReadRange(dir_ + "/" + kLeavesFile, first * kHashSize, count * kHashSize, &bytes);
      !s.ok()) {
    return s;
  }
  if (bytes.size() != count * kHashSize) {
    return Status::Corruption("the tree's leaves file is shorter than its " +
                              std::to_string(persisted_) + " leaves");
  }
  return SubtreeOf(bytes);
}

Result<Hash> TreeStore::RootAt(uint64_t tree_size) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return evidence::RootAt(Nodes(*this), tree_size);
}

Result<Hash> TreeStore::LeafAt(uint64_t index) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (index >= size_) return Status::InvalidArgument("no leaf " + std::to_string(index));
  return NodeLocked(0, index);
}

Result<std::vector<Hash>> TreeStore::InclusionProof(uint64_t index, uint64_t tree_size) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return evidence::InclusionProof(Nodes(*this), index, tree_size);
}

Result<std::vector<Hash>> TreeStore::ConsistencyProof(uint64_t first, uint64_t second) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return evidence::ConsistencyProof(Nodes(*this), first, second);
}

}  // namespace dreichor::evidence
