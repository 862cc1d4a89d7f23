// Canonical serialisation of the engine state, its hash, and the validating decoder.
// Format: docs/engine-state-format.md.
#include <algorithm>
#include <numeric>
#include <string>

#include "engine/engine.h"
#include "engine/state_format.h"

namespace dreichor::engine {

namespace {

void WriteLimits(ByteWriter& w, const RiskLimits& l) {
  w.I64(l.max_order_quantity);
  w.I64(l.max_order_notional);
  w.U32(l.max_open_orders);
  w.U32(l.price_band_bps);
  w.U32(l.rate_capacity);
  w.U32(l.rate_per_second);
  w.U8(static_cast<uint8_t>(l.stp_mode));
}

template <typename T, typename Key>
std::vector<uint32_t> SlotsSortedBy(size_t n, Key key) {
  std::vector<uint32_t> slots(n);
  std::iota(slots.begin(), slots.end(), 0u);
  std::sort(slots.begin(), slots.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  return slots;
}

}  // namespace

void Engine::Serialize(ByteSink* sink) const {
  ByteWriter w(sink);
  w.Bytes(std::string_view(kStateMagic, 4));
  w.U32(kStateFormatVersion);
  w.U64(next_order_id_);
  w.U64(next_trade_id_);

  w.U32(static_cast<uint32_t>(ledger_.asset_count()));
  for (AssetIndex a = 0; a < ledger_.asset_count(); ++a) {
    w.String(ledger_.asset_code(a));
    w.I64(ledger_.supply(a));
  }

  auto markets = SlotsSortedBy<Market>(markets_.size(), [&](uint32_t s) { return markets_[s].id; });
  w.U32(static_cast<uint32_t>(markets.size()));
  for (uint32_t s : markets) {
    const Market& m = markets_[s];
    w.U32(m.id);
    w.String(m.symbol);
    w.U32(m.base);
    w.U32(m.quote);
    w.I64(m.tick_size);
    w.I64(m.lot_size);
    w.I64(m.min_quantity);
    w.I64(m.max_quantity);
    w.U32(m.maker_fee_bps);
    w.U32(m.taker_fee_bps);
    w.U8(static_cast<uint8_t>(m.status));
    w.I64(m.last_trade_price);
    w.I64(m.last_trade_quantity);
    w.U64(m.market_seq);
    w.U8(static_cast<uint8_t>(m.recent_trades.size()));
    for (uint32_t i = 0; i < m.recent_trades.size(); ++i) {
      const TradeRecord& t = m.recent_trades.at(i);
      w.U64(t.trade_id);
      w.U64(t.market_seq);
      w.I64(t.timestamp);
      w.U8(static_cast<uint8_t>(t.taker_side));
      w.I64(t.price);
      w.I64(t.quantity);
    }
  }

  auto accounts = SlotsSortedBy<Account>(ledger_.account_count(),
                                         [&](uint32_t s) { return ledger_.account(s).id; });
  w.U32(static_cast<uint32_t>(accounts.size()));
  for (uint32_t s : accounts) {
    const Account& a = ledger_.account(s);
    w.U64(a.id);
    WriteLimits(w, a.limits);
    w.I64(a.bucket.nano_tokens);
    w.I64(a.bucket.last_refill);
    for (AssetIndex asset = 0; asset < ledger_.asset_count(); ++asset) {
      w.I64(ledger_.balance(asset, s).available);
      w.I64(ledger_.balance(asset, s).held);
    }
  }

  w.U64(order_index_.size());
  for (uint32_t ms : markets) {
    for (const BookSide* side : {&markets_[ms].bids, &markets_[ms].asks}) {
      side->ForEachWorstFirst([&](const Level& level) {
        for (uint32_t s = level.head; s != kNil; s = pool_[s].next) {
          const Order& o = pool_[s];
          w.U64(o.id);
          w.U64(o.client_order_id);
          w.U64(o.account_id);
          w.U32(markets_[ms].id);
          w.U8(static_cast<uint8_t>(o.side));
          w.U8(static_cast<uint8_t>(o.kind));
          w.I64(o.price);
          w.I64(o.open);
          w.I64(o.filled);
        }
      });
    }
  }

  // Version 3: the audit evidence's retention rules and legal holds.
  w.U32(static_cast<uint32_t>(evidence_.rules().size()));
  for (const RetentionRule& r : evidence_.rules()) {
    w.U64(r.from_sequence);
    w.U64(r.through_sequence);
    w.I64(r.until_ns);
  }
  w.U32(static_cast<uint32_t>(evidence_.holds().size()));
  for (uint64_t hold : evidence_.holds()) w.U64(hold);
  // Version 4: the API keys, ascending by id.
  w.U32(static_cast<uint32_t>(api_keys_.keys().size()));
  for (const auto& [id, key] : api_keys_.keys()) {
    w.U64(id);
    w.U64(key.account);
    w.Bytes(std::string_view(reinterpret_cast<const char*>(key.public_key.data()),
                             key.public_key.size()));
    w.U8(key.permissions);
    w.U8(key.revoked ? 1 : 0);
  }
  w.Bytes(std::string_view(kStateEndMarker, 4));
}

std::string Engine::SerializeToString() const {
  StringSink sink;
  Serialize(&sink);
  return std::move(sink.bytes());
}

Sha256::Digest Engine::StateHash() const {
  Sha256Sink sink;
  Serialize(&sink);
  return sink.Finish();
}

}  // namespace dreichor::engine
