// RecordHub: the runtime's side of the record stream (docs/record-stream.md).
//
// The sequencer hands every durable, applied batch over (runtime::CommitListener) and goes on:
// the hub's own thread encodes the records as CloudEvents and sends them to the live
// subscribers, so the stream never slows the sequencer. Each subscriber has a bounded queue
// (http::WebSocketConnection): one that falls behind by more than its queue is closed with
// kCloseTooSlow and resumes from the last sequence it received. A heartbeat (sequence, chain hash,
// state hash) follows the record it describes every `heartbeat_every`.
//
// A subscriber that starts behind the live tail (`from` older than the next record) is served
// first by a catch-up thread of its own (stream/catch_up.h), which reads the log and replays it
// to give each record its outcome and events, then joins the live subscribers at exactly the
// next record the hub sends: no gap, no duplicate.
//
// If the hub itself falls behind by more than `max_backlog_records` (its thread starved), it
// drops the backlog and closes every live subscriber as too slow rather than grow without bound;
// they resume from the log.
//
// Thread-safe. Stop() before the connections' server is destroyed.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"
#include "http/websocket.h"
#include "runtime/sequencer.h"
#include "runtime/state_view.h"
#include "snapshot/snapshot_store.h"
#include "util/clock.h"
#include "util/json_log.h"

namespace dreichor::stream {

struct RecordHubOptions {
  size_t max_subscribers = 64;
  size_t max_catching_up = 4;  // subscribers being served from the log at once
  std::chrono::milliseconds heartbeat_every{1000};
  size_t max_message_bytes = 1 << 20;  // one WebSocket message (a batch) at most, roughly
  size_t max_backlog_records = 1 << 20;
};

struct RecordHubStats {
  std::atomic<uint64_t> subscribed{0};    // every subscriber accepted
  std::atomic<uint64_t> dropped_slow{0};  // closed because they fell behind
  std::atomic<uint64_t> messages{0};      // batches sent (to all subscribers)
  std::atomic<uint64_t> heartbeats{0};
  std::atomic<int64_t> live{0};  // subscribers now
  std::atomic<int64_t> catching_up{0};
};

class RecordHub final : public runtime::CommitListener {
 public:
  // `log` and `snapshots` (may be null) serve catch-ups; `last_sequence`/`last_chain` are where
  // the sequencer starts; `source` is the CloudEvents source (AuditSourceUri of the log).
  RecordHub(audit::AuditLog* log, const snapshot::SnapshotStore* snapshots, uint64_t last_sequence,
            const audit::Digest& last_chain, std::string source, Clock* clock, JsonLog* json_log,
            RecordHubOptions options);
  ~RecordHub() override;
  RecordHub(const RecordHub&) = delete;
  RecordHub& operator=(const RecordHub&) = delete;

  // Starts the hub's thread; `view` (the sequencer) gives the heartbeats' state hash.
  void Start(const runtime::StateView* view);
  // Closes every subscriber (kCloseGoingAway), stops the catch-ups and the thread. Idempotent.
  void Stop();

  void OnCommitted(std::vector<audit::PendingRecord> records,
                   std::vector<runtime::CommandResult> results,
                   const audit::Digest& last_chain) override;

  // Serves `connection` every record from `from` on (0: from the next record committed).
  // kInvalidArgument when `from` is beyond the next record; kFailedPrecondition at the limits
  // (subscribers, catch-ups) or when stopped.
  Status Subscribe(std::shared_ptr<http::WebSocketConnection> connection, uint64_t from);

  const RecordHubStats& stats() const { return stats_; }
  // The last record the hub has sent to live subscribers (or skipped with none).
  uint64_t processed() const;
  // The first sequence not yet in the log nor sent: the largest `from` Subscribe accepts.
  uint64_t next_sequence() const { return std::max(processed(), log_->last_sequence()) + 1; }

 private:
  struct Committed {
    std::vector<audit::PendingRecord> records;
    std::vector<runtime::CommandResult> results;
  };
  struct CatchUp;

  void Run();
  // Encodes and sends what was handed over, emitting a due heartbeat after its record.
  void Publish(std::deque<Committed>& input);
  // Encodes batches first..last_batch (their chain hashes in `chains`), followed by
  // `heartbeat` when not empty, and sends them, in messages of about max_message_bytes.
  void Send(const std::deque<Committed>& input, size_t first, size_t last_batch,
            const std::vector<audit::Digest>& chains, std::string heartbeat);
  void SendLive(std::shared_ptr<const std::string> message, uint64_t last_sequence);
  void MaybeHeartbeat();
  std::string HeartbeatEvent(const runtime::StateView::Position& at, const audit::Digest& state);
  // After a dropped backlog: closes the live subscribers, continues after `through`, whose
  // chain hash is `chain`.
  void RecoverFromDrop(uint64_t through, const audit::Digest& chain);
  void RunCatchUp(std::shared_ptr<http::WebSocketConnection> connection, uint64_t from);
  Status CatchUpFromLog(const std::shared_ptr<http::WebSocketConnection>& connection,
                        uint64_t from);
  // Adds `connection` to the live set if `next` is the next record the hub sends.
  bool JoinLive(const std::shared_ptr<http::WebSocketConnection>& connection, uint64_t next);

  audit::AuditLog* const log_;
  const snapshot::SnapshotStore* const snapshots_;
  const std::string source_;
  Clock* const clock_;
  JsonLog* const json_log_;
  const RecordHubOptions options_;
  const runtime::StateView* view_ = nullptr;
  RecordHubStats stats_;

  std::mutex input_mu_;
  std::condition_variable input_cv_;
  std::deque<Committed> input_;    // GUARDED_BY(input_mu_)
  size_t input_records_ = 0;       // GUARDED_BY(input_mu_)
  uint64_t dropped_through_ = 0;   // GUARDED_BY(input_mu_): a backlog dropped up to here
  audit::Digest dropped_chain_{};  // GUARDED_BY(input_mu_): the chain hash at dropped_through_
  std::atomic<uint64_t> head_{0};  // the newest sequence handed over by the sequencer
  bool stopping_ = false;          // GUARDED_BY(input_mu_)

  // The hub thread's own: the chain of the last record encoded; a heartbeat waiting for its
  // record; when the next is due.
  audit::Digest chain_{};
  std::optional<std::pair<uint64_t, std::string>> pending_heartbeat_;
  std::chrono::steady_clock::time_point next_heartbeat_{};

  mutable std::mutex live_mu_;
  uint64_t processed_ = 0;                                        // GUARDED_BY(live_mu_)
  std::vector<std::shared_ptr<http::WebSocketConnection>> live_;  // GUARDED_BY(live_mu_)
  size_t catch_up_threads_ = 0;  // GUARDED_BY(live_mu_): running, detached
  std::condition_variable catch_up_done_;
  std::atomic<bool> closed_{false};

  std::thread thread_;
};

}  // namespace dreichor::stream
