// Authenticator: decides who sent a signed request (docs/gateway.md, "Signing").
//
// A client signs, with its API key's Ed25519 private key,
//   REST:   timestamp || method || target || body      (target: path and query as sent)
//   logon:  timestamp || "GET" || "/v1/session" || nonce
// where timestamp is the decimal milliseconds since the Unix epoch it sends alongside. A request
// passes when its key is registered and not revoked in the state the gateway follows, its
// timestamp is within the window of this host's clock, the signature verifies, and the signature
// (REST) or nonce (logon) was not used before within the window. Checks run cheapest first; the
// replay memory records only requests whose signature verified, so forged traffic cannot fill
// it. Permissions and the account are the caller's to check (they depend on the route).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/api_keys.h"
#include "gateway/replay_guard.h"
#include "http/error.h"
#include "runtime/state_view.h"
#include "util/clock.h"
#include "util/ed25519.h"

namespace dreichor::gateway {

// The bytes a client signs.
std::string SigningPayload(std::string_view timestamp, std::string_view method,
                           std::string_view target, std::string_view body);

// Who a request comes from, once authenticated.
struct Caller {
  uint64_t key_id = 0;
  engine::AccountId account = 0;
  uint8_t permissions = 0;
  bool Can(uint8_t permission) const { return (permissions & permission) != 0; }
};

// What a signed request or logon carries, as text from the wire.
struct SignedRequest {
  std::string_view key_id;
  std::string_view timestamp;
  std::string_view signature;  // base64, 64 bytes
  std::string payload;         // SigningPayload(...) of what was received
  std::string replay_token;    // what may not repeat within the window
};

struct AuthResult {
  std::optional<Caller> caller;  // set when authenticated
  http::ApiError error;          // otherwise why not
};

class Authenticator {
 public:
  Authenticator(const runtime::StateView* state, Clock* clock, std::chrono::milliseconds window,
                size_t replay_capacity);

  AuthResult Check(const SignedRequest& request);
  // Whether key `key_id` may still be used (registered, not revoked): sessions ask again.
  bool StillValid(uint64_t key_id) const;

  std::chrono::milliseconds window() const { return window_; }
  const ReplayGuard& replay() const { return replay_; }

 private:
  // The key's verifier, made once per key id (and public key) and kept.
  std::shared_ptr<const Ed25519PublicKey> Verifier(const engine::ApiKey& key);

  const runtime::StateView* state_;
  Clock* clock_;
  const std::chrono::milliseconds window_;
  ReplayGuard replay_;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<const Ed25519PublicKey>> verifiers_;  // GUARDED_BY
};

// Decimal digits only, no sign or leading '+', at most `max_digits`; nullopt otherwise.
std::optional<uint64_t> ParseDecimal(std::string_view text, size_t max_digits);

}  // namespace dreichor::gateway
