#include "marketdata/leader_link.h"

#include "stream/stream_parse.h"

namespace dreichor::marketdata {

LeaderLink::LeaderLink(Follower* follower, LeaderLinkOptions options, Clock* clock, JsonLog* log)
    : follower_(follower), options_(options), clock_(clock), log_(log) {
  last_snapshot_ = follower->applied();
}

LeaderLink::~LeaderLink() { Stop(); }

void LeaderLink::Start(std::function<void(const Status&)> on_fatal) {
  on_fatal_ = std::move(on_fatal);
  thread_ = std::thread([this] { Run(); });
}

void LeaderLink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (client_ != nullptr) client_->Cancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LeaderLink::Sleep(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void LeaderLink::Run() {
  std::chrono::milliseconds backoff = options_.backoff_min;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    const uint64_t before = follower_->applied();
    const Status ended = Follow();
    connected_ = false;
    if (ended.code() == StatusCode::kDataLoss) {
      log_->Error("follower stopped",
                  {{"error", ended.message()}, {"applied_sequence", follower_->applied()}});
      if (on_fatal_) on_fatal_(ended);
      return;
    }
    // Progress resets the backoff: a subscription that applied records was a good one.
    backoff = follower_->applied() > before ? options_.backoff_min
                                            : std::min(backoff * 2, options_.backoff_max);
    if (!Sleep(backoff)) return;
  }
}

Status LeaderLink::Follow() {
  const uint64_t from = follower_->applied() + 1;
  const std::string target = "/v1/stream?from=" + std::to_string(from);
  auto client = http::WebSocketClient::Connect(options_.leader.host, options_.leader.port, target,
                                               options_.connect_timeout);
  if (!client.ok()) {
    const std::string& why = client.status().message();
    if (why.find("HTTP 400") != std::string::npos && why.find("beyond") != std::string::npos) {
      return Status::DataLoss("the leader's log ends before this follower's next record " +
                              std::to_string(from) +
                              ": the leader lost records, or is another log (" + why + ")");
    }
    log_->Warn("cannot subscribe to the leader", {{"from", from}, {"error", why}});
    return client.status();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Ok();
    client_ = client.value().get();
  }
  connected_ = true;
  subscriptions_++;
  log_->Info("subscribed to the leader", {{"from", from}});
  Status ended;
  bool data = false;
  for (;;) {
    auto message = client.value()->Read(data ? options_.read_timeout : options_.first_data_timeout);
    if (!message.ok()) {
      ended = message.status();
      break;
    }
    ended = ApplyMessage(message.value(), &data);
    if (!ended.ok()) break;
    MaybeSnapshot();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    client_ = nullptr;
    if (stopping_) return Status::Ok();
  }
  if (ended.code() != StatusCode::kDataLoss) {
    log_->Warn("subscription ended; subscribing again",
               {{"applied_sequence", follower_->applied()}, {"error", ended.ToString()}});
  }
  return ended;
}

Status LeaderLink::ApplyMessage(const std::string& message, bool* data) {
  auto items = stream::ParseStreamBatch(message);
  if (!items.ok()) {
    return Status::InvalidArgument("malformed stream message: " + items.status().message());
  }
  for (const stream::StreamItem& item : items.value()) {
    if (Status s = follower_->Apply(item); !s.ok()) return s;
    if (item.kind != stream::StreamItem::Kind::kStart) *data = true;
    if (item.kind == stream::StreamItem::Kind::kHeartbeat) {
      last_verified_ns_ = item.heartbeat.time_ns;
    } else if (item.kind == stream::StreamItem::Kind::kRecord && options_.apply_delay) {
      const int64_t delay_ns = clock_->NowUnixNanos() - item.record.timestamp_ns;
      options_.apply_delay->Observe(static_cast<double>(std::max<int64_t>(delay_ns, 0)) / 1e9);
    }
  }
  return Status::Ok();
}

void LeaderLink::MaybeSnapshot() {
  const uint64_t every = options_.snapshot_every;
  if (every == 0 || options_.snapshots == nullptr) return;
  if (follower_->applied() / every == last_snapshot_.load() / every) return;
  if (Status s = SnapshotNow(); !s.ok()) {
    log_->Warn("snapshot failed", {{"error", s.ToString()}});
  }
}

Status LeaderLink::SnapshotNow() {
  if (options_.snapshots == nullptr) return Status::Ok();
  std::string state;
  snapshot::SnapshotMeta meta = follower_->SnapshotMetaAndState(&state);
  if (meta.sequence == 0 || meta.sequence == last_snapshot_.load()) return Status::Ok();
  meta.created_at_ns = clock_->NowUnixNanos();
  Status written = options_.snapshots->Write(meta, state);
  if (written.ok()) last_snapshot_ = meta.sequence;
  return written;
}

std::string NotReadyReason(const Follower& follower, const LeaderLink& link, Clock* clock,
                           std::chrono::milliseconds max_lag) {
  if (follower.diverged()) return "diverged from the leader";
  if (!link.connected()) return "not subscribed to the leader";
  const int64_t at = link.last_verified_heartbeat_ns();
  if (at == 0) return "catching up: no heartbeat verified yet";
  const int64_t age_ms = (clock->NowUnixNanos() - at) / 1'000'000;
  if (age_ms > max_lag.count()) {
    return "lagging: the last heartbeat verified is " + std::to_string(age_ms) + " ms old";
  }
  return "";
}

}  // namespace dreichor::marketdata
