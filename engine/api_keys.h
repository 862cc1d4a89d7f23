// ApiKeys: the API keys clients sign with, as part of the engine's audited state.
//
// A key is an Ed25519 public key (the client keeps the private key; the system never sees it),
// registered under an operator-chosen id, bound to one account, with permissions: `read` (the
// account's balances, orders and private stream) and `trade` (place, cancel, amend). Keys change
// only through the audited admin commands register_api_key and revoke_api_key, so who could
// trade for which account at any sequence is a replayable fact. A revoked key stays in the state
// (its id and public key are never reused) and can never be used again. Keys are kept in
// ascending id order, so equal histories give equal states.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/reason.h"
#include "engine/types.h"

namespace dreichor::engine {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
using PublicKey = std::array<uint8_t, kEd25519PublicKeyBytes>;

// Permission bits; a key has at least one and no others.
inline constexpr uint8_t kPermissionRead = 1;
inline constexpr uint8_t kPermissionTrade = 2;
inline constexpr uint8_t kAllPermissions = kPermissionRead | kPermissionTrade;

struct ApiKey {
  uint64_t id = 0;
  AccountId account = 0;
  PublicKey public_key{};
  uint8_t permissions = 0;
  bool revoked = false;
  bool operator==(const ApiKey&) const = default;
};

class ApiKeys {
 public:
  static constexpr size_t kMaxKeys = 100'000;  // registered ever, revoked ones included
  static constexpr size_t kMaxKeysPerAccount = 64;

  // kNone when registered; otherwise why not (nothing changed).
  Reason Register(const ApiKey& key);
  Reason Revoke(uint64_t id);

  // nullptr for an unknown id; revoked keys are found (and say so).
  const ApiKey* Find(uint64_t id) const;
  const std::map<uint64_t, ApiKey>& keys() const { return keys_; }

  // For the state decoder: replaces the keys when every key is valid and no id or public key
  // repeats (`keys` ascending by id); false (and nothing changed) otherwise.
  bool Restore(const std::vector<ApiKey>& keys);

  bool operator==(const ApiKeys& other) const { return keys_ == other.keys_; }

 private:
  std::map<uint64_t, ApiKey> keys_;
  std::set<PublicKey> public_keys_;            // every key's, for uniqueness
  std::map<AccountId, uint32_t> per_account_;  // keys ever registered per account
};

// "read", "trade" or "read,trade" (the JSON form of the permission bits); "" for none.
std::string PermissionsName(uint8_t permissions);

}  // namespace dreichor::engine
