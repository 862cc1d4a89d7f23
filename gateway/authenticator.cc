#include "gateway/authenticator.h"

#include "gateway/gateway_errors.h"
#include "util/base64.h"

namespace dreichor::gateway {

using http::ApiError;

std::string SigningPayload(std::string_view timestamp, std::string_view method,
                           std::string_view target, std::string_view body) {
  std::string payload;
  payload.reserve(timestamp.size() + method.size() + target.size() + body.size());
  payload.append(timestamp).append(method).append(target).append(body);
  return payload;
}

std::optional<uint64_t> ParseDecimal(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

Authenticator::Authenticator(const runtime::StateView* state, Clock* clock,
                             std::chrono::milliseconds window, size_t replay_capacity)
    : state_(state), clock_(clock), window_(window), replay_(replay_capacity) {}

AuthResult Authenticator::Check(const SignedRequest& request) {
  auto refuse = [](const http::ErrorCode& code, std::string message) {
    return AuthResult{std::nullopt, ApiError::Of(code, std::move(message))};
  };
  // At most 19 digits: every such number fits in 64 bits.
  const std::optional<uint64_t> key_id = ParseDecimal(request.key_id, 19);
  if (!key_id || *key_id == 0) {
    return refuse(kUnknownApiKey, "the key id must be a positive decimal number");
  }
  const std::optional<uint64_t> timestamp = ParseDecimal(request.timestamp, 15);
  if (!timestamp) {
    return refuse(kStaleTimestamp, "the timestamp must be decimal milliseconds since the epoch");
  }
  const int64_t now_ms = clock_->NowUnixNanos() / 1'000'000;
  const int64_t skew = static_cast<int64_t>(*timestamp) - now_ms;
  if (skew > window_.count() || -skew > window_.count()) {
    return refuse(kStaleTimestamp, "the timestamp is " + std::to_string(skew) +
                                       " ms from the gateway's clock (" + std::to_string(now_ms) +
                                       "); the window is ±" + std::to_string(window_.count()) +
                                       " ms");
  }
  const std::optional<engine::ApiKey> key =
      state_->Read([&](const engine::Engine& e) -> std::optional<engine::ApiKey> {
        const engine::ApiKey* k = e.api_keys().Find(*key_id);
        return k == nullptr ? std::nullopt : std::optional<engine::ApiKey>(*k);
      });
  if (!key) return refuse(kUnknownApiKey, "no API key " + std::to_string(*key_id));
  if (key->revoked)
    return refuse(kApiKeyRevoked, "API key " + std::to_string(*key_id) + " is revoked");
  const std::optional<std::string> signature = Base64Decode(request.signature);
  if (!signature || signature->size() != kEd25519SignatureBytes) {
    return refuse(kBadSignature, "the signature must be 64 bytes in base64");
  }
  std::shared_ptr<const Ed25519PublicKey> verifier = Verifier(*key);
  if (verifier == nullptr || !verifier->Verify(request.payload, *signature)) {
    return refuse(kBadSignature, "the signature does not verify with API key " +
                                     std::to_string(*key_id) +
                                     " over timestamp, method, path and body as received");
  }
  const int64_t expires_ms = static_cast<int64_t>(*timestamp) + window_.count();
  switch (
      replay_.Record(std::to_string(*key_id) + " " + request.replay_token, expires_ms, now_ms)) {
    case ReplayGuard::Use::kFirst:
      break;
    case ReplayGuard::Use::kReplayed:
      return refuse(kReplayed, "this signature or nonce was already used");
    case ReplayGuard::Use::kFull:
      return refuse(kGatewayBusy, "too many recent signatures are remembered; retry shortly");
  }
  return AuthResult{Caller{*key_id, key->account, key->permissions}, {}};
}

bool Authenticator::StillValid(uint64_t key_id) const {
  return state_->Read([&](const engine::Engine& e) {
    const engine::ApiKey* k = e.api_keys().Find(key_id);
    return k != nullptr && !k->revoked;
  });
}

std::shared_ptr<const Ed25519PublicKey> Authenticator::Verifier(const engine::ApiKey& key) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = verifiers_.find(key.id);
  if (it != verifiers_.end() && it->second->raw() == key.public_key) return it->second;
  auto made = Ed25519PublicKey::FromRaw(key.public_key);
  if (!made.ok()) return nullptr;  // 32 bytes that are not a curve point: nothing verifies
  std::shared_ptr<const Ed25519PublicKey> verifier = std::move(made).value();
  verifiers_[key.id] = verifier;
  return verifier;
}

}  // namespace dreichor::gateway
