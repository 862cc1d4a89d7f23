#include "runtime/sequencer.h"

#include <chrono>

#include "engine/command_codec.h"

namespace dreichor::runtime {

Sequencer::Sequencer(Clock* clock, audit::AuditLog* log, std::unique_ptr<engine::Engine> engine,
                     int64_t last_timestamp_ns, SequencerOptions options)
    : clock_(clock),
      log_(log),
      engine_(std::move(engine)),
      options_(options),
      ids_(options.random),
      last_timestamp_ns_(last_timestamp_ns),
      last_sequence_(log->last_sequence()) {
  applied_ = Position{log->last_sequence(), log->last_chain()};
  thread_ = std::thread([this] { Run(); });
  if (options_.snapshot_every > 0 && options_.snapshots != nullptr) {
    snapshot_thread_ = std::thread([this] { WriteSnapshots(); });
  }
}

Sequencer::~Sequencer() { Stop(); }

void Sequencer::Submit(engine::Command command, CommandCallback done) {
  std::vector<Pending> one;
  one.push_back(Pending{std::move(command), std::move(done)});
  Enqueue(std::move(one));
}

void Sequencer::SubmitTogether(std::vector<std::pair<engine::Command, CommandCallback>> commands) {
  std::vector<Pending> pending;
  pending.reserve(commands.size());
  for (auto& [command, done] : commands)
    pending.push_back(Pending{std::move(command), std::move(done)});
  Enqueue(std::move(pending));
}

void Sequencer::Enqueue(std::vector<Pending> pending) {
  Status refused;
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (!failed_.ok()) {
      refused = Status::IoError("not durable: the audit log has failed: " + failed_.message());
    } else if (stopping_) {
      refused = Status::FailedPrecondition("shutting down: not accepting commands");
    } else {
      for (Pending& p : pending) queue_.push_back(std::move(p));
      wake_.notify_one();
      return;
    }
  }
  CommandResult result;
  result.status = refused;
  for (Pending& p : pending) p.done(result);
}

void Sequencer::Stop() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> guard(snap_mu_);
    snap_stop_ = true;
  }
  snap_wake_.notify_all();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
}

void Sequencer::Run() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued has been answered
      if (queue_.size() <= options_.max_batch) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    Process(batch);
    batch.clear();
  }
}

void Sequencer::FailAll(std::vector<Pending>& batch, const Status& why) {
  for (Pending& p : batch) {
    CommandResult result;
    result.status = Status::IoError("not durable: the audit log has failed: " + why.message());
    p.done(result);
  }
}

void Sequencer::Process(std::vector<Pending>& batch) {
  if (!healthy_.load()) {
    Status why;
    {
      std::lock_guard<std::mutex> guard(mu_);
      why = failed_;
    }
    FailAll(batch, why);
    return;
  }
  // Stamp: the only clock read in the system, never allowed to go backwards.
  const uint64_t first = last_sequence_.load() + 1;
  std::vector<audit::PendingRecord> records(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    last_timestamp_ns_ = std::max(last_timestamp_ns_, clock_->NowUnixNanos());
    audit::PendingRecord& r = records[i];
    r.sequence = first + i;
    r.timestamp_ns = last_timestamp_ns_;
    r.event_id = ids_.Next(r.timestamp_ns);
    r.type = static_cast<uint16_t>(engine::TypeOf(batch[i].command));
    engine::EncodeCommand(batch[i].command, &r.payload);
  }
  const auto t0 = std::chrono::steady_clock::now();
  // The notary hashes the batch into the audit tree while the log writes and syncs it.
  if (options_.notary != nullptr) options_.notary->Start(&records);
  const Status appended = log_->Append(records);
  const int64_t append_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  const evidence::TreeHead tree =
      options_.notary != nullptr ? options_.notary->Finish(appended.ok()) : evidence::TreeHead{};
  stats_.append_ns_total += static_cast<uint64_t>(append_ns);
  if (!appended.ok()) {
    {
      std::lock_guard<std::mutex> guard(mu_);
      failed_ = appended;
    }
    healthy_.store(false);
    if (options_.observer != nullptr) options_.observer->OnLogFailed(appended);
    FailAll(batch, appended);
    return;
  }
  // Durable: now, and only now, apply and answer.
  std::vector<CommandResult> results(batch.size());
  {
    std::unique_lock<std::shared_mutex> lock(engine_mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      results[i].sequence = records[i].sequence;
      results[i].timestamp_ns = records[i].timestamp_ns;
      results[i].event_id = records[i].event_id;
      results[i].tree = tree;
      results[i].outcome = engine_->Apply(batch[i].command, records[i].timestamp_ns);
      results[i].events = engine_->events();
    }
    applied_ = Position{records.back().sequence, log_->last_chain()};
  }
  const uint64_t before = first - 1, after = first + batch.size() - 1;
  last_sequence_.store(after);
  stats_.batches++;
  stats_.records += batch.size();
  stats_.last_batch_size = batch.size();
  if (options_.observer != nullptr) options_.observer->OnBatchDurable(batch.size(), append_ns);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(results[i]);
  if (options_.notary != nullptr) options_.notary->Answered();
  if (options_.committed != nullptr) {
    options_.committed->OnCommitted(std::move(records), std::move(results), applied_.chain);
  }
  MaybeSnapshot(before, after);
}

void Sequencer::MaybeSnapshot(uint64_t before, uint64_t after) {
  const uint64_t every = options_.snapshot_every;
  if (every == 0 || options_.snapshots == nullptr || after / every == before / every) return;
  {
    std::lock_guard<std::mutex> guard(snap_mu_);
    if (snap_pending_) return;  // the writer is still busy with the previous one
  }
  // Only this thread changes the engine, so reading it here needs no lock; the bytes are the
  // canonical state, so their hash is the state hash, computed by the writer.
  std::string state = engine_->SerializeToString();
  snapshot::SnapshotMeta meta{after, log_->last_chain(), {}, clock_->NowUnixNanos()};
  {
    std::lock_guard<std::mutex> guard(snap_mu_);
    snap_meta_ = meta;
    snap_state_ = std::move(state);
    snap_pending_ = true;
  }
  snap_wake_.notify_one();
}

void Sequencer::WriteSnapshots() {
  for (;;) {
    snapshot::SnapshotMeta meta;
    std::string state;
    {
      std::unique_lock<std::mutex> lock(snap_mu_);
      snap_wake_.wait(lock, [this] { return snap_pending_ || snap_stop_; });
      if (!snap_pending_) return;
      meta = snap_meta_;
      state = std::move(snap_state_);
    }
    // A failure is counted and observed; snapshots are derived data and the log holds all.
    const auto t0 = std::chrono::steady_clock::now();
    const Status written = WriteSnapshot(meta, state);
    {
      std::lock_guard<std::mutex> guard(snap_mu_);
      snap_pending_ = false;
    }
    // Observed after the writer is free again: an observer that waits for the snapshot before
    // sending more commands (the simulator) knows the next multiple will be taken.
    ObserveSnapshot(written, meta.sequence, t0);
  }
}

void Sequencer::ObserveSnapshot(const Status& written, uint64_t sequence,
                                std::chrono::steady_clock::time_point started) {
  if (options_.observer == nullptr) return;
  const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  options_.observer->OnSnapshot(written.ok(), sequence, ns);
}

Status Sequencer::WriteSnapshot(const snapshot::SnapshotMeta& meta, std::string_view state) {
  snapshot::SnapshotMeta stamped = meta;
  stamped.state_hash = Sha256::Of(state);
  Status written = options_.snapshots->Write(stamped, state);
  if (written.ok()) {
    stats_.snapshots_written++;
  } else {
    stats_.snapshots_failed++;
  }
  return written;
}

Status Sequencer::SnapshotNow() {
  if (options_.snapshots == nullptr) return Status::FailedPrecondition("no snapshot store");
  if (thread_.joinable()) return Status::FailedPrecondition("the sequencer is still running");
  if (!healthy_.load()) return Status::FailedPrecondition("the audit log has failed");
  std::string state = engine_->SerializeToString();
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t sequence = last_sequence_.load();
  const Status written = WriteSnapshot(
      snapshot::SnapshotMeta{sequence, log_->last_chain(), {}, clock_->NowUnixNanos()}, state);
  ObserveSnapshot(written, sequence, t0);
  return written;
}

}  // namespace dreichor::runtime
