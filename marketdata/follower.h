// Follower: an engine that follows the runtime's record stream and proves it agrees.
//
// Each record must be the next sequence, must chain from the one before (its chain hash is
// recomputed from the record's bytes), and, applied to this engine, must give the outcome the
// leader gave. Each heartbeat must carry this engine's chain hash and state hash at the same
// sequence. The first disagreement is final: Apply returns kDataLoss naming the first diverging
// sequence, and `diverged()` stays true; the follower serves nothing from then on (its owner
// exits). An item out of order (a gap, a duplicate) is kInvalidArgument: a protocol problem
// that a new subscription from next() fixes.
//
// Reads (runtime::StateView) take a shared lock and never see half a record. Apply runs on one
// thread; `on_applied`, when set, runs on it after each record while reads still see the state
// before the next one (the market-data feed builds its updates there).
//
//   Follower f(std::move(engine), start);
//   for (item : stream) if (Status s = f.Apply(item); !s.ok()) ...
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "engine/engine.h"
#include "runtime/state_view.h"
#include "snapshot/snapshot_store.h"
#include "stream/stream_parse.h"

namespace dreichor::marketdata {

// Where a follower starts: an engine and the record it includes (0 with the genesis unknown
// until the stream's start says it).
struct FollowerStart {
  std::unique_ptr<engine::Engine> engine;
  runtime::StateView::Position position;
  bool from_snapshot = false;
};

// The newest snapshot in `store` that verifies by itself (checksum, then the state hash of the
// loaded engine), or an empty engine at sequence 0. Snapshots that fail are skipped, each
// adding a warning.
Result<FollowerStart> LoadFollowerStart(const snapshot::SnapshotStore& store,
                                        std::vector<std::string>* warnings);

class Follower final : public runtime::StateView {
 public:
  using OnApplied = std::function<void(const stream::StreamItem& item, const engine::Engine& e,
                                       const std::vector<engine::Event>& events)>;

  explicit Follower(FollowerStart start, OnApplied on_applied = nullptr);

  Status Apply(const stream::StreamItem& item);

  void Visit(const std::function<void(const engine::Engine&, const Position&)>& f) const override;
  // Like Visit, and no record is applied (nor `on_applied` run) while `f` runs: what `f` reads and
  // what `on_applied` is told next are consecutive (a subscription's snapshot, then updates).
  void VisitBetweenRecords(
      const std::function<void(const engine::Engine&, const Position&)>& f) const;

  uint64_t applied() const { return applied_.load(); }
  // The newest sequence the leader has said it committed (records, and heartbeats' head), for
  // the lag in records.
  uint64_t leader_sequence() const { return leader_sequence_.load(); }
  bool diverged() const { return diverged_.load(); }
  // Heartbeats whose hashes were compared and agreed.
  uint64_t heartbeats_verified() const { return heartbeats_verified_.load(); }
  // The timestamp of the last record applied (the leader's clock), for the delay.
  int64_t last_record_time_ns() const { return last_record_time_ns_.load(); }

  // The engine's state now and its position, for a snapshot (shared lock).
  snapshot::SnapshotMeta SnapshotMetaAndState(std::string* state) const;

 private:
  Status Diverged(uint64_t sequence, const std::string& what);
  Status ApplyRecord(const stream::StreamItem& item);
  Status CheckHeartbeat(const stream::Heartbeat& heartbeat);

  std::unique_ptr<engine::Engine> engine_;
  mutable std::mutex apply_mu_;  // held by ApplyRecord throughout, and by VisitBetweenRecords
  mutable std::shared_mutex mu_;
  Position position_;           // GUARDED_BY(mu_)
  bool genesis_known_ = false;  // apply thread only: position_.chain is the real chain
  OnApplied on_applied_;
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> leader_sequence_{0};
  std::atomic<bool> diverged_{false};
  std::atomic<uint64_t> heartbeats_verified_{0};
  std::atomic<int64_t> last_record_time_ns_{0};
};

}  // namespace dreichor::marketdata
