// LeaderLink: keeps a Follower subscribed to the leader's record stream (GET /v1/stream?from=
// the follower's next record), on a thread of its own.
//
// A broken connection, a timeout, a malformed message or an item out of order ends the
// subscription: the link logs why and subscribes again from the follower's next record after a
// backoff (100 ms doubling to 5 s), so nothing is skipped and nothing applied twice. Two things
// are final and reported once through `on_fatal`: the follower diverged from the leader
// (kDataLoss from Follower::Apply), or the leader refuses the follower's next record as beyond its
// log (the follower's state is ahead of the leader's: the leader lost records, or is another
// log). Snapshots of the follower are written every `snapshot_every` records.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "config/env_config.h"
#include "http/metrics.h"
#include "http/websocket_client.h"
#include "marketdata/follower.h"
#include "snapshot/snapshot_store.h"
#include "util/clock.h"
#include "util/json_log.h"

namespace dreichor::marketdata {

struct LeaderLinkOptions {
  config::HostPort leader;
  std::chrono::milliseconds connect_timeout{5000};
  // No message for this long (heartbeats come every second) ends the subscription.
  std::chrono::milliseconds read_timeout{10000};
  // Until a subscription's first record or heartbeat: the leader first replays its log to the
  // follower's position (from its newest snapshot there), silently, which can take minutes.
  std::chrono::milliseconds first_data_timeout{600000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  snapshot::SnapshotStore* snapshots = nullptr;
  uint64_t snapshot_every = 0;
  http::Histogram* apply_delay = nullptr;  // seconds from the leader's stamp to applied
};

class LeaderLink {
 public:
  LeaderLink(Follower* follower, LeaderLinkOptions options, Clock* clock, JsonLog* log);
  ~LeaderLink();
  LeaderLink(const LeaderLink&) = delete;
  LeaderLink& operator=(const LeaderLink&) = delete;

  void Start(std::function<void(const Status&)> on_fatal);
  void Stop();

  bool connected() const { return connected_.load(); }
  uint64_t subscriptions() const { return subscriptions_.load(); }
  // The leader's clock at the last heartbeat that verified (0: none yet).
  int64_t last_verified_heartbeat_ns() const { return last_verified_ns_.load(); }
  uint64_t last_snapshot_sequence() const { return last_snapshot_.load(); }
  // Writes a snapshot of the follower now, unless one at its sequence exists.
  Status SnapshotNow();

 private:
  void Run();
  // One subscription, until it ends: ok to subscribe again, or the fatal error.
  Status Follow();
  // Applies one message; *data is set when it held a record or a heartbeat.
  Status ApplyMessage(const std::string& message, bool* data);
  void MaybeSnapshot();
  // Sleeps `d` unless stopped first; false when stopped.
  bool Sleep(std::chrono::milliseconds d);

  Follower* follower_;
  const LeaderLinkOptions options_;
  Clock* clock_;
  JsonLog* log_;
  std::function<void(const Status&)> on_fatal_;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> subscriptions_{0};
  std::atomic<int64_t> last_verified_ns_{0};
  std::atomic<uint64_t> last_snapshot_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  http::WebSocketClient* client_ = nullptr;  // GUARDED_BY(mu_): the subscription now
  std::thread thread_;
};

// Why a process serving `follower`'s state is not ready ("" when it is): diverged, not
// subscribed, no heartbeat verified yet, or the last one verified older than `max_lag` by `clock`.
std::string NotReadyReason(const Follower& follower, const LeaderLink& link, Clock* clock,
                           std::chrono::milliseconds max_lag);

}  // namespace dreichor::marketdata
