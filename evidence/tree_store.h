// TreeStore: the audit log's Merkle tree (evidence/merkle.h), kept on disk beside the snapshots so
// that proofs and the startup need no rebuild from the log. Derived state: it is never needed to
// recover the log, and any doubt about it is settled by rebuilding it from the log.
//
// Directory (docs/audit-proofs.md, "The derived tree"):
//   TREE      magic "DRMT", version u32, the log's genesis hash [32], crc32c u32   (44 bytes)
//   leaves    leaf hash i at byte 32·i, for every record (sequence i + 1)
//   level-08  node (8, j) at byte 32·j: every complete subtree of 256 leaves
//   EDGE      size u64, the chain hash of record `size` [32], crc32c u32: written by Close
//
// In memory: the nodes of level 8 and above (n/128 hashes: 2.5 MB for 10 million records) and
// the leaves of the newest incomplete 256-leaf block with their subtrees. A node below level 8
// in an older block is recomputed from at most 128 leaves read from `leaves`.
//
// Files are written without fsync: after a crash they may end short of the log, and Open extends
// them from the log; a tree that disagrees with the log at its last leaf, or belongs to another
// log, is rebuilt. After a clean Close, EDGE lets Open check the tree against the log's last
// chain hash instead of reading the last record (a scan of the active segment).
//
// One writer (the sequencer's thread: Append); any number of readers. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "evidence/merkle.h"
#include "util/env.h"

namespace dreichor::evidence {

// The leaf of one audit record: its body as stored (docs/audit-log-format.md: sequence,
// timestamp_ns, event_id, type, chain, payload), whichever backend stores it.
Hash RecordLeafHash(const audit::Record& record);
Hash RecordLeafHash(const audit::PendingRecord& record, const audit::Digest& chain);

struct TreeHead {
  uint64_t size = 0;
  Hash root{};
};

// What Open found and did, for the startup log line.
struct TreeOpenReport {
  uint64_t loaded = 0;          // leaves taken from the files
  uint64_t extended = 0;        // leaves computed from the log's records
  std::string rebuilt_because;  // empty unless the files were discarded
  bool closed_cleanly = false;  // EDGE matched the log: its last record was not read
};

class TreeStore {
 public:
  static constexpr unsigned kCachedLevel = 8;

  // Opens (or creates) the tree in `dir` for `log` and brings it to the log's last record.
  static Result<std::unique_ptr<TreeStore>> Open(Env* env, const std::string& dir,
                                                 audit::AuditLog& log, TreeOpenReport* report);

  // Adds leaves (the next records, in order) and returns the new head. Single writer.
  Result<TreeHead> Append(const std::vector<Hash>& leaves);
  // After the last Append: syncs the files and writes EDGE, `last_chain` being the chain hash of
  // the last record in the tree.
  Status Close(const audit::Digest& last_chain);

  TreeHead head() const;
  Result<Hash> RootAt(uint64_t tree_size) const;
  Result<Hash> LeafAt(uint64_t index) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second) const;

 private:
  class Nodes;
  TreeStore(Env* env, std::string dir);
  Status Load(const audit::Digest& genesis, audit::AuditLog& log, TreeOpenReport* report);
  Status Reset(const audit::Digest& genesis);
  Status ExtendFromLog(audit::AuditLog& log, TreeOpenReport* report);
  bool EdgeMatches(uint64_t keep, audit::AuditLog& log) const;
  void AddToMemory(const Hash& leaf);   // GUARDED_BY(mu_) exclusive
  void AddUpperNode(const Hash& node);  // a complete 256-leaf block's root, and what it completes
  Result<Hash> NodeLocked(unsigned level, uint64_t index) const;

  Env* env_;
  std::string dir_;
  std::unique_ptr<WritableFile> leaves_file_;
  std::unique_ptr<WritableFile> level_file_;
  mutable std::shared_mutex mu_;
  uint64_t size_ = 0;                     // GUARDED_BY(mu_)
  std::vector<std::vector<Hash>> upper_;  // GUARDED_BY(mu_): upper_[k] is level kCachedLevel + k
  std::vector<std::vector<Hash>>
      block_;               // GUARDED_BY(mu_): block_[l], levels 0..7 of the newest block
  Hash root_{};             // GUARDED_BY(mu_): root at size_
  uint64_t persisted_ = 0;  // GUARDED_BY(mu_): leaves the files hold
  Status file_error_;       // GUARDED_BY(mu_): the files' first write failure
};

}  // namespace dreichor::evidence
