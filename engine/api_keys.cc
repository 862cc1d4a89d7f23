#include "engine/api_keys.h"

#include <algorithm>

namespace dreichor::engine {
namespace {

bool Valid(const ApiKey& key) {
  const bool zero_key =
      std::all_of(key.public_key.begin(), key.public_key.end(), [](uint8_t b) { return b == 0; });
  return key.id != 0 && key.account != kFeeAccountId && !zero_key && key.permissions != 0 &&
         (key.permissions & ~kAllPermissions) == 0;
}

}  // namespace

Reason ApiKeys::Register(const ApiKey& key) {
  if (!Valid(key) || key.revoked) return Reason::kInvalidApiKey;
  if (keys_.contains(key.id) || public_keys_.contains(key.public_key)) {
    return Reason::kApiKeyExists;
  }
  if (keys_.size() >= kMaxKeys || per_account_[key.account] >= kMaxKeysPerAccount) {
    if (per_account_[key.account] == 0) per_account_.erase(key.account);
    return Reason::kApiKeysFull;
  }
  keys_.emplace(key.id, key);
  public_keys_.insert(key.public_key);
  ++per_account_[key.account];
  return Reason::kNone;
}

Reason ApiKeys::Revoke(uint64_t id) {
  auto it = keys_.find(id);
  if (it == keys_.end()) return Reason::kUnknownApiKey;
  if (it->second.revoked) return Reason::kApiKeyRevoked;
  it->second.revoked = true;
  return Reason::kNone;
}

const ApiKey* ApiKeys::Find(uint64_t id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

bool ApiKeys::Restore(const std::vector<ApiKey>& keys) {
  ApiKeys restored;
  uint64_t previous = 0;
  for (const ApiKey& key : keys) {
    if (key.id <= previous) return false;
    previous = key.id;
    ApiKey fresh = key;
    fresh.revoked = false;
    if (restored.Register(fresh) != Reason::kNone) return false;
    if (key.revoked) restored.keys_[key.id].revoked = true;
  }
  *this = std::move(restored);
  return true;
}

std::string PermissionsName(uint8_t permissions) {
  std::string name = (permissions & kPermissionRead) ? "read" : "";
  if (permissions & kPermissionTrade) name += name.empty() ? "trade" : ",trade";
  return name;
}

}  // namespace dreichor::engine
