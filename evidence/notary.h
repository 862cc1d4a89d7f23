// Notary: the audit log's Merkle tree kept current with every group commit, and a signed
// checkpoint of it after every one (docs/audit-proofs.md).
//
// Its own thread does the hashing while the log syncs, so the tree costs the command path little
// more than the wait for it. The sequencer calls, on its thread, for every batch in order:
//   notary.Start(&records);                    // the worker extends the tree from here on
//   Status s = log.Append(records);            // the records stay unchanged until Finish
//   TreeHead head = notary.Finish(s.ok());     // waits for the worker; each answer carries head
//   ... answer the batch's commands ...
//   notary.Answered();                         // the worker signs head's checkpoint
// A batch the log failed to make durable ends the notary's work: no checkpoint is signed after
// it, and head() stays at the last durable batch (the tree's files may hold it; a restart cuts
// them to the log).
//
// Every head is signed in order; if signing falls more than kMaxUnsigned heads behind, the
// oldest are skipped (counted) and the newest signed. The newest signed checkpoint is also written
// to `checkpoint_file` (temporary file, rename) once its batch's last record is `write_every_ns`
// after the last one written, and by Flush() at shutdown (synced), for the shipping tool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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
  std::atomic<uint64_t> checkpoints_skipped{0};
  std::atomic<uint64_t> checkpoint_file_failures{0};
  std::atomic<int64_t> sign_ns_total{0};
};

class Notary {
 public:
  static constexpr size_t kMaxUnsigned = 64;

  // `tree` must hold every record up to the one whose chain hash is `last_chain`. Signs a
  // checkpoint of the tree as it is before the first batch.
  Notary(Env* env, std::unique_ptr<TreeStore> tree, const audit::Digest& last_chain,
         NotaryOptions options);
  // Signs what is queued, then stops the worker.
  ~Notary();
  Notary(const Notary&) = delete;
  Notary& operator=(const Notary&) = delete;

  // The sequencer's thread only, in the order above.
  void Start(const std::vector<audit::PendingRecord>* records);
  TreeHead Finish(bool durable);
  void Answered();
  // Waits until every answered head is signed, closes the tree (TreeStore::Close), then writes the
  // newest checkpoint to the file and syncs it (at shutdown, after the sequencer stopped).
  Status Flush();

  const TreeStore& tree() const { return *tree_; }
  // The tree of every durable record: proofs are answered up to its size.
  TreeHead head() const;
  bool signing() const { return signer_ != nullptr; }
  // The signing key's name (the checkpoints' origin) and verifier key; empty when not signing.
  std::string origin() const { return signer_ ? signer_->name() : std::string(); }
  std::string verifier_key() const { return signer_ ? signer_->VerifierKey() : std::string(); }
  // The newest signed checkpoint (a signed note), or nullopt when not signing.
  std::optional<std::string> LatestCheckpoint() const;
  const NotaryStats& stats() const { return stats_; }

 private:
  struct Unsigned {
    TreeHead head;
    int64_t last_timestamp_ns = 0;
  };

  void Work();
  TreeHead Extend(const std::vector<audit::PendingRecord>& records);
  void Sign(const Unsigned& next);
  Status WriteCheckpointFile(const std::string& note, bool sync);

  Env* env_;
  std::unique_ptr<TreeStore> tree_;
  audit::Digest chain_;  // the worker's: the last record given to the tree
  std::unique_ptr<NoteSigner> signer_;
  std::string checkpoint_file_;
  int64_t write_every_ns_;
  int64_t last_written_ns_ = INT64_MIN / 2;  // the worker's
  uint64_t last_written_size_ = UINT64_MAX;  // the worker's

  mutable std::mutex mu_;
  std::condition_variable wake_;      // the worker: a batch, a head to sign, or stop
  std::condition_variable extended_;  // the sequencer: the batch is in the tree
  const std::vector<audit::PendingRecord>* batch_ = nullptr;  // GUARDED_BY(mu_)
  bool batch_done_ = false;                                   // GUARDED_BY(mu_)
  TreeHead extended_head_;                                    // GUARDED_BY(mu_)
  TreeHead durable_head_;                                     // GUARDED_BY(mu_)
  int64_t durable_timestamp_ns_ = 0;                          // GUARDED_BY(mu_)
  bool failed_ = false;                                       // GUARDED_BY(mu_)
  std::deque<Unsigned> unsigned_;                             // GUARDED_BY(mu_)
  bool signing_now_ = false;                                  // GUARDED_BY(mu_)
  bool stop_ = false;                                         // GUARDED_BY(mu_)
  std::shared_ptr<const std::string> latest_;                 // GUARDED_BY(mu_)
  std::condition_variable idle_;                              // Flush: nothing left to sign
  NotaryStats stats_;
  std::thread worker_;
};

}  // namespace dreichor::evidence
