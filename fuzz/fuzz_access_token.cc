// Fuzz target: Cloudflare Access tokens at the deploy agent's door (deploy/access/).
//
// The first input byte chooses the mode. Even: the rest is the token as sent. Odd: the rest is
// "<header JSON>\n<payload JSON>", which the harness encodes and signs with the agent's real key,
// so the fuzzer explores the claim checks behind a valid signature. Promises checked: nothing
// crashes or throws; every refusal is a 401 or 403 with a reason that does not contain the
// token (one longer than any fixed reason); an accepted token was signed by the key, names the
// issuer, the audience and an allowed identity, and is within its time window.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "deploy/access/access_verifier.h"
#include "fuzz/fixtures.h"
#include "testing/access_tokens.h"

using namespace dreichor;

namespace {

using fuzz::kAudience;
using fuzz::kIdentity;
using fuzz::kIssuer;
constexpr int64_t kNow = fuzz::kTokenNow;
constexpr size_t kLongestReason = 100;

class FixedKeys final : public deploy::KeySource {
 public:
  explicit FixedKeys(std::string jwks) : jwks_(std::move(jwks)) {}
  Result<std::string> Fetch() override { return jwks_; }
  std::string Describe() const override { return "fixed"; }

 private:
  std::string jwks_;
};

struct Door {
  testing::TestKey key{"k1"};
  deploy::AccessVerifier verifier{deploy::AccessPolicy{kIssuer, kAudience, {kIdentity}},
                                  std::make_unique<FixedKeys>(testing::Jwks({&key})),
                                  [] { return kNow; }};
};

Door& TheDoor() {
  static Door* door = new Door();
  return *door;
}

bool Within(const nlohmann::json& claims, const char* name, bool lower_bound) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return false;
  const double t = it->get<double>();
  return lower_bound ? t >= static_cast<double>(kNow - deploy::kMaxSkewSeconds)
                     : t <= static_cast<double>(kNow + deploy::kMaxSkewSeconds);
}

// What an accepted token must say, checked independently of the verifier.
void CheckAccepted(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  auto payload = deploy::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) std::abort();
  const nlohmann::json claims =
      nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object() || claims.value("iss", nlohmann::json()) != kIssuer) std::abort();
  if (!Within(claims, "exp", true) || !Within(claims, "iat", false)) std::abort();
  const nlohmann::json aud = claims.value("aud", nlohmann::json());
  const bool audience_ok =
      aud == kAudience ||
      (aud.is_array() && std::find(aud.begin(), aud.end(), kAudience) != aud.end());
  if (!audience_ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Door& door = TheDoor();
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string token;
  if (data[0] % 2 == 0) {
    token = rest;
  } else {
    const size_t newline = rest.find('\n');
    if (newline == std::string::npos) return 0;
    const std::string input = deploy::Base64UrlEncode(rest.substr(0, newline)) + "." +
                              deploy::Base64UrlEncode(rest.substr(newline + 1));
    token = input + "." + deploy::Base64UrlEncode(door.key.SignRs256(input));
  }
  const deploy::AccessDecision decision = door.verifier.Verify(token);
  if (decision.ok()) {
    if (decision.identity != kIdentity) std::abort();
    CheckAccepted(token);
    return 0;
  }
  if (decision.http_status != 401 && decision.http_status != 403) std::abort();
  if (decision.reason.empty()) std::abort();
  // An echo of the token would show for a token longer than every fixed reason (≤ 80 bytes); a
  // shorter one can be a piece of a reason's own words (the fuzzer copies them from comparisons:
  // "en is not three dot-sepa"), which is no leak.
  if (token.size() > kLongestReason && decision.reason.find(token) != std::string::npos) {
    std::abort();
  }
  return 0;
}
