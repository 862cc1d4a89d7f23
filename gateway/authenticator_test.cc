#include "gateway/authenticator.h"

#include <gtest/gtest.h>

#include "gateway/gateway_errors.h"
#include "testing/fake_clock.h"
#include "util/base64.h"

namespace dreichor::gateway {
namespace {

// A state with keys: the engine behind a StateView, as the gateway's follower offers it.
class EngineState final : public runtime::StateView {
 public:
  void Visit(const std::function<void(const engine::Engine&, const Position&)>& f) const override {
    f(engine, Position{});
  }
  engine::Engine engine;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = Ed25519PrivateKey::Generate().value();
    other_ = Ed25519PrivateKey::Generate().value();
    ASSERT_TRUE(Register(7, 1001, key_->public_key(), engine::kAllPermissions));
  }
  bool Register(uint64_t id, engine::AccountId account, const Ed25519Bytes& key, uint8_t perms) {
    return state_.engine.Apply(engine::RegisterApiKey{id, account, key, perms}, 1).accepted;
  }
  // A signed POST /v1/orders as a client would send it, `skew_ms` from the clock.
  SignedRequest Signed(const Ed25519PrivateKey& key, const std::string& key_id, int64_t skew_ms,
                       const std::string& body) {
    timestamp_ = std::to_string(clock_.NowUnixNanos() / 1'000'000 + skew_ms);
    SignedRequest r;
    r.key_id = key_id_ = key_id;
    r.timestamp = timestamp_;
    r.payload = SigningPayload(timestamp_, "POST", "/v1/orders", body);
    signature_ = Base64Encode(key.Sign(r.payload));
    r.signature = signature_;
    r.replay_token = "rest " + signature_;
    return r;
  }
  std::string Code(const SignedRequest& r) {
    AuthResult a = auth_.Check(r);
    return a.caller ? "ok" : a.error.code;
  }

  testing::FakeClock clock_;
  EngineState state_;
  Authenticator auth_{&state_, &clock_, std::chrono::milliseconds(5000), 1000};
  std::unique_ptr<Ed25519PrivateKey> key_;
  std::unique_ptr<Ed25519PrivateKey> other_;
  std::string key_id_, timestamp_, signature_;
};

TEST_F(AuthenticatorTest, AGoodSignatureNamesTheKeysAccountAndPermissions) {
  AuthResult a = auth_.Check(Signed(*key_, "7", 0, R"({"account":1001})"));
  ASSERT_TRUE(a.caller.has_value()) << a.error.message;
  EXPECT_EQ(a.caller->account, 1001u);
  EXPECT_TRUE(a.caller->Can(engine::kPermissionTrade));
}

TEST_F(AuthenticatorTest, EveryRefusalHasItsCode) {
  EXPECT_EQ(Code(Signed(*key_, "8", 0, "{}")), kUnknownApiKey.code);
  EXPECT_EQ(Code(Signed(*key_, "x7", 0, "{}")), kUnknownApiKey.code);
  EXPECT_EQ(Code(Signed(*key_, "7", 5001, "{}")), kStaleTimestamp.code);
  EXPECT_EQ(Code(Signed(*key_, "7", -5001, "{}")), kStaleTimestamp.code);
  EXPECT_EQ(Code(Signed(*other_, "7", 0, "{}")), kBadSignature.code) << "another key's signature";
  SignedRequest altered = Signed(*key_, "7", 0, R"({"account":1001})");
  altered.payload = SigningPayload(timestamp_, "POST", "/v1/orders", R"({"account":1002})");
  EXPECT_EQ(Code(altered), kBadSignature.code) << "a body other than the one signed";
  SignedRequest garbled = Signed(*key_, "7", 0, "{}");
  garbled.signature = "not base64!";
  EXPECT_EQ(Code(garbled), kBadSignature.code);
  SignedRequest once = Signed(*key_, "7", 0, "{}");
  EXPECT_EQ(Code(once), "ok");
  EXPECT_EQ(Code(once), kReplayed.code);
  ASSERT_TRUE(state_.engine.Apply(engine::RevokeApiKey{7}, 2).accepted);
  EXPECT_EQ(Code(Signed(*key_, "7", 1, "{}")), kApiKeyRevoked.code);
  EXPECT_FALSE(auth_.StillValid(7));
}

TEST_F(AuthenticatorTest, ForgedRequestsDoNotFillTheReplayMemory) {
  for (int i = 0; i < 50; ++i) Code(Signed(*other_, "7", i, "{}"));
  EXPECT_EQ(auth_.replay().size(), 0u);
}

TEST(SigningPayloadTest, IsTimestampMethodTargetBodyConcatenated) {
  EXPECT_EQ(SigningPayload("1700000000000", "GET", "/v1/accounts/5/orders?market=1", ""),
            "1700000000000GET/v1/accounts/5/orders?market=1");
}

}  // namespace
}  // namespace dreichor::gateway
