#include "deploy/access/access_verifier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "deploy/access/base64url.h"
#include "testing/access_tokens.h"
#include "testing/temp_dir.h"

namespace dreichor::deploy {
namespace {

using testing::AccessClaims;
using testing::Jwks;
using testing::SignedToken;
using testing::TestKey;

constexpr char kIssuer[] = "https://example.cloudflareaccess.com";
constexpr char kDevAudience[] = "aud-dev-0123456789abcdef";
constexpr char kProdAudience[] = "aud-prod-fedcba9876543210";
constexpr int64_t kNow = 1'795'000'000;

// RSA key generation is slow; tests share two keys.
const TestKey& CachedKey(const std::string& kid) {
  static std::map<std::string, TestKey> keys;
  auto it = keys.find(kid);
  if (it == keys.end()) it = keys.emplace(kid, TestKey(kid)).first;
  return it->second;
}

class AccessVerifierTest : public ::testing::Test {
 protected:
  AccessVerifierTest() : key_(CachedKey("key-2026-11")), rotated_(CachedKey("key-2026-12")) {
    WriteKeys({&key_});
    verifier_ = std::make_unique<AccessVerifier>(
        AccessPolicy{kIssuer, kDevAudience, {"alice@example.com", "deploy-bot.access"}},
        MakeKeySource(Env::Default(), "file:" + jwks_path_), [this] { return now_; });
  }

  void WriteKeys(const std::vector<const TestKey*>& keys) {
    std::ofstream(jwks_path_) << Jwks(keys);
  }
  nlohmann::json Claims(const std::string& email = "alice@example.com") const {
    return AccessClaims(kIssuer, kDevAudience, email, kNow);
  }
  AccessDecision Verify(const std::string& token) { return verifier_->Verify(token); }

  TempDir dir_;
  std::string jwks_path_ = dir_.path() + "/jwks.json";
  TestKey key_, rotated_;
  int64_t now_ = kNow;
  std::unique_ptr<AccessVerifier> verifier_;
};

TEST_F(AccessVerifierTest, ValidUserTokenIsAllowedWithItsEmail) {
  const AccessDecision d = Verify(SignedToken(key_, Claims()));
  ASSERT_TRUE(d.ok()) << d.reason;
  EXPECT_EQ(d.identity, "alice@example.com");
  EXPECT_FALSE(d.service_token);
}

TEST_F(AccessVerifierTest, ServiceTokenIdentityIsItsCommonName) {
  nlohmann::json claims = Claims();
  claims.erase("email");
  claims["common_name"] = "deploy-bot.access";
  claims["sub"] = "";
  const AccessDecision d = Verify(SignedToken(key_, claims));
  ASSERT_TRUE(d.ok()) << d.reason;
  EXPECT_EQ(d.identity, "deploy-bot.access");
  EXPECT_TRUE(d.service_token);
}

TEST_F(AccessVerifierTest, AudienceAsPlainStringIsAccepted) {
  nlohmann::json claims = Claims();
  claims["aud"] = kDevAudience;
  EXPECT_TRUE(Verify(SignedToken(key_, claims)).ok());
}

TEST_F(AccessVerifierTest, ExpiredTokenIsRefusedBeyondTheSkew) {
  nlohmann::json claims = Claims();
  claims["exp"] = kNow - 31;
  const AccessDecision d = Verify(SignedToken(key_, claims));
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.reason, "token expired");
  claims["exp"] = kNow - 29;  // within 30 s of skew
  EXPECT_TRUE(Verify(SignedToken(key_, claims)).ok());
}

TEST_F(AccessVerifierTest, NotYetValidTokenIsRefused) {
  nlohmann::json claims = Claims();
  claims["nbf"] = kNow + 31;
  const AccessDecision d = Verify(SignedToken(key_, claims));
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.reason, "token not yet valid");
  claims["nbf"] = kNow + 29;
  EXPECT_TRUE(Verify(SignedToken(key_, claims)).ok());
}

TEST_F(AccessVerifierTest, TokenIssuedInTheFutureIsRefused) {
  nlohmann::json claims = Claims();
  claims["iat"] = kNow + 120;
  EXPECT_EQ(Verify(SignedToken(key_, claims)).reason, "token issued in the future");
}

TEST_F(AccessVerifierTest, ProdTokenAtTheDevAgentIsForbidden) {
  const nlohmann::json prod = AccessClaims(kIssuer, kProdAudience, "alice@example.com", kNow);
  const AccessDecision d = Verify(SignedToken(key_, prod));
  EXPECT_EQ(d.http_status, 403);
  EXPECT_EQ(d.reason, "token is for another application (audience)");
}

TEST_F(AccessVerifierTest, WrongIssuerIsRefused) {
  nlohmann::json claims = Claims();
  claims["iss"] = "https://other-team.cloudflareaccess.com";
  const AccessDecision d = Verify(SignedToken(key_, claims));
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.reason, "token issuer is not the team");
}

TEST_F(AccessVerifierTest, BadSignatureIsRefused) {
  std::string token = SignedToken(key_, Claims());
  // Replace the payload with another one (a different identity) under the same signature.
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  token = token.substr(0, dot1 + 1) + testing::Encode(Claims("mallory@example.com")) +
          token.substr(dot2);
  const AccessDecision d = Verify(token);
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.reason, "token signature does not verify");
}

TEST_F(AccessVerifierTest, SignatureByAnotherKeyUnderAKnownKidIsRefused) {
  nlohmann::json header = {{"alg", "RS256"}, {"kid", key_.kid()}};
  EXPECT_EQ(Verify(SignedToken(rotated_, Claims(), header)).reason,
            "token signature does not verify");
}

TEST_F(AccessVerifierTest, UnknownKidIsRefusedThenAcceptedOnceTheKeyIsPublished) {
  ASSERT_TRUE(verifier_->Refresh().ok());
  const std::string token = SignedToken(rotated_, Claims());
  EXPECT_EQ(Verify(token).reason, "token signed by an unknown key");
  // The team rotates: both keys are published. Within the re-fetch interval the agent does not
  // ask again; after it, the unknown kid triggers one fetch and both keys verify.
  WriteKeys({&rotated_, &key_});
  now_ += kRefetchIntervalSeconds - 1;
  EXPECT_EQ(Verify(token).reason, "token signed by an unknown key");
  now_ += 1;
  nlohmann::json claims = Claims();
  claims["iat"] = now_;
  claims["exp"] = now_ + 600;
  EXPECT_TRUE(Verify(SignedToken(rotated_, claims)).ok());
  EXPECT_TRUE(Verify(SignedToken(key_, claims)).ok()) << "the previous key is still honoured";
}

TEST_F(AccessVerifierTest, AlgNoneIsRefused) {
  const std::string token = testing::Encode({{"alg", "none"}, {"kid", key_.kid()}}) + "." +
                            testing::Encode(Claims()) + ".";
  const AccessDecision d = Verify(token);
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.reason, "token algorithm is not RS256");
}

TEST_F(AccessVerifierTest, Hs256SignedWithThePublicKeyIsRefused) {
  const std::string token =
      testing::Hs256Token(key_.PublicPem(), {{"alg", "HS256"}, {"kid", key_.kid()}}, Claims());
  EXPECT_EQ(Verify(token).reason, "token algorithm is not RS256");
}

TEST_F(AccessVerifierTest, MalformedTokensAreRefusedWithTheirReason) {
  EXPECT_EQ(Verify("").reason, "missing Cf-Access-Jwt-Assertion");
  EXPECT_EQ(Verify("abc").reason, "token is not three dot-separated parts");
  EXPECT_EQ(Verify("a.b.c.d").reason, "token is not three dot-separated parts");
  EXPECT_EQ(Verify("!!!." + testing::Encode(Claims()) + ".sig").reason,
            "token header is not base64url JSON");
  EXPECT_EQ(Verify(Base64UrlEncode("{not json") + "." + testing::Encode(Claims()) + ".c2ln").reason,
            "token header is not base64url JSON");
  const std::string header = testing::Encode({{"alg", "RS256"}, {"kid", key_.kid()}});
  EXPECT_EQ(Verify(header + "." + Base64UrlEncode("[1,2]") + ".c2ln").reason,
            "token payload is not base64url JSON");
  EXPECT_EQ(Verify(header + "." + testing::Encode(Claims()) + ".***").reason,
            "token signature is not base64url");
  EXPECT_EQ(Verify(testing::Encode({{"alg", "RS256"}}) + "." + testing::Encode(Claims()) + ".c2ln")
                .reason,
            "token names no key id");
}

TEST_F(AccessVerifierTest, OversizedTokenIsRefusedBeforeParsing) {
  nlohmann::json claims = Claims();
  claims["padding"] = std::string(kMaxTokenBytes, 'x');
  const AccessDecision d = Verify(SignedToken(key_, claims));
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.reason, "token too large");
}

TEST_F(AccessVerifierTest, IdentityNotOnTheListIsForbidden) {
  const AccessDecision d = Verify(SignedToken(key_, Claims("mallory@example.com")));
  EXPECT_EQ(d.http_status, 403);
  EXPECT_EQ(d.reason, "identity not allowed");
  EXPECT_EQ(d.identity, "mallory@example.com");
}

TEST_F(AccessVerifierTest, TokenWithoutIdentityIsForbidden) {
  nlohmann::json claims = Claims();
  claims.erase("email");
  EXPECT_EQ(Verify(SignedToken(key_, claims)).reason, "token names no identity");
}

TEST_F(AccessVerifierTest, MissingTimeClaimsAreRefused) {
  nlohmann::json claims = Claims();
  claims.erase("exp");
  EXPECT_EQ(Verify(SignedToken(key_, claims)).reason, "token lacks exp or iat");
}

TEST_F(AccessVerifierTest, TimeClaimsBeyondInt64AreMalformedNotPast) {
  // Each of these would wrap to a time in the past if converted without a range check.
  const std::vector<nlohmann::json> unrepresentable = {
      1e19,   nlohmann::json(uint64_t{10'000'000'000'000'000'000u}),
      1e300,  -1e300,
      9.3e18, "1700000000",
      nullptr};
  for (const char* claim : {"nbf", "iat", "exp"}) {
    for (const nlohmann::json& value : unrepresentable) {
      nlohmann::json claims = Claims();
      claims[claim] = value;
      const AccessDecision d = Verify(SignedToken(key_, claims));
      EXPECT_EQ(d.http_status, 401) << claim << "=" << value.dump();
      EXPECT_EQ(d.reason, std::string("token ") + claim + " is not a representable time")
          << claim << "=" << value.dump();
    }
  }
}

TEST_F(AccessVerifierTest, FarFutureTimeClaimsThatFitAreJudgedAsTimes) {
  nlohmann::json claims = Claims();
  claims["nbf"] = int64_t{9'000'000'000'000'000'000};
  EXPECT_EQ(Verify(SignedToken(key_, claims)).reason, "token not yet valid");
  claims = Claims();
  claims["iat"] = int64_t{9'000'000'000'000'000'000};
  EXPECT_EQ(Verify(SignedToken(key_, claims)).reason, "token issued in the future");
  claims = Claims();
  claims["exp"] = INT64_MAX;  // no overflow when the skew is applied
  EXPECT_TRUE(Verify(SignedToken(key_, claims)).ok());
  claims["exp"] = INT64_MIN;
  EXPECT_EQ(Verify(SignedToken(key_, claims)).reason, "token expired");
  claims = Claims();
  claims["exp"] = static_cast<double>(kNow) + 0.5;  // NumericDate may carry a fraction
  EXPECT_TRUE(Verify(SignedToken(key_, claims)).ok());
}

TEST_F(AccessVerifierTest, CritHeaderIsRefusedWhateverItLists) {
  // RFC 7515 §4.1.11: a verifier must refuse critical extensions it does not understand.
  for (const nlohmann::json& crit : {nlohmann::json::array({"exp"}), nlohmann::json::array({"b64"}),
                                     nlohmann::json::array(), nlohmann::json("b64")}) {
    const nlohmann::json header = {{"alg", "RS256"}, {"kid", key_.kid()}, {"crit", crit}};
    const AccessDecision d = Verify(SignedToken(key_, Claims(), header));
    EXPECT_EQ(d.http_status, 401) << crit.dump();
    EXPECT_EQ(d.reason,
              "token header lists critical extensions (crit) this verifier does not know");
  }
}

TEST(JwksTest, MalformedDocumentsAreErrorsNamingTheProblem) {
  EXPECT_NE(ParseJwks("nope").status().message().find("not JSON"), std::string::npos);
  EXPECT_NE(ParseJwks("{}").status().message().find("no \"keys\" array"), std::string::npos);
  EXPECT_NE(ParseJwks(R"({"keys":[{"kty":"EC","kid":"x"}]})")
                .status()
                .message()
                .find("no RS256 signing key"),
            std::string::npos);
  EXPECT_NE(ParseJwks(R"({"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"}]})")
                .status()
                .message()
                .find("bits"),
            std::string::npos)
      << "a toy modulus is refused";
}

TEST(Base64UrlTest, RoundTripsAndRejectsForeignCharacters) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("ab+c"));
  EXPECT_FALSE(Base64UrlDecode("abc="));
  EXPECT_FALSE(Base64UrlDecode("a"));
  EXPECT_FALSE(Base64UrlDecode("-_9")) << "non-zero trailing bits are not canonical";
}

}  // namespace
}  // namespace dreichor::deploy
