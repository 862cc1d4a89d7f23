// Verifies Cloudflare Access tokens (the Cf-Access-Jwt-Assertion header) for one application.
//
// A token passes when: it is three base64url parts of at most kMaxTokenBytes; its header says
// alg RS256 (nothing else: not "none", not HS256) and names a key id; the signature verifies
// with that key from the team's key set; "iss" is the team domain; "aud" (a string or a list)
// contains this agent's audience tag; "exp", "iat" and, when present, "nbf" hold within
// kMaxSkew of now; and the identity — "email", or for a service token "common_name" — is on the
// allowed list. Keys are cached; a token naming an unknown key id triggers one re-fetch, at most
// once per kRefetchInterval, so both a rotated-in key and the previous one are honoured.
//
//   AccessVerifier verifier(policy, std::make_unique<FileKeySource>("/path/jwks.json"), now);
//   AccessDecision d = verifier.Verify(token);
//   if (!d.ok()) respond(d.http_status, d.reason);   // 401 not authenticated, 403 not allowed
//
// Thread-safe. Never logs or returns the token.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "deploy/access/jwks.h"
#include "deploy/access/key_source.h"

namespace dreichor::deploy {

inline constexpr size_t kMaxTokenBytes = 8192;
inline constexpr int64_t kMaxSkewSeconds = 30;
inline constexpr int64_t kRefetchIntervalSeconds = 30;

struct AccessPolicy {
  std::string issuer;    // the team domain, "https://<team>.cloudflareaccess.com"
  std::string audience;  // the application's audience tag
  std::vector<std::string> allowed_identities;
};

struct AccessDecision {
  int http_status = 0;  // 0 when allowed; else 401 or 403
  std::string reason;   // short, for the answer and the log; never contains the token
  std::string identity;
  bool service_token = false;
  bool ok() const { return http_status == 0; }
};

class AccessVerifier {
 public:
  // `now_unix_seconds` is the clock (injected so that tests control time).
  AccessVerifier(AccessPolicy policy, std::unique_ptr<KeySource> keys,
                 std::function<int64_t()> now_unix_seconds);

  // Loads the key set now (at startup); the error says why it failed. Verification works
  // without it: the first token loads the keys (subject to the re-fetch interval).
  Status Refresh();
  AccessDecision Verify(std::string_view token);
  // For metrics: the keys held now, and whether the last fetch of the key set succeeded.
  size_t KeyCount();
  bool LastRefreshSucceeded() const { return last_refresh_ok_.load(); }

 private:
  PublicKey KeyFor(const std::string& kid);

  const AccessPolicy policy_;
  const std::unique_ptr<KeySource> source_;
  const std::function<int64_t()> now_;
  std::mutex mu_;
  KeySet keys_;                         // GUARDED_BY(mu_)
  int64_t last_fetch_ = INT64_MIN / 2;  // GUARDED_BY(mu_), unix seconds of the last attempt
  std::atomic<bool> last_refresh_ok_{false};
};

}  // namespace dreichor::deploy
