#include "engine/ledger.h"

namespace dreichor::engine {

bool Ledger::IsValidAssetCode(std::string_view code) {
  if (code.empty() || code.size() > kMaxAssetCodeLength) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

uint32_t Ledger::FindAsset(std::string_view code) const {
  for (size_t i = 0; i < assets_.size(); ++i) {
    if (assets_[i] == code) return static_cast<uint32_t>(i);
  }
  return kNil;
}

AssetIndex Ledger::InternAsset(std::string_view code) {
  uint32_t found = FindAsset(code);
  if (found != kNil) return found;
  assets_.emplace_back(code);
  supply_.push_back(0);
  balances_.emplace_back(accounts_.size());
  return static_cast<AssetIndex>(assets_.size() - 1);
}

uint32_t Ledger::GetOrCreateAccount(AccountId id) {
  uint32_t slot = FindAccount(id);
  if (slot != kNil) return slot;
  slot = static_cast<uint32_t>(accounts_.size());
  Account account;
  account.id = id;
  accounts_.push_back(account);
  for (auto& per_asset : balances_) per_asset.emplace_back();
  index_.Insert(id, slot);
  return slot;
}

void Ledger::LinkOrder(OrderPool& pool, uint32_t order_slot) {
  Order& o = pool[order_slot];
  Account& a = accounts_[o.account];
  o.account_prev = a.last_order;
  o.account_next = kNil;
  if (a.last_order != kNil) {
    pool[a.last_order].account_next = order_slot;
  } else {
    a.first_order = order_slot;
  }
  a.last_order = order_slot;
  ++a.open_orders;
}

void Ledger::UnlinkOrder(OrderPool& pool, uint32_t order_slot) {
  Order& o = pool[order_slot];
  Account& a = accounts_[o.account];
  if (o.account_prev != kNil) {
    pool[o.account_prev].account_next = o.account_next;
  } else {
    a.first_order = o.account_next;
  }
  if (o.account_next != kNil) {
    pool[o.account_next].account_prev = o.account_prev;
  } else {
    a.last_order = o.account_prev;
  }
  o.account_prev = o.account_next = kNil;
  --a.open_orders;
}

}  // namespace dreichor::engine
