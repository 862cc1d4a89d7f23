#include "marketdata/marketdata_service.h"

#include <unistd.h>

#include "http/server.h"
#include "marketdata/exit_codes.h"
#include "marketdata/follower.h"
#include "marketdata/leader_link.h"
#include "marketdata/market_feed.h"
#include "marketdata/marketdata_config.h"
#include "marketdata/marketdata_handler.h"
#include "service/signal_watcher.h"
#include "util/env.h"

namespace dreichor::marketdata {

namespace {

constexpr size_t kHttpThreads = 2;
constexpr std::chrono::seconds kDrain{2};

// Figures for dashboards and alerts (docs/market-data.md, "Metrics").
void AddMetrics(http::MetricsRegistry* r, const Follower& follower, const LeaderLink& link,
                const MarketFeed& feed, Clock* clock) {
  r->AddGaugeFunction("dreichor_marketdata_applied_sequence",
                      "The last record this follower applied.",
                      [&] { return static_cast<double>(follower.applied()); });
  r->AddGaugeFunction(
      "dreichor_marketdata_lag_records",
      "The leader's newest committed record (from its last heartbeat) minus the last applied.",
      [&] { return static_cast<double>(follower.leader_sequence() - follower.applied()); });
  r->AddGaugeFunction(
      "dreichor_marketdata_lag_seconds",
      "Age of the state served: now minus the leader's clock at the last heartbeat verified.",
      [&, clock] {
        const int64_t at = link.last_verified_heartbeat_ns();
        if (at == 0) return -1.0;
        return static_cast<double>(clock->NowUnixNanos() - at) / 1e9;
      });
  r->AddGaugeFunction("dreichor_marketdata_leader_connected",
                      "1 while subscribed to the leader's record stream.",
                      [&] { return link.connected() ? 1.0 : 0.0; });
  r->AddGaugeFunction("dreichor_marketdata_diverged",
                      "1 once this follower disagreed with the leader (it then stops).",
                      [&] { return follower.diverged() ? 1.0 : 0.0; });
  r->AddCounterFunction("dreichor_marketdata_subscriptions_total",
                        "Subscriptions to the leader's record stream (reconnects + 1).",
                        [&] { return static_cast<double>(link.subscriptions()); });
  r->AddCounterFunction("dreichor_marketdata_heartbeats_verified_total",
                        "Leader heartbeats whose chain and state hash this follower matched.",
                        [&] { return static_cast<double>(follower.heartbeats_verified()); });
  r->AddGaugeFunction("dreichor_marketdata_subscribers", "Open market-data WebSocket connections.",
                      [&] { return static_cast<double>(feed.stats().connections.load()); });
  r->AddCounterFunction("dreichor_marketdata_dropped_slow_total",
                        "Market-data WebSocket clients closed because they fell behind.",
                        [&] { return static_cast<double>(feed.stats().dropped_slow.load()); });
  r->AddCounterFunction("dreichor_marketdata_messages_total",
                        "Market-data messages queued to WebSocket clients.",
                        [&] { return static_cast<double>(feed.stats().messages.load()); });
}

}  // namespace

int RunMarketData(const config::EnvMap& env) {
  auto loaded = LoadMarketDataConfig(env);
  LogLevel level = LogLevel::kInfo;
  LogFields every_line = {{"component", "marketdata"}};
  if (loaded.ok()) {
    level = ParseLogLevel(loaded.value().log_level).value_or(level);
    every_line["env"] = loaded.value().env;
  }
  Clock* clock = Clock::Real();
  JsonLog log(stdout, level, clock, std::move(every_line));
  service::SignalWatcher signals(&log);
  log.Info("starting", {{"pid", getpid()}});
  if (!loaded.ok()) {
    log.Error("configuration",
              {{"error", loaded.status().message()}, {"exit_code", kExitConfiguration}});
    return kExitConfiguration;
  }
  const MarketDataConfig& config = loaded.value();

  if (Status w = CheckWritableDir(Env::Default(), config.snapshot_dir); !w.ok()) {
    log.Error(
        "snapshots",
        {{"dir", config.snapshot_dir}, {"error", w.ToString()}, {"exit_code", kExitSnapshots}});
    return kExitSnapshots;
  }
  snapshot::SnapshotStore snapshots(Env::Default(), config.snapshot_dir, {});
  std::vector<std::string> warnings;
  auto start = LoadFollowerStart(snapshots, &warnings);
  for (const std::string& w : warnings) log.Warn("snapshot skipped", {{"why", w}});
  if (!start.ok()) {
    log.Error("snapshots", {{"error", start.status().ToString()}, {"exit_code", kExitSnapshots}});
    return kExitSnapshots;
  }
  log.Info("snapshot", {{"sequence", start.value().position.sequence},
                        {"from_snapshot", start.value().from_snapshot}});

  http::MetricsRegistry registry;
  std::unique_ptr<MarketFeed> feed;
  Follower follower(
      std::move(start).value(),
      [&feed](const stream::StreamItem& item, const engine::Engine& e,
              const std::vector<engine::Event>& events) { feed->OnApplied(item, e, events); });
  feed = std::make_unique<MarketFeed>(&follower,
                                      MarketFeedOptions{.max_connections = config.max_connections});
  LeaderLinkOptions link_options;
  link_options.leader = config.leader;
  link_options.snapshots = &snapshots;
  link_options.snapshot_every = config.snapshot_every;
  link_options.apply_delay = registry.AddHistogram(
      "dreichor_marketdata_apply_delay_seconds",
      "From the leader's stamp on a record to this follower applying it.",
      {0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5});
  LeaderLink link(&follower, link_options, clock, &log);
  AddMetrics(&registry, follower, link, *feed, clock);

  MarketDataHandler handler(
      &follower, feed.get(), &registry,
      [&] { return NotReadyReason(follower, link, clock, config.max_lag); },
      http::WebSocketOptions{.max_queued_bytes = config.subscriber_queue_bytes,
                             .json_array_batches = true});
  http::ServerOptions server_options;
  server_options.address = config.listen.host;
  server_options.port = config.listen.port;
  server_options.max_connections = config.max_connections;
  server_options.threads = kHttpThreads;
  auto server = http::Server::Start(server_options, &handler);
  if (!server.ok()) {
    log.Error("listen", {{"error", server.status().ToString()}, {"exit_code", kExitListen}});
    return kExitListen;
  }
  log.Info("listening",
           {{"address", server.value()->address()},
            {"leader", config.leader.host + ":" + std::to_string(config.leader.port)}});

  std::mutex fatal_mu;
  Status fatal;
  link.Start([&](const Status& why) {
    {
      std::lock_guard<std::mutex> guard(fatal_mu);
      fatal = why;
    }
    signals.StopFromWithin("follow failed");
  });
  signals.SetDeadline(std::chrono::seconds(10));
  signals.SetServing();
  const std::string reason = signals.WaitForStop();
  log.Info("shutdown", {{"step", "begin"}, {"reason", reason}});
  link.Stop();
  feed->CloseAll();
  server.value()->Drain(std::chrono::steady_clock::now() + kDrain);
  server.value()->Stop();
  int code = kExitOk;
  {
    std::lock_guard<std::mutex> guard(fatal_mu);
    if (!fatal.ok()) {
      code = follower.diverged() ? kExitDiverged : kExitLeaderBehind;
    }
  }
  if (code == kExitOk && config.snapshot_every > 0) {
    if (Status s = link.SnapshotNow(); !s.ok())
      log.Warn("final snapshot", {{"error", s.ToString()}});
  }
  log.Info("stopped", {{"exit_code", code}, {"applied_sequence", follower.applied()}});
  feed.reset();
  signals.Done();
  return code;
}

}  // namespace dreichor::marketdata
