// Admin commands: markets, deposits and withdrawals, risk limits.
#include "engine/checked_math.h"
#include "engine/engine.h"

namespace dreichor::engine {

namespace {
bool IsValidSymbol(std::string_view s) {
  if (s.empty() || s.size() > kMaxSymbolLength) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

Outcome Engine::HandleCreateMarket(const CreateMarket& c) {
  if (c.market == 0 || !IsValidSymbol(c.symbol) || c.tick_size <= 0 || c.lot_size <= 0 ||
      c.min_quantity < 1 || c.max_quantity < c.min_quantity || c.maker_fee_bps > kMaxFeeBps ||
      c.taker_fee_bps > kMaxFeeBps) {
    return Reject(Reason::kInvalidMarketParams);
  }
  if (!Ledger::IsValidAssetCode(c.base_asset) || !Ledger::IsValidAssetCode(c.quote_asset)) {
    return Reject(Reason::kInvalidAsset);
  }
  if (c.base_asset == c.quote_asset) return Reject(Reason::kInvalidMarketParams);
  if (market_index_.Find(c.market) != nullptr) return Reject(Reason::kMarketExists);
  for (const Market& m : markets_) {
    if (m.symbol == c.symbol) return Reject(Reason::kMarketExists);
  }
  Market m;
  m.id = c.market;
  m.symbol = c.symbol;
  m.base = ledger_.InternAsset(c.base_asset);
  m.quote = ledger_.InternAsset(c.quote_asset);
  m.tick_size = c.tick_size;
  m.lot_size = c.lot_size;
  m.min_quantity = c.min_quantity;
  m.max_quantity = c.max_quantity;
  m.maker_fee_bps = c.maker_fee_bps;
  m.taker_fee_bps = c.taker_fee_bps;
  market_index_.Insert(c.market, static_cast<uint32_t>(markets_.size()));
  markets_.push_back(std::move(m));
  return Accept();
}

Outcome Engine::HandleSetMarketStatus(const SetMarketStatus& c) {
  const uint32_t* slot = market_index_.Find(c.market);
  if (slot == nullptr) return Reject(Reason::kUnknownMarket);
  if (!IsValid(c.status)) return Reject(Reason::kInvalidMarketParams);
  Market& m = markets_[*slot];
  if (m.status == c.status) return Reject(Reason::kInvalidStatusChange);
  m.status = c.status;
  return Accept();
}

Outcome Engine::HandleDeposit(const Deposit& c) {
  if (!Ledger::IsValidAssetCode(c.asset)) return Reject(Reason::kInvalidAsset);
  if (c.amount <= 0) return Reject(Reason::kInvalidAmount);
  // Bounding the supply bounds every balance: no credit anywhere can then overflow.
  uint32_t known = ledger_.FindAsset(c.asset);
  Amount new_supply = c.amount;
  if (known != kNil && !CheckedAdd(ledger_.supply(known), c.amount, &new_supply)) {
    return Reject(Reason::kArithmeticOverflow);
  }
  AssetIndex asset = ledger_.InternAsset(c.asset);
  uint32_t slot = ledger_.GetOrCreateAccount(c.account);
  ledger_.supply(asset) = new_supply;
  ledger_.balance(asset, slot).available += c.amount;
  return Accept();
}

Outcome Engine::HandleWithdraw(const Withdraw& c) {
  if (!Ledger::IsValidAssetCode(c.asset)) return Reject(Reason::kInvalidAsset);
  if (c.amount <= 0) return Reject(Reason::kInvalidAmount);
  uint32_t slot = ledger_.FindAccount(c.account);
  if (slot == kNil) return Reject(Reason::kUnknownAccount);
  uint32_t asset = ledger_.FindAsset(c.asset);
  if (asset == kNil) return Reject(Reason::kInsufficientBalance);
  Balance& b = ledger_.balance(asset, slot);
  if (b.available < c.amount) return Reject(Reason::kInsufficientBalance);
  b.available -= c.amount;
  ledger_.supply(asset) -= c.amount;
  return Accept();
}

Outcome Engine::HandleSetRiskLimits(const SetRiskLimits& c) {
  if (c.max_order_quantity < 0 || c.max_order_notional < 0 || !IsValid(c.stp_mode)) {
    return Reject(Reason::kInvalidRiskLimits);
  }
  uint32_t slot = ledger_.GetOrCreateAccount(c.account);
  Account& a = ledger_.account(slot);
  a.limits =
      RiskLimits{c.max_order_quantity, c.max_order_notional, c.max_open_orders, c.price_band_bps,
                 c.rate_capacity,      c.rate_per_second,    c.stp_mode};
  a.bucket.Reset(a.limits, now_);
  return Accept();
}

Outcome Engine::HandleSetRetention(const SetRetention& c) {
  const Reason r = evidence_.Retain({c.from_sequence, c.through_sequence, c.until_ns});
  return r == Reason::kNone ? Accept() : Reject(r);
}

Outcome Engine::HandleLegalHold(const LegalHold& c) {
  const Reason r = evidence_.Hold(c.hold_id, c.placed);
  return r == Reason::kNone ? Accept() : Reject(r);
}

Outcome Engine::HandleRegisterApiKey(const RegisterApiKey& c) {
  const Reason r = api_keys_.Register({c.key_id, c.account, c.public_key, c.permissions, false});
  return r == Reason::kNone ? Accept() : Reject(r);
}

Outcome Engine::HandleRevokeApiKey(const RevokeApiKey& c) {
  const Reason r = api_keys_.Revoke(c.key_id);
  return r == Reason::kNone ? Accept() : Reject(r);
}

}  // namespace dreichor::engine
