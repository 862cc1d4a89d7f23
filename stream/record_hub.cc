#include "stream/record_hub.h"

#include <algorithm>

#include "stream/catch_up.h"
#include "stream/cloudevents.h"
#include "stream/stream_message.h"

namespace dreichor::stream {

namespace {

using Connection = http::WebSocketConnection;

audit::Record AsRecord(const audit::PendingRecord& p, const audit::Digest& chain) {
  audit::Record r;
  r.sequence = p.sequence;
  r.timestamp_ns = p.timestamp_ns;
  r.event_id = p.event_id;
  r.type = p.type;
  r.chain = chain;
  r.payload = p.payload;
  return r;
}

std::shared_ptr<const std::string> Share(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

std::vector<const std::string*> Pointers(const std::vector<std::string>& events) {
  std::vector<const std::string*> parts;
  parts.reserve(events.size());
  for (const std::string& e : events) parts.push_back(&e);
  return parts;
}

}  // namespace

RecordHub::RecordHub(audit::AuditLog* log, const snapshot::SnapshotStore* snapshots,
                     uint64_t last_sequence, const audit::Digest& last_chain, std::string source,
                     Clock* clock, JsonLog* json_log, RecordHubOptions options)
    : log_(log),
      snapshots_(snapshots),
      source_(std::move(source)),
      clock_(clock),
      json_log_(json_log),
      options_(options),
      head_(last_sequence),
      chain_(last_chain),
      processed_(last_sequence) {}

RecordHub::~RecordHub() { Stop(); }

void RecordHub::Start(const runtime::StateView* view) {
  view_ = view;
  next_heartbeat_ = std::chrono::steady_clock::now() + options_.heartbeat_every;
  thread_ = std::thread([this] { Run(); });
}

void RecordHub::Stop() {
  {
    std::lock_guard<std::mutex> lock(input_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  input_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_lock<std::mutex> lock(live_mu_);
  closed_ = true;
  for (auto& c : live_) c->Close(http::kCloseGoingAway, "the runtime is shutting down");
  live_.clear();
  stats_.live = 0;
  catch_up_done_.wait(lock, [this] { return catch_up_threads_ == 0; });
}

uint64_t RecordHub::processed() const {
  std::lock_guard<std::mutex> lock(live_mu_);
  return processed_;
}

void RecordHub::OnCommitted(std::vector<audit::PendingRecord> records,
                            std::vector<runtime::CommandResult> results,
                            const audit::Digest& last_chain) {
  if (records.empty()) return;
  head_.store(records.back().sequence);
  {
    std::lock_guard<std::mutex> lock(input_mu_);
    if (input_records_ + records.size() > options_.max_backlog_records) {
      dropped_through_ = records.back().sequence;
      dropped_chain_ = last_chain;
      input_.clear();
      input_records_ = 0;
      return;
    }
    input_records_ += records.size();
    input_.push_back(Committed{std::move(records), std::move(results)});
  }
  input_cv_.notify_one();
}

void RecordHub::Run() {
  for (;;) {
    std::deque<Committed> input;
    uint64_t dropped_through = 0;
    audit::Digest dropped_chain{};
    {
      std::unique_lock<std::mutex> lock(input_mu_);
      input_cv_.wait_until(lock, next_heartbeat_, [this] {
        return stopping_ || !input_.empty() || dropped_through_ != 0;
      });
      if (stopping_ && input_.empty()) return;
      input.swap(input_);
      input_records_ = 0;
      dropped_through = std::exchange(dropped_through_, 0);
      dropped_chain = dropped_chain_;
    }
    if (dropped_through != 0) RecoverFromDrop(dropped_through, dropped_chain);
    Publish(input);
    MaybeHeartbeat();
  }
}

void RecordHub::RecoverFromDrop(uint64_t through, const audit::Digest& chain) {
  std::vector<std::shared_ptr<Connection>> closing;
  {
    std::lock_guard<std::mutex> lock(live_mu_);
    closing.swap(live_);
    processed_ = through;
    stats_.live = 0;
  }
  for (auto& c : closing) {
    c->Close(http::kCloseTooSlow, "the stream fell behind; resume from the last sequence received");
  }
  stats_.dropped_slow += closing.size();
  pending_heartbeat_.reset();
  chain_ = chain;
  json_log_->Warn("record stream fell behind the sequencer; live subscribers closed",
                  {{"through_sequence", through}, {"subscribers_closed", closing.size()}});
}

void RecordHub::Publish(std::deque<Committed>& input) {
  size_t first = 0;                   // the first batch not yet sent
  std::vector<audit::Digest> chains;  // of the records of batches first.. so far
  for (size_t b = 0; b < input.size(); ++b) {
    for (const audit::PendingRecord& p : input[b].records) {
      chain_ = audit::ChainHash(chain_, p);
      chains.push_back(chain_);
    }
    const uint64_t last = input[b].records.back().sequence;
    const bool heartbeat_due = pending_heartbeat_ && pending_heartbeat_->first <= last;
    if (!heartbeat_due && b + 1 < input.size()) continue;
    std::string heartbeat;
    if (heartbeat_due && pending_heartbeat_->first == last) {
      heartbeat = std::move(pending_heartbeat_->second);
    }
    if (heartbeat_due) pending_heartbeat_.reset();
    Send(input, first, b, chains, std::move(heartbeat));
    first = b + 1;
    chains.clear();
  }
}

void RecordHub::Send(const std::deque<Committed>& input, size_t first, size_t last_batch,
                     const std::vector<audit::Digest>& chains, std::string heartbeat) {
  const uint64_t last = input[last_batch].records.back().sequence;
  {
    // Nobody to send to, and nobody can subscribe before the position moves: skip encoding.
    std::lock_guard<std::mutex> lock(live_mu_);
    if (live_.empty() && catch_up_threads_ == 0) {
      processed_ = last;
      return;
    }
  }
  std::vector<std::string> events;
  size_t bytes = 0;
  size_t k = 0;
  for (size_t b = first; b <= last_batch; ++b) {
    const Committed& batch = input[b];
    for (size_t i = 0; i < batch.records.size(); ++i, ++k) {
      const runtime::CommandResult& result = batch.results[i];
      events.push_back(CommittedEventJson(AsRecord(batch.records[i], chains[k]), result.outcome,
                                          result.events, source_));
      bytes += events.back().size();
      const bool end = b == last_batch && i + 1 == batch.records.size();
      if (bytes < options_.max_message_bytes && !end) continue;
      if (end && !heartbeat.empty()) {
        events.push_back(std::move(heartbeat));
        stats_.heartbeats++;
      }
      SendLive(Share(JoinBatch(Pointers(events))), batch.records[i].sequence);
      events.clear();
      bytes = 0;
    }
  }
}

void RecordHub::SendLive(std::shared_ptr<const std::string> message, uint64_t last_sequence) {
  std::lock_guard<std::mutex> lock(live_mu_);
  processed_ = last_sequence;
  size_t kept = 0;
  for (auto& c : live_) {
    const auto sent = c->Send(message);
    if (sent == Connection::Sent::kQueued) {
      live_[kept++] = std::move(c);
      continue;
    }
    if (sent == Connection::Sent::kTooSlow) {
      stats_.dropped_slow++;
      json_log_->Warn("record stream subscriber too slow; closed",
                      {{"peer", c->peer()}, {"last_sequence", last_sequence}});
    }
  }
  live_.resize(kept);
  stats_.live = static_cast<int64_t>(kept);
  stats_.messages++;
}

void RecordHub::MaybeHeartbeat() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + options_.heartbeat_every;
  if (view_ == nullptr || pending_heartbeat_ || stats_.live.load() == 0) return;
  runtime::StateView::Position at;
  audit::Digest state{};
  view_->Visit([&](const engine::Engine& e, const runtime::StateView::Position& p) {
    at = p;
    state = e.StateHash();
  });
  std::string event = HeartbeatEvent(at, state);
  if (at.sequence == processed()) {
    stats_.heartbeats++;
    SendLive(Share(JoinBatch({&event})), at.sequence);
  } else {
    pending_heartbeat_.emplace(at.sequence, std::move(event));  // sent after its record
  }
}

std::string RecordHub::HeartbeatEvent(const runtime::StateView::Position& at,
                                      const audit::Digest& state) {
  Heartbeat h;
  h.last_sequence = at.sequence;
  h.head_sequence = std::max(head_.load(), at.sequence);
  h.chain = at.chain;
  h.state_hash = state;
  h.time_ns = clock_->NowUnixNanos();
  return HeartbeatJson(h, source_);
}

Status RecordHub::Subscribe(std::shared_ptr<Connection> connection, uint64_t from) {
  std::lock_guard<std::mutex> lock(live_mu_);
  if (closed_) return Status::FailedPrecondition("the runtime is shutting down");
  const size_t total = live_.size() + catch_up_threads_;
  if (total >= options_.max_subscribers) {
    return Status::FailedPrecondition("the stream's subscriber limit (" +
                                      std::to_string(options_.max_subscribers) +
                                      ") is reached; retry later");
  }
  const uint64_t next = processed_ + 1;
  const StreamStart start{from == 0 ? next : from, log_->genesis()};
  if (from == 0 || from == next) {
    connection->Send(Share("[" + StartJson(start, clock_->NowUnixNanos(), source_) + "]"));
    live_.push_back(std::move(connection));
    stats_.live = static_cast<int64_t>(live_.size());
    stats_.subscribed++;
    return Status::Ok();
  }
  if (from > std::max(next, log_->last_sequence() + 1)) {
    return Status::InvalidArgument("from " + std::to_string(from) + " is beyond the next record, " +
                                   std::to_string(next));
  }
  if (catch_up_threads_ >= options_.max_catching_up) {
    return Status::FailedPrecondition(std::to_string(options_.max_catching_up) +
                                      " subscribers are catching up already; retry later");
  }
  connection->Send(Share("[" + StartJson(start, clock_->NowUnixNanos(), source_) + "]"));
  catch_up_threads_++;
  stats_.catching_up++;
  stats_.subscribed++;
  std::thread([this, connection = std::move(connection), from]() mutable {
    RunCatchUp(std::move(connection), from);
  }).detach();
  return Status::Ok();
}

void RecordHub::RunCatchUp(std::shared_ptr<Connection> connection, uint64_t from) {
  const Status served = CatchUpFromLog(connection, from);
  if (!served.ok()) {
    json_log_->Error("record stream catch-up failed",
                     {{"peer", connection->peer()}, {"from", from}, {"error", served.ToString()}});
    connection->Close(http::kCloseVerifyFailed, "catch-up failed: " + served.message());
  }
  connection.reset();
  std::lock_guard<std::mutex> lock(live_mu_);
  catch_up_threads_--;
  stats_.catching_up--;
  catch_up_done_.notify_all();
}

Status RecordHub::CatchUpFromLog(const std::shared_ptr<Connection>& connection, uint64_t from) {
  auto reader = CatchUpReader::Open(*log_, snapshots_, from, source_);
  if (!reader.ok()) return reader.status();
  std::vector<std::string> events;
  size_t bytes = 0;
  bool gone = false;
  auto flush = [&] {
    if (events.empty()) return;
    gone = connection->Send(Share(JoinBatch(Pointers(events)))) != Connection::Sent::kQueued;
    events.clear();
    bytes = 0;
  };
  // Paced by the subscriber: at most a few messages queued at a time.
  auto wait_for_room = [&] {
    while (!gone && !closed_ && connection->queued_bytes() > 2 * options_.max_message_bytes) {
      if (connection->closing()) gone = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return !gone && !closed_;
  };
  for (;;) {
    const Status read = reader.value()->ReadAvailable([&](std::string event, uint64_t) {
      bytes += event.size();
      events.push_back(std::move(event));
      if (bytes >= options_.max_message_bytes) {
        flush();
        return wait_for_room();
      }
      return true;
    });
    if (!read.ok()) return read;
    flush();
    if (gone || closed_ || !wait_for_room()) return Status::Ok();
    const uint64_t next = reader.value()->next();
    if (JoinLive(connection, next)) return Status::Ok();
    // The log is ahead of the hub (records in flight to it): wait for the hub to pass them.
    if (next > processed() + 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

bool RecordHub::JoinLive(const std::shared_ptr<Connection>& connection, uint64_t next) {
  std::lock_guard<std::mutex> lock(live_mu_);
  if (closed_ || next != processed_ + 1) return false;
  live_.push_back(connection);
  stats_.live = static_cast<int64_t>(live_.size());
  return true;
}

}  // namespace dreichor::stream
