// MarketFeed: the public market-data WebSocket of a follower (docs/market-data.md).
//
// A client subscribes per market and channel:
//   depth   a snapshot of the whole book, then one update per record that moved the market's
//           sequence (its changed levels; quantity 0 removes a level). Each update names
//           prev_market_seq and market_seq: an update whose prev_market_seq is not the client's
//           market_seq means a gap, and the client subscribes again for a new snapshot.
//   trades  every trade, as it happens.
//   ticker  best bid, best ask and the last trade, after every record that touched the market.
// Messages are built once per record and shared by every subscriber of that market and channel.
// Each connection's queue is bounded (http::WebSocketConnection); a subscriber that falls behind
// is closed with 4008 and counted, and the others are unaffected.
//
// Thread safety: OnApplied runs on the follower's apply thread; Accept and the connections'
// messages run on I/O threads.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "http/websocket.h"
#include "marketdata/follower.h"

namespace dreichor::marketdata {

enum class Channel { kDepth, kTrades, kTicker };

struct MarketFeedOptions {
  size_t max_subscriptions_per_connection = 64;
  size_t max_connections = 4096;
};

struct MarketFeedStats {
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> dropped_slow{0};
  std::atomic<uint64_t> messages{0};  // messages queued to subscribers, in total
};

class MarketFeed {
 public:
  MarketFeed(const Follower* follower, MarketFeedOptions options)
      : follower_(follower), options_(options) {}

  // Follower::OnApplied: builds the record's messages and sends them to the subscribers.
  void OnApplied(const stream::StreamItem& item, const engine::Engine& engine,
                 const std::vector<engine::Event>& events);

  // Takes the connection of a WebSocket handshake and serves it. Past the connection limit the
  // handshake completes and the connection is closed with 1013 and the reason.
  void Accept(http::Request& request, boost::beast::tcp_stream& stream,
              const http::WebSocketOptions& options);
  // Closes every connection (1001). Idempotent.
  void CloseAll();

  const MarketFeedStats& stats() const { return stats_; }

 private:
  using Key = std::pair<Channel, engine::MarketId>;
  using ConnectionPtr = std::shared_ptr<http::WebSocketConnection>;

  void OnMessage(const ConnectionPtr& connection, std::string_view text);
  void Subscribe(const ConnectionPtr& connection, Channel channel, engine::MarketId market);
  void Unsubscribe(const ConnectionPtr& connection, Channel channel, engine::MarketId market);
  void Forget(http::WebSocketConnection* connection);
  // Sends `message` to the subscribers of `key`; the caller holds mu_.
  void FanOutLocked(const Key& key, const std::shared_ptr<const std::string>& message);
  void Reply(const ConnectionPtr& connection, std::string text);

  const Follower* follower_;
  const MarketFeedOptions options_;
  MarketFeedStats stats_;

  std::mutex mu_;
  std::map<Key, std::vector<ConnectionPtr>> subscribers_;              // GUARDED_BY(mu_)
  std::map<http::WebSocketConnection*, std::set<Key>> by_connection_;  // GUARDED_BY(mu_)
  std::map<http::WebSocketConnection*, ConnectionPtr> connections_;    // GUARDED_BY(mu_)
  bool closed_ = false;                                                // GUARDED_BY(mu_)
};

}  // namespace dreichor::marketdata
