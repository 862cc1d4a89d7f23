// Rebuilds an Engine from its canonical serialisation, trusting nothing: every count, index,
// enum, ordering rule and accounting identity is checked, and the first violation is reported
// with where it was found.
#include <algorithm>
#include <string>

#include "engine/engine.h"
#include "engine/state_format.h"

namespace dreichor::engine {

class StateDecoder {
 public:
  explicit StateDecoder(std::string_view bytes) : r_(bytes), e_(std::make_unique<Engine>()) {}

  Result<std::unique_ptr<Engine>> Run() {
    Status s = Header();
    if (s.ok()) s = Assets();
    if (s.ok()) s = Markets();
    if (s.ok()) s = Accounts();
    if (s.ok()) s = Orders();
    if (s.ok() && version_ >= 3) s = Evidence();
    if (s.ok() && version_ >= 4) s = Keys();
    if (s.ok()) s = Trailer();
    if (s.ok()) s = e_->CheckInvariants();
    if (!s.ok()) return s;
    return std::move(e_);
  }

 private:
  Status Fail(const std::string& what) {
    return Status::Corruption(what + " (at byte " + std::to_string(r_.position()) + ")");
  }
  Status Truncated(const char* section) {
    return Status::Corruption(std::string("truncated in ") + section);
  }

  Status Header() {
    std::string_view magic = r_.Bytes(4);
    if (!r_.ok()) return Truncated("header");
    if (magic != std::string_view(kStateMagic, 4)) return Fail("bad magic");
    const uint32_t version = r_.U32();
    if (r_.ok() && (version < kOldestStateFormatVersion || version > kStateFormatVersion)) {
      return Status::Unsupported("engine state format version " + std::to_string(version) +
                                 " (this build reads " + std::to_string(kOldestStateFormatVersion) +
                                 " to " + std::to_string(kStateFormatVersion) + ")");
    }
    version_ = version;
    e_->next_order_id_ = r_.U64();
    e_->next_trade_id_ = r_.U64();
    if (!r_.ok()) return Truncated("header");
    if (e_->next_order_id_ == 0 || e_->next_trade_id_ == 0) return Fail("id counters are zero");
    return Status::Ok();
  }

  Status Assets() {
    uint32_t n = r_.U32();
    for (uint32_t i = 0; i < n && r_.ok(); ++i) {
      std::string code = r_.String(kMaxAssetCodeLength);
      Amount supply = r_.I64();
      if (!r_.ok()) break;
      if (!Ledger::IsValidAssetCode(code)) return Fail("asset " + std::to_string(i) + ": bad code");
      if (e_->ledger_.FindAsset(code) != kNil) return Fail("asset " + code + " listed twice");
      if (supply < 0) return Fail("asset " + code + ": negative supply");
      AssetIndex a = e_->ledger_.InternAsset(code);
      e_->ledger_.supply(a) = supply;
    }
    return r_.ok() ? Status::Ok() : Truncated("assets");
  }

  Status Markets() {
    uint32_t n = r_.U32();
    MarketId previous = 0;
    for (uint32_t i = 0; i < n && r_.ok(); ++i) {
      Market m;
      m.id = r_.U32();
      m.symbol = r_.String(kMaxSymbolLength);
      m.base = r_.U32();
      m.quote = r_.U32();
      m.tick_size = r_.I64();
      m.lot_size = r_.I64();
      m.min_quantity = r_.I64();
      m.max_quantity = r_.I64();
      m.maker_fee_bps = r_.U32();
      m.taker_fee_bps = r_.U32();
      m.status = static_cast<MarketStatus>(r_.U8());
      m.last_trade_price = r_.I64();
      m.last_trade_quantity = r_.I64();
      m.market_seq = r_.U64();
      if (!r_.ok()) break;
      const std::string where = "market " + std::to_string(m.id);
      if (m.id <= previous) return Fail(where + ": ids not strictly ascending");
      previous = m.id;
      const size_t assets = e_->ledger_.asset_count();
      if (m.symbol.empty() || m.base >= assets || m.quote >= assets || m.base == m.quote ||
          m.tick_size <= 0 || m.lot_size <= 0 || m.min_quantity < 1 ||
          m.max_quantity < m.min_quantity || m.maker_fee_bps > kMaxFeeBps ||
          m.taker_fee_bps > kMaxFeeBps || !IsValid(m.status) || m.last_trade_price < 0 ||
          m.last_trade_quantity < 0) {
        return Fail(where + ": parameter out of range");
      }
      for (const Market& other : e_->markets_) {
        if (other.symbol == m.symbol) return Fail(where + ": duplicate symbol");
      }
      if (Status s = RecentTradesOf(m, where); !s.ok()) return s;
      e_->market_index_.Insert(m.id, static_cast<uint32_t>(e_->markets_.size()));
      e_->markets_.push_back(std::move(m));
    }
    return r_.ok() ? Status::Ok() : Truncated("markets");
  }

  // Oldest first; ids and market sequence numbers strictly ascending, none past the counters.
  // Timestamps are not checked: the engine takes whatever timestamps it is given.
  Status RecentTradesOf(Market& m, const std::string& where) {
    const uint32_t n = r_.U8();
    if (!r_.ok()) return Truncated("markets");
    if (n > kRecentTrades) return Fail(where + ": more recent trades than kept");
    TradeRecord previous;
    for (uint32_t i = 0; i < n; ++i) {
      TradeRecord t;
      t.trade_id = r_.U64();
      t.market_seq = r_.U64();
      t.timestamp = r_.I64();
      t.taker_side = static_cast<Side>(r_.U8());
      t.price = r_.I64();
      t.quantity = r_.I64();
      if (!r_.ok()) return Truncated("markets");
      const bool ordered =
          i == 0 || (t.trade_id > previous.trade_id && t.market_seq > previous.market_seq);
      if (!ordered || !IsValid(t.taker_side) || t.price <= 0 || t.quantity <= 0 ||
          t.trade_id >= e_->next_trade_id_ || t.market_seq > m.market_seq) {
        return Fail(where + ": recent trade " + std::to_string(i) + " out of range");
      }
      m.recent_trades.Add(t);
      previous = t;
    }
    return Status::Ok();
  }

  Status Accounts() {
    uint32_t n = r_.U32();
    if (!r_.ok()) return Truncated("accounts");
    // The fresh engine already holds the fee account (id 0) in slot 0; the state must list it
    // first.
    for (uint32_t i = 0; i < n && r_.ok(); ++i) {
      AccountId id = r_.U64();
      RiskLimits l;
      l.max_order_quantity = r_.I64();
      l.max_order_notional = r_.I64();
      l.max_open_orders = r_.U32();
      l.price_band_bps = r_.U32();
      l.rate_capacity = r_.U32();
      l.rate_per_second = r_.U32();
      l.stp_mode = static_cast<StpMode>(r_.U8());
      TokenBucket bucket{r_.I64(), r_.I64()};
      if (!r_.ok()) break;
      const std::string where = "account " + std::to_string(id);
      if (i == 0 ? id != kFeeAccountId : id <= previous_account_) {
        return Fail(where + ": ids not strictly ascending from the fee account 0");
      }
      previous_account_ = id;
      if (l.max_order_quantity < 0 || l.max_order_notional < 0 || !IsValid(l.stp_mode) ||
          bucket.nano_tokens < 0) {
        return Fail(where + ": risk limits out of range");
      }
      const uint32_t slot = e_->ledger_.GetOrCreateAccount(id);
      Account& a = e_->ledger_.account(slot);
      a.limits = l;
      a.bucket = bucket;
      for (AssetIndex asset = 0; asset < e_->ledger_.asset_count(); ++asset) {
        Balance& b = e_->ledger_.balance(asset, slot);
        b.available = r_.I64();
        b.held = r_.I64();
        if (r_.ok() && (b.available < 0 || b.held < 0)) return Fail(where + ": negative balance");
      }
    }
    if (r_.ok() && n == 0) return Fail("the fee account is missing");
    return r_.ok() ? Status::Ok() : Truncated("accounts");
  }

  Status Orders() {
    uint64_t n = r_.U64();
    if (!r_.ok()) return Truncated("orders");
    if (n > r_.remaining() / kOrderBytes) return Fail("order count exceeds the data");
    std::vector<uint32_t> slots;
    slots.reserve(n);
    e_->pool_.Reserve(n);
    e_->order_index_.Reserve(n);
    uint32_t group_market = 0;
    int group_side = 0;  // 0 before any order; 1 bids; 2 asks
    for (uint64_t i = 0; i < n; ++i) {
      Order o;
      o.id = r_.U64();
      o.client_order_id = r_.U64();
      o.account_id = r_.U64();
      MarketId market_id = r_.U32();
      o.side = static_cast<Side>(r_.U8());
      o.kind = static_cast<OrderKind>(r_.U8());
      o.price = r_.I64();
      o.open = r_.I64();
      o.filled = r_.I64();
      if (!r_.ok()) return Truncated("orders");
      // Built only when something is wrong: decoding a million orders builds no string.
      auto where = [&o] { return "order " + std::to_string(o.id); };
      const uint32_t* ms = e_->market_index_.Find(market_id);
      o.account = e_->ledger_.FindAccount(o.account_id);
      if (ms == nullptr) return Fail(where() + ": unknown market");
      if (o.account == kNil || o.account_id == kFeeAccountId)
        return Fail(where() + ": bad account");
      if (!IsValid(o.side) || !(o.kind == OrderKind::kLimit || o.kind == OrderKind::kPostOnly)) {
        return Fail(where() + ": side or kind cannot rest");
      }
      if (o.id == 0 || o.id >= e_->next_order_id_ || e_->order_index_.Find(o.id) != nullptr) {
        return Fail(where() + ": id out of range or repeated");
      }
      if (o.price <= 0 || o.open <= 0 || o.filled < 0) return Fail(where() + ": bad numbers");
      Amount hold;
      if (!e_->HoldFor(e_->markets_[*ms], o.side, o.price, o.open, &hold)) {
        return Fail(where() + ": amounts overflow");
      }
      // Orders come grouped by market (ascending id), bids before asks.
      const int side_rank = o.side == Side::kBuy ? 1 : 2;
      if (market_id < group_market || (market_id == group_market && side_rank < group_side)) {
        return Fail(where() + ": out of canonical order");
      }
      group_market = market_id;
      group_side = side_rank;
      o.market = *ms;
      if (Status s = Place(o, slots); !s.ok()) return s;
    }
    // Account lists are kept in id order.
    std::sort(slots.begin(), slots.end(),
              [&](uint32_t a, uint32_t b) { return e_->pool_[a].id < e_->pool_[b].id; });
    for (uint32_t s : slots) e_->ledger_.LinkOrder(e_->pool_, s);
    return Status::Ok();
  }

  // Appends one decoded order at the best end of its side: within a side the encoding goes from
  // the worst level to the best, so a new price must be better than the current best.
  Status Place(const Order& decoded, std::vector<uint32_t>& slots) {
    auto where = [&decoded] { return "order " + std::to_string(decoded.id); };
    Market& m = e_->markets_[decoded.market];
    BookSide& side = m.side(decoded.side);
    if (!side.empty() && side.Better(side.best().price, decoded.price)) {
      return Fail(where() + ": levels out of order");
    }
    if (decoded.client_order_id != 0) {
      Engine::ClientKey key{decoded.account_id, decoded.client_order_id};
      if (e_->client_index_.Find(key) != nullptr) return Fail(where() + ": client id repeated");
    }
    const uint32_t slot = e_->pool_.Allocate();
    e_->pool_[slot] = decoded;
    e_->pool_[slot].priority = e_->next_priority_++;
    side.Append(e_->pool_, slot);
    e_->order_index_.Insert(decoded.id, slot);
    if (decoded.client_order_id != 0) {
      e_->client_index_.Insert(Engine::ClientKey{decoded.account_id, decoded.client_order_id},
                               slot);
    }
    slots.push_back(slot);
    return Status::Ok();
  }

  // Version 3: retention rules (ascending ranges) and legal holds (ascending), each at most 1024.
  // A version 2 state has neither: it was written before either command existed.
  Status Evidence() {
    const uint32_t rule_count = r_.U32();
    if (!r_.ok()) return Truncated("evidence");
    if (rule_count > EvidencePolicy::kMaxRules) return Fail("too many retention rules");
    std::vector<RetentionRule> rules(rule_count);
    for (RetentionRule& rule : rules) {
      rule.from_sequence = r_.U64();
      rule.through_sequence = r_.U64();
      rule.until_ns = r_.I64();
    }
    const uint32_t hold_count = r_.U32();
    if (!r_.ok()) return Truncated("evidence");
    if (hold_count > EvidencePolicy::kMaxHolds) return Fail("too many legal holds");
    std::vector<uint64_t> holds(hold_count);
    for (uint64_t& hold : holds) hold = r_.U64();
    if (!r_.ok()) return Truncated("evidence");
    if (!e_->evidence_.Restore(std::move(rules), std::move(holds))) {
      return Fail("retention rules or legal holds out of order, zero or repeated");
    }
    return Status::Ok();
  }

  // Version 4: the API keys, ascending by id, each valid, no id or public key repeated. Older
  // states have none: they were written before keys existed.
  Status Keys() {
    const uint32_t count = r_.U32();
    if (!r_.ok()) return Truncated("api keys");
    if (count > ApiKeys::kMaxKeys) return Fail("too many api keys");
    std::vector<ApiKey> keys(count);
    for (ApiKey& key : keys) {
      key.id = r_.U64();
      key.account = r_.U64();
      std::string_view bytes = r_.Bytes(key.public_key.size());
      if (!r_.ok()) return Truncated("api keys");
      std::copy(bytes.begin(), bytes.end(), key.public_key.begin());
      key.permissions = r_.U8();
      const uint8_t revoked = r_.U8();
      if (!r_.ok()) return Truncated("api keys");
      if (revoked > 1) return Fail("api key revoked flag is neither 0 nor 1");
      key.revoked = revoked == 1;
    }
    if (!e_->api_keys_.Restore(keys)) {
      return Fail("api keys out of order, invalid or repeated");
    }
    return Status::Ok();
  }

  Status Trailer() {
    std::string_view end = r_.Bytes(4);
    if (!r_.ok()) return Truncated("trailer");
    if (end != std::string_view(kStateEndMarker, 4)) return Fail("bad end marker");
    if (r_.remaining() != 0) return Fail("trailing bytes after the end marker");
    return Status::Ok();
  }

  static constexpr size_t kOrderBytes = 8 + 8 + 8 + 4 + 1 + 1 + 8 + 8 + 8;

  ByteReader r_;
  std::unique_ptr<Engine> e_;
  uint32_t version_ = 0;
  AccountId previous_account_ = 0;
};

Result<std::unique_ptr<Engine>> Engine::Deserialize(std::string_view bytes) {
  return StateDecoder(bytes).Run();
}

}  // namespace dreichor::engine
