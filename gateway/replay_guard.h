// ReplayGuard: remembers each signature (and each logon nonce) until its timestamp leaves the
// signature window, so that a captured request cannot be sent again while it would still pass
// the timestamp check. Bounded: past `capacity` remembered tokens, new ones are refused (kFull)
// rather than old ones forgotten early. Thread-safe.
//
// One gateway's memory: replicas behind one balancer each keep their own, so a request captured
// on the wire could be replayed once to each replica within the window (docs/gateway.md says
// what bounds this).
#pragma once

#include <cstdint>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dreichor::gateway {

class ReplayGuard {
 public:
  explicit ReplayGuard(size_t capacity) : capacity_(capacity) {}

  enum class Use { kFirst, kReplayed, kFull };
  // Records `token` until `expires_ms` (the request's timestamp plus the window) and says
  // whether it was new; forgets the tokens whose expiry is before `now_ms` first.
  Use Record(const std::string& token, int64_t expires_ms, int64_t now_ms);
  size_t size() const;

 private:
  using Entry = std::pair<int64_t, std::string>;  // expiry, token
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> seen_;                                     // GUARDED_BY(mu_)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> expiries_;  // GUARDED_BY(mu_)
};

}  // namespace dreichor::gateway
