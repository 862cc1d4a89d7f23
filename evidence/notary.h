// Notary: the audit log's Merkle tree kept current with every group commit, and a signed
// checkpoint of it after every one (docs/audit-proofs.md).
//
// The sequencer calls, on its thread, for every batch the log made durable:
//   TreeHead head = notary.Durable(records);   // before answering: each answer carries head
//   ... answer the batch's commands ...
//   notary.Answered();                         // signs the checkpoint of head
// Readers (the proof routes) call the const methods from any thread.
//
// The newest signed checkpoint is also written to `checkpoint_file` (write to a temporary file,
// rename) when the batch's last record is at least `write_every_ns` after the last one written,
// and by Flush() at shutdown (synced), for the shipping tool to witness.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "evidence/checkpoint.h"
#include "evidence/note_key.h"
#include "evidence/tree_store.h"
#include "util/env.h"

namespace dreichor::evidence {

struct NotaryOptions {
  std::unique_ptr<NoteSigner> signer;  // null: heads are computed but never signed
  std::string checkpoint_file;         // empty: none written
  int64_t write_every_ns = 1'000'000'000;
};

struct NotaryStats {
  std::atomic<uint64_t> checkpoints_signed{0};
  std::atomic<uint64_t> checkpoint_files_written{0};
  std::atomic<uint64_t> checkpoint_file_failures{0};
  std::atomic<int64_t> sign_ns_total{0};
};

class Notary {
 public:
  // `tree` must hold every record up to the one whose chain hash is `last_chain`.
  Notary(Env* env, std::unique_ptr<TreeStore> tree, const audit::Digest& last_chain,
         NotaryOptions options);

  // The sequencer's thread only.
  TreeHead Durable(const std::vector<audit::PendingRecord>& records);
  void Answered();
  // Writes the newest checkpoint to the file and syncs it (at shutdown).
  Status Flush();

  const TreeStore& tree() const { return *tree_; }
  bool signing() const { return signer_ != nullptr; }
  // The signing key's name (the checkpoints' origin) and verifier key; empty when not signing.
  std::string origin() const { return signer_ ? signer_->name() : std::string(); }
  std::string verifier_key() const { return signer_ ? signer_->VerifierKey() : std::string(); }
  // The newest signed checkpoint (a signed note), or nullopt when not signing.
  std::optional<std::string> LatestCheckpoint() const;
  const NotaryStats& stats() const { return stats_; }

 private:
  Status WriteCheckpointFile(const std::string& note, bool sync);

  Env* env_;
  std::unique_ptr<TreeStore> tree_;
  audit::Digest chain_;
  std::unique_ptr<NoteSigner> signer_;
  std::string checkpoint_file_;
  int64_t write_every_ns_;
  TreeHead head_;                  // sequencer thread
  int64_t last_timestamp_ns_ = 0;  // sequencer thread: the batch's last record
  int64_t last_written_ns_ = INT64_MIN / 2;
  uint64_t last_written_size_ = 0;

  mutable std::mutex mu_;
  std::shared_ptr<const std::string> latest_;  // GUARDED_BY(mu_)
  NotaryStats stats_;
};

}  // namespace dreichor::evidence
