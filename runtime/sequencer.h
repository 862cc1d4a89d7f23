// Sequencer: the runtime's single writer, and the only place that reads the wall clock.
//
// Commands submitted from any thread are queued. One thread takes everything queued (up to a
// maximum batch), stamps each command with the next sequence number, a timestamp that never goes
// backwards and a UUIDv7 event id, appends the whole batch to the audit log with one fsync, and
// only then applies the commands to the engine, in order, and completes each one's callback with
// its outcome. No command is applied or answered before it is durable.
//
// If the log fails (a write or sync error), the failure is final: every queued command and every
// later one is answered with that error, and healthy() turns false. Stop() refuses new commands,
// finishes the queued ones, and stops the thread.
//
// With a notary, the audit log's Merkle tree is extended with each batch while the log syncs it;
// each answer carries the tree head that covers it, and the batch gets a signed checkpoint after.
//
// Snapshots: after the sequence number passes a multiple of `snapshot_every`, the engine state is
// serialised on the sequencer thread and handed to a writer thread that compresses and syncs it,
// off the command path; a snapshot still being written makes the next one wait for the next
// multiple.
//
//   Sequencer seq(Clock::Real(), log, std::move(engine), last_timestamp_ns, options);
//   seq.Submit(command, [](const CommandResult& r) { ... });   // from any thread
//   seq.Read([](const engine::Engine& e) { return e.GetDepth(1, 10); });
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

#include "audit/audit_log.h"
#include "audit/event_id.h"
#include "engine/engine.h"
#include "evidence/notary.h"
#include "runtime/state_view.h"
#include "snapshot/snapshot_store.h"
#include "util/clock.h"

namespace dreichor::runtime {

struct CommandResult {
  Status status;  // ok: durable and applied; else why the command was not (nothing happened)
  uint64_t sequence = 0;
  int64_t timestamp_ns = 0;
  audit::EventId event_id{};
  engine::Outcome outcome;
  std::vector<engine::Event> events;
  // The audit tree after the command's batch (docs/audit-proofs.md): the checkpoint that covers
  // it. Size 0 without a notary.
  evidence::TreeHead tree;
};

using CommandCallback = std::function<void(const CommandResult&)>;

// Told about durable batches and snapshots, for metrics. Called on the sequencer's threads:
// implementations must be quick and thread-safe.
class SequencerObserver {
 public:
  virtual ~SequencerObserver() = default;
  // A batch of `records` became durable; the append (write + fsync) took `append_ns`.
  virtual void OnBatchDurable(size_t records, int64_t append_ns) = 0;
  // A snapshot at `sequence` was written (or failed) and took `duration_ns`; the writer is free
  // for the next one when this is called.
  virtual void OnSnapshot(bool ok, uint64_t sequence, int64_t duration_ns) = 0;
  // The audit log failed (once; the sequencer accepts nothing durable afterwards).
  virtual void OnLogFailed(const Status& why) = 0;
};

// Receives every batch that became durable and was applied, with its records, results and the
// chain hash of its last record, in sequence order (the record stream, stream/record_hub.h). Called
// on the sequencer's thread after the batch's commands were answered: it must hand the batch over
// and return, never block.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  virtual void OnCommitted(std::vector<audit::PendingRecord> records,
                           std::vector<CommandResult> results, const audit::Digest& last_chain) = 0;
};

struct SequencerOptions {
  size_t max_batch = 4096;
  uint64_t snapshot_every = 0;  // 0: no snapshots
  snapshot::SnapshotStore* snapshots = nullptr;
  RandomSource* random = RandomSource::System();  // for event ids
  SequencerObserver* observer = nullptr;
  CommitListener* committed = nullptr;
  // Extends the audit tree with every batch (evidence/notary.h) and signs its checkpoints.
  evidence::Notary* notary = nullptr;
};

struct SequencerStats {
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> last_batch_size{0};
  std::atomic<uint64_t> append_ns_total{0};
  std::atomic<uint64_t> snapshots_written{0};
  std::atomic<uint64_t> snapshots_failed{0};
};

class Sequencer final : public StateView {
 public:
  // Continues the log: `engine` must hold the state after the log's last record (replay),
  // and `last_timestamp_ns` is that record's timestamp.
  Sequencer(Clock* clock, audit::AuditLog* log, std::unique_ptr<engine::Engine> engine,
            int64_t last_timestamp_ns, SequencerOptions options);
  ~Sequencer() override;
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  void Submit(engine::Command command, CommandCallback done);
  // Queues several commands under one lock, in this order: when the sequencer is idle and they
  // fit in max_batch they are one batch (one append, one fsync). For deterministic drivers (the
  // simulator), whose batches must not depend on thread timing.
  void SubmitTogether(std::vector<std::pair<engine::Command, CommandCallback>> commands);

  // Reads (StateView) run under a shared lock: never concurrently with a batch being applied,
  // and the position is the last record applied, consistent with what the engine shows.
  void Visit(const std::function<void(const engine::Engine&, const Position&)>& f) const override {
    std::shared_lock<std::shared_mutex> lock(engine_mu_);
    f(static_cast<const engine::Engine&>(*engine_), applied_);
  }

  // Refuses new commands, completes the queued ones, waits for a snapshot in progress, stops.
  void Stop();
  // After Stop(): writes a snapshot of the final state (needs `snapshots` in the options).
  Status SnapshotNow();
  // False once the audit log has failed.
  bool healthy() const { return healthy_.load(); }
  uint64_t last_sequence() const { return last_sequence_.load(); }
  const SequencerStats& stats() const { return stats_; }

 private:
  struct Pending {
    engine::Command command;
    CommandCallback done;
  };

  void Enqueue(std::vector<Pending> pending);
  void Run();
  void Process(std::vector<Pending>& batch);
  void FailAll(std::vector<Pending>& batch, const Status& why);
  void MaybeSnapshot(uint64_t before, uint64_t after);
  void WriteSnapshots();
  Status WriteSnapshot(const snapshot::SnapshotMeta& meta, std::string_view state);
  void ObserveSnapshot(const Status& written, uint64_t sequence,
                       std::chrono::steady_clock::time_point started);

  Clock* clock_;
  audit::AuditLog* log_;
  std::unique_ptr<engine::Engine> engine_;
  mutable std::shared_mutex engine_mu_;
  Position applied_;  // GUARDED_BY(engine_mu_)
  SequencerOptions options_;
  audit::EventIdGenerator ids_;
  int64_t last_timestamp_ns_;
  std::atomic<uint64_t> last_sequence_;
  std::atomic<bool> healthy_{true};
  SequencerStats stats_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;       // GUARDED_BY(mu_)
  Status failed_;               // GUARDED_BY(mu_): the log's failure, once it happened

  // Snapshot hand-off to the writer thread.
  std::mutex snap_mu_;
  std::condition_variable snap_wake_;
  bool snap_pending_ = false;         // GUARDED_BY(snap_mu_)
  bool snap_stop_ = false;            // GUARDED_BY(snap_mu_)
  snapshot::SnapshotMeta snap_meta_;  // GUARDED_BY(snap_mu_)
  std::string snap_state_;            // GUARDED_BY(snap_mu_)

  std::thread thread_;
  std::thread snapshot_thread_;
};

}  // namespace dreichor::runtime
