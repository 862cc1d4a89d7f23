#include "gateway/replay_guard.h"

namespace dreichor::gateway {

ReplayGuard::Use ReplayGuard::Record(const std::string& token, int64_t expires_ms, int64_t now_ms) {
  std::lock_guard<std::mutex> guard(mu_);
  while (!expiries_.empty() && expiries_.top().first < now_ms) {
    seen_.erase(expiries_.top().second);
    expiries_.pop();
  }
  if (seen_.contains(token)) return Use::kReplayed;
  if (seen_.size() >= capacity_) return Use::kFull;
  seen_.insert(token);
  expiries_.emplace(expires_ms, token);
  return Use::kFirst;
}

size_t ReplayGuard::size() const {
  std::lock_guard<std::mutex> guard(mu_);
  return seen_.size();
}

}  // namespace dreichor::gateway
