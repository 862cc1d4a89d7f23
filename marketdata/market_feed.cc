#include "marketdata/market_feed.h"

#include <nlohmann/json.hpp>

#include "engine/names.h"
#include "http/json_writer.h"
#include "util/json_cursor.h"

namespace dreichor::marketdata {

namespace {

using engine::Event;
using engine::EventType;
using http::JsonWriter;

constexpr size_t kWholeBook = 1'000'000;  // levels per side in a depth snapshot: all of them

const char* ChannelName(Channel c) {
  switch (c) {
    case Channel::kDepth:
      return "depth";
    case Channel::kTrades:
      return "trades";
    case Channel::kTicker:
      return "ticker";
  }
  return "?";
}

std::optional<Channel> ParseChannel(const std::string& name) {
  if (name == "depth") return Channel::kDepth;
  if (name == "trades") return Channel::kTrades;
  if (name == "ticker") return Channel::kTicker;
  return std::nullopt;
}

std::shared_ptr<const std::string> Share(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

void Level(JsonWriter& w, engine::Price price, engine::Quantity quantity, uint32_t orders) {
  w.BeginObject();
  w.Key("price");
  w.Int(price);
  w.Key("quantity");
  w.Int(quantity);
  w.Key("orders");
  w.Uint(orders);
  w.EndObject();
}

void Head(JsonWriter& w, Channel channel, const char* type, engine::MarketId market,
          uint64_t sequence) {
  w.BeginObject();
  w.Key("channel");
  w.String(ChannelName(channel));
  w.Key("type");
  w.String(type);
  w.Key("market");
  w.Uint(market);
  w.Key("sequence");
  w.Uint(sequence);
}

std::string DepthSnapshot(const engine::Depth& depth, uint64_t sequence) {
  JsonWriter w;
  Head(w, Channel::kDepth, "snapshot", depth.market, sequence);
  w.Key("market_seq");
  w.Uint(depth.market_seq);
  for (const auto* side : {&depth.bids, &depth.asks}) {
    w.Key(side == &depth.bids ? "bids" : "asks");
    w.BeginArray();
    for (const engine::DepthLevel& l : *side) Level(w, l.price, l.quantity, l.order_count);
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

std::string Ticker(const engine::MarketInfo& m, uint64_t sequence) {
  JsonWriter w;
  Head(w, Channel::kTicker, "ticker", m.id, sequence);
  w.Key("market_seq");
  w.Uint(m.market_seq);
  w.Key("status");
  w.String(engine::MarketStatusName(m.status));
  for (const auto* best : {&m.best_bid, &m.best_ask}) {
    w.Key(best == &m.best_bid ? "best_bid" : "best_ask");
    if (*best) {
      Level(w, (*best)->price, (*best)->quantity, (*best)->order_count);
    } else {
      w.Null();
    }
  }
  w.Key("last_price");
  w.Int(m.last_trade_price);
  w.Key("last_quantity");
  w.Int(m.last_trade_quantity);
  w.EndObject();
  return w.Take();
}

// What one record did to one market.
struct Touched {
  uint64_t first_seq = UINT64_MAX;
  uint64_t last_seq = 0;
  std::vector<const Event*> book;
  std::vector<const Event*> trades;
};

std::string DepthUpdate(engine::MarketId market, uint64_t sequence, const Touched& t) {
  JsonWriter w;
  Head(w, Channel::kDepth, "update", market, sequence);
  w.Key("prev_market_seq");
  w.Uint(t.first_seq - 1);
  w.Key("market_seq");
  w.Uint(t.last_seq);
  for (const engine::Side side : {engine::Side::kBuy, engine::Side::kSell}) {
    w.Key(side == engine::Side::kBuy ? "bids" : "asks");
    w.BeginArray();
    for (const Event* e : t.book) {
      if (e->side == side) Level(w, e->price, e->quantity, e->order_count);
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

std::string Trades(engine::MarketId market, uint64_t sequence, int64_t time_ns, const Touched& t) {
  JsonWriter w;
  Head(w, Channel::kTrades, "trades", market, sequence);
  w.Key("trades");
  w.BeginArray();
  for (const Event* e : t.trades) {
    w.BeginObject();
    w.Key("trade_id");
    w.Uint(e->trade_id);
    w.Key("market_seq");
    w.Uint(e->market_seq);
    w.Key("price");
    w.Int(e->price);
    w.Key("quantity");
    w.Int(e->quantity);
    w.Key("taker_side");
    w.String(engine::SideName(e->side));
    w.Key("time_ns");
    w.Int(time_ns);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string Notice(const char* type, std::string_view message = {},
                   std::optional<std::pair<Channel, engine::MarketId>> about = std::nullopt) {
  JsonWriter w;
  w.BeginObject();
  w.Key("type");
  w.String(type);
  if (about) {
    w.Key("channel");
    w.String(ChannelName(about->first));
    w.Key("market");
    w.Uint(about->second);
  }
  if (!message.empty()) {
    w.Key("message");
    w.String(message);
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

void MarketFeed::OnApplied(const stream::StreamItem& item, const engine::Engine& engine,
                           const std::vector<engine::Event>& events) {
  std::map<engine::MarketId, Touched> touched;
  for (const Event& e : events) {
    if (e.type != EventType::kBookChanged && e.type != EventType::kTrade) continue;
    Touched& t = touched[e.market];
    t.first_seq = std::min(t.first_seq, e.market_seq);
    t.last_seq = std::max(t.last_seq, e.market_seq);
    (e.type == EventType::kTrade ? t.trades : t.book).push_back(&e);
  }
  const uint64_t sequence = item.record.sequence;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [market, t] : touched) {
    if (subscribers_.count({Channel::kDepth, market}) != 0) {
      FanOutLocked({Channel::kDepth, market}, Share(DepthUpdate(market, sequence, t)));
    }
    if (!t.trades.empty() && subscribers_.count({Channel::kTrades, market}) != 0) {
      FanOutLocked({Channel::kTrades, market},
                   Share(Trades(market, sequence, item.record.timestamp_ns, t)));
    }
    if (subscribers_.count({Channel::kTicker, market}) != 0) {
      if (auto info = engine.GetMarket(market)) {
        FanOutLocked({Channel::kTicker, market}, Share(Ticker(*info, sequence)));
      }
    }
  }
}

void MarketFeed::FanOutLocked(const Key& key, const std::shared_ptr<const std::string>& message) {
  auto it = subscribers_.find(key);
  if (it == subscribers_.end()) return;
  for (const ConnectionPtr& c : it->second) {
    const auto sent = c->Send(message);
    if (sent == http::WebSocketConnection::Sent::kQueued) {
      stats_.messages++;
    } else if (sent == http::WebSocketConnection::Sent::kTooSlow) {
      stats_.dropped_slow++;  // its on_closed removes it
    }
  }
}

void MarketFeed::Accept(http::Request& request, boost::beast::tcp_stream& stream,
                        const http::WebSocketOptions& options) {
  auto connection = http::WebSocketConnection::Create(std::move(stream), options);
  http::WebSocketConnection* raw = connection.get();
  bool over = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    over = closed_ || connections_.size() >= options_.max_connections;
    if (!over) {
      connections_[raw] = connection;
      stats_.connections = static_cast<int64_t>(connections_.size());
    }
  }
  std::weak_ptr<http::WebSocketConnection> weak = connection;
  connection->Start(
      std::move(request),
      [this, weak](std::string_view text) {
        if (auto c = weak.lock()) OnMessage(c, text);
      },
      [this, raw] { Forget(raw); });
  if (over) {
    connection->Close(http::kCloseTryAgainLater, "the market-data connection limit is reached");
  }
}

void MarketFeed::Forget(http::WebSocketConnection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  auto keys = by_connection_.find(connection);
  if (keys != by_connection_.end()) {
    for (const Key& key : keys->second) {
      auto& list = subscribers_[key];
      std::erase_if(list, [&](const ConnectionPtr& c) { return c.get() == connection; });
      if (list.empty()) subscribers_.erase(key);
    }
    by_connection_.erase(keys);
  }
  connections_.erase(connection);
  stats_.connections = static_cast<int64_t>(connections_.size());
}

void MarketFeed::CloseAll() {
  std::vector<ConnectionPtr> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (auto& [raw, c] : connections_) all.push_back(c);
  }
  for (auto& c : all) c->Close(http::kCloseGoingAway, "the market-data service is shutting down");
}

void MarketFeed::Reply(const ConnectionPtr& connection, std::string text) {
  connection->Send(Share(std::move(text)));
}

void MarketFeed::OnMessage(const ConnectionPtr& connection, std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Reply(connection, Notice("error", "not a JSON object"));
  }
  JsonProblems problems;
  JsonCursor root(doc, &problems);
  const std::string op = root["op"].String();
  if (problems.ok() && op == "ping") return Reply(connection, Notice("pong"));
  const std::string channel_name = root["channel"].String();
  const int64_t market = root["market"].Int(1, UINT32_MAX);
  if (!problems.ok()) return Reply(connection, Notice("error", problems.first()));
  const auto channel = ParseChannel(channel_name);
  if (!channel) {
    return Reply(connection,
                 Notice("error", "channel: one of depth, trades, ticker; not " + channel_name));
  }
  const auto id = static_cast<engine::MarketId>(market);
  if (op == "subscribe") return Subscribe(connection, *channel, id);
  if (op == "unsubscribe") return Unsubscribe(connection, *channel, id);
  Reply(connection, Notice("error", "op: one of subscribe, unsubscribe, ping; not " + op));
}

void MarketFeed::Subscribe(const ConnectionPtr& connection, Channel channel,
                           engine::MarketId market) {
  std::string refused;
  follower_->VisitBetweenRecords(
      [&](const engine::Engine& e, const runtime::StateView::Position& at) {
        const auto info = e.GetMarket(market);
        if (!info) {
          refused = "no market " + std::to_string(market);
          return;
        }
        std::lock_guard<std::mutex> lock(mu_);
        std::set<Key>& mine = by_connection_[connection.get()];
        if (mine.count({channel, market}) != 0) {
          refused = "already subscribed";
          return;
        }
        if (mine.size() >= options_.max_subscriptions_per_connection) {
          refused = "at most " + std::to_string(options_.max_subscriptions_per_connection) +
                    " subscriptions per connection";
          return;
        }
        mine.insert({channel, market});
        subscribers_[{channel, market}].push_back(connection);
        Reply(connection, Notice("subscribed", {}, std::make_pair(channel, market)));
        if (channel == Channel::kDepth) {
          Reply(connection, DepthSnapshot(*e.GetDepth(market, kWholeBook), at.sequence));
        } else if (channel == Channel::kTicker) {
          Reply(connection, Ticker(*info, at.sequence));
        }
      });
  if (!refused.empty()) {
    Reply(connection, Notice("error", refused, std::make_pair(channel, market)));
  }
}

void MarketFeed::Unsubscribe(const ConnectionPtr& connection, Channel channel,
                             engine::MarketId market) {
  std::lock_guard<std::mutex> lock(mu_);
  auto mine = by_connection_.find(connection.get());
  if (mine == by_connection_.end() || mine->second.erase({channel, market}) == 0) {
    return Reply(connection, Notice("error", "not subscribed", std::make_pair(channel, market)));
  }
  auto& list = subscribers_[{channel, market}];
  std::erase_if(list, [&](const ConnectionPtr& c) { return c == connection; });
  if (list.empty()) subscribers_.erase({channel, market});
  Reply(connection, Notice("unsubscribed", {}, std::make_pair(channel, market)));
}

}  // namespace dreichor::marketdata
