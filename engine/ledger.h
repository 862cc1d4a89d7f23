// Ledger: assets, accounts, balances and per-account risk state.
//
// Assets get a dense index in order of first appearance; accounts get a dense slot in order of
// creation. Balances are stored per asset as a vector indexed by account slot, so a balance is
// two array lookups. Every account has a balance entry (possibly zero) for every asset.
//
// Invariant kept by Engine: for every account and asset, held equals what that account's open
// orders hold in that asset (checked by Engine::CheckInvariants).
//
// Not thread-safe; owned by Engine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/order_book.h"
#include "engine/risk.h"
#include "engine/types.h"
#include "util/flat_hash_map.h"

namespace dreichor::engine {

struct Balance {
  Amount available = 0;
  Amount held = 0;
};

struct Account {
  AccountId id = 0;
  RiskLimits limits;
  TokenBucket bucket;
  uint32_t open_orders = 0;
  uint32_t first_order = kNil;  // account's open orders, oldest id first
  uint32_t last_order = kNil;
};

// The fee account (kFeeAccountId) is created before any other account, by the engine's
// constructor and by the state decoder (which requires it first), so it always has slot 0.
inline constexpr uint32_t kFeeAccountSlot = 0;

class Ledger {
 public:
  // Asset code rules: 1..12 characters of [A-Z0-9].
  static bool IsValidAssetCode(std::string_view code);

  // Returns the asset's index, or kNil when unknown.
  uint32_t FindAsset(std::string_view code) const;
  // Returns the asset's index, registering it when new. The code must be valid.
  AssetIndex InternAsset(std::string_view code);
  size_t asset_count() const { return assets_.size(); }
  const std::string& asset_code(AssetIndex a) const { return assets_[a]; }
  // Deposits minus withdrawals of an asset: the sum of every account's available + held.
  Amount& supply(AssetIndex a) { return supply_[a]; }
  Amount supply(AssetIndex a) const { return supply_[a]; }

  // Returns the account's slot, or kNil when unknown.
  uint32_t FindAccount(AccountId id) const {
    const uint32_t* slot = index_.Find(id);
    return slot == nullptr ? kNil : *slot;
  }
  uint32_t GetOrCreateAccount(AccountId id);
  size_t account_count() const { return accounts_.size(); }
  Account& account(uint32_t slot) { return accounts_[slot]; }
  const Account& account(uint32_t slot) const { return accounts_[slot]; }

  Balance& balance(AssetIndex asset, uint32_t slot) { return balances_[asset][slot]; }
  const Balance& balance(AssetIndex asset, uint32_t slot) const { return balances_[asset][slot]; }

  // Links a newly opened order at the end of its account's list (ids only grow, so the list
  // stays in id order).
  void LinkOrder(OrderPool& pool, uint32_t order_slot);
  void UnlinkOrder(OrderPool& pool, uint32_t order_slot);

 private:
  std::vector<std::string> assets_;
  std::vector<Amount> supply_;  // [asset]
  std::vector<Account> accounts_;
  std::vector<std::vector<Balance>> balances_;  // [asset][account slot]
  FlatHashMap<uint64_t, uint32_t> index_;       // account id -> slot
};

}  // namespace dreichor::engine
