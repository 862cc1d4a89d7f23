#include "deploy/access/access_verifier.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "deploy/access/base64url.h"
#include "util/json_cursor.h"

namespace dreichor::deploy {

namespace {

using nlohmann::json;

AccessDecision Deny(int status, std::string reason) {
  AccessDecision d;
  d.http_status = status;
  d.reason = std::move(reason);
  return d;
}

// A base64url part decoded and parsed as a JSON object; nullopt if either step fails.
std::optional<json> DecodeJsonPart(std::string_view part) {
  const auto bytes = Base64UrlDecode(part);
  if (!bytes) return std::nullopt;
  json j = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A NumericDate claim (RFC 7519 §2: seconds, possibly with a fraction, rounded down here).
enum class TimeClaimState { kAbsent, kMalformed, kOk };
TimeClaimState TimeClaim(const json& claims, const char* name, int64_t* seconds) {
  const auto it = claims.find(name);
  if (it == claims.end()) return TimeClaimState::kAbsent;
  // A number that int64 cannot hold (1e19, 1e300) is malformed, never wrapped into the past.
  const std::optional<int64_t> value = JsonInt64Floor(*it);
  if (!value) return TimeClaimState::kMalformed;
  *seconds = *value;
  return TimeClaimState::kOk;
}

bool AudienceContains(const json& claims, const std::string& audience) {
  const auto aud = claims.find("aud");
  if (aud == claims.end()) return false;
  if (aud->is_string()) return *aud == audience;
  if (!aud->is_array()) return false;
  return std::any_of(aud->begin(), aud->end(),
                     [&](const json& a) { return a.is_string() && a == audience; });
}

std::string StringClaim(const json& claims, const char* name) {
  const auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

AccessVerifier::AccessVerifier(AccessPolicy policy, std::unique_ptr<KeySource> keys,
                               std::function<int64_t()> now_unix_seconds)
    : policy_(std::move(policy)), source_(std::move(keys)), now_(std::move(now_unix_seconds)) {}

Status AccessVerifier::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  last_fetch_ = now_();
  last_refresh_ok_ = false;
  auto text = source_->Fetch();
  if (!text.ok()) return text.status();
  auto keys = ParseJwks(text.value());
  if (!keys.ok())
    return Status::InvalidArgument(source_->Describe() + ": " + keys.status().message());
  keys_ = std::move(keys).value();
  last_refresh_ok_ = true;
  return Status::Ok();
}

size_t AccessVerifier::KeyCount() {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

PublicKey AccessVerifier::KeyFor(const std::string& kid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = keys_.find(kid); it != keys_.end()) return it->second;
    if (now_() - last_fetch_ < kRefetchIntervalSeconds) return nullptr;
  }
  if (!Refresh().ok()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second;
}

AccessDecision AccessVerifier::Verify(std::string_view token) {
  if (token.empty()) return Deny(401, "missing Cf-Access-Jwt-Assertion");
  if (token.size() > kMaxTokenBytes) return Deny(401, "token too large");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Deny(401, "token is not three dot-separated parts");
  }
  const auto header = DecodeJsonPart(token.substr(0, dot1));
  if (!header) return Deny(401, "token header is not base64url JSON");
  const auto payload = DecodeJsonPart(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return Deny(401, "token payload is not base64url JSON");
  const auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!signature) return Deny(401, "token signature is not base64url");

  if (StringClaim(*header, "alg") != "RS256") return Deny(401, "token algorithm is not RS256");
  // RFC 7515 §4.1.11: extensions listed in crit must be understood; this verifier knows none.
  if (header->contains("crit")) {
    return Deny(401, "token header lists critical extensions (crit) this verifier does not know");
  }
  const std::string kid = StringClaim(*header, "kid");
  if (kid.empty()) return Deny(401, "token names no key id");
  const PublicKey key = KeyFor(kid);
  if (!key) return Deny(401, "token signed by an unknown key");
  if (!VerifyRs256(key.get(), token.substr(0, dot2), *signature)) {
    return Deny(401, "token signature does not verify");
  }

  const json& claims = *payload;
  if (StringClaim(claims, "iss") != policy_.issuer)
    return Deny(401, "token issuer is not the team");
  // Arithmetic stays on the side of `now`, which is sane; a claim can be any int64.
  const int64_t now = now_();
  int64_t exp = 0, iat = 0, nbf = 0;
  const TimeClaimState exp_state = TimeClaim(claims, "exp", &exp);
  const TimeClaimState iat_state = TimeClaim(claims, "iat", &iat);
  const TimeClaimState nbf_state = TimeClaim(claims, "nbf", &nbf);
  for (const auto& [state, name] :
       {std::pair{exp_state, "exp"}, {iat_state, "iat"}, {nbf_state, "nbf"}}) {
    if (state == TimeClaimState::kMalformed) {
      return Deny(401, std::string("token ") + name + " is not a representable time");
    }
  }
  if (exp_state == TimeClaimState::kAbsent || iat_state == TimeClaimState::kAbsent) {
    return Deny(401, "token lacks exp or iat");
  }
  if (now - kMaxSkewSeconds > exp) return Deny(401, "token expired");
  if (iat > now + kMaxSkewSeconds) return Deny(401, "token issued in the future");
  if (nbf_state == TimeClaimState::kOk && nbf > now + kMaxSkewSeconds) {
    return Deny(401, "token not yet valid");
  }
  if (!AudienceContains(claims, policy_.audience)) {
    return Deny(403, "token is for another application (audience)");
  }

  AccessDecision d;
  d.identity = StringClaim(claims, "email");
  if (d.identity.empty()) {
    d.identity = StringClaim(claims, "common_name");
    d.service_token = true;
  }
  if (d.identity.empty()) return Deny(403, "token names no identity");
  const auto& allowed = policy_.allowed_identities;
  if (std::find(allowed.begin(), allowed.end(), d.identity) == allowed.end()) {
    AccessDecision denied = Deny(403, "identity not allowed");
    denied.identity = d.identity;
    return denied;
  }
  return d;
}

}  // namespace dreichor::deploy
