#include "engine/command_codec.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/api_keys.h"
#include "util/sha256.h"

namespace dreichor::engine {
namespace {

PlaceOrder SamplePlace() {
  PlaceOrder p;
  p.account = 7;
  p.market = 1;
  p.client_order_id = 42;
  p.side = Side::kBuy;
  p.kind = OrderKind::kLimit;
  p.price = 100;
  p.quantity = 5;
  return p;
}

std::array<uint8_t, 32> Key() {
  std::array<uint8_t, 32> key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i + 1);
  return key;
}

std::vector<Command> OneOfEach() {
  CreateMarket cm{9, "ETH-USD", "ETH", "USD", 1, 1000, 1, 500, 5, 15};
  SetRiskLimits rl{7, 10, 20, 30, 40, 50, 60, StpMode::kCancelBoth};
  AmendOrder am{7, OrderRef{0, 42}, 101, 4};
  return {cm,
          SetMarketStatus{9, MarketStatus::kHalted},
          Deposit{7, "USD", 1000},
          Withdraw{7, "USD", 10},
          rl,
          SamplePlace(),
          CancelOrder{7, OrderRef{3, 0}},
          CancelAll{7, 9},
          am,
          SetRetention{1, 5'000, 1'956'528'000'000'000'000},
          LegalHold{2027001, true},
          LegalHold{2027001, false},
          RegisterApiKey{77, 7, Key(), kAllPermissions},
          RevokeApiKey{77}};
}

TEST(CommandCodecTest, EveryCommandTypeRoundTrips) {
  std::set<CommandType> seen;
  for (const Command& c : OneOfEach()) seen.insert(TypeOf(c));
  EXPECT_EQ(seen.size(), kCommandTypeCount) << "OneOfEach misses a command type";
  for (const Command& c : OneOfEach()) {
    std::string bytes = EncodeCommand(c);
    Result<Command> back = DecodeCommand(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(TypeOf(back.value()), TypeOf(c));
    EXPECT_EQ(EncodeCommand(back.value()), bytes) << CommandTypeName(TypeOf(c));
  }
}

TEST(CommandCodecTest, AShortPublicKeyIsRefused) {
  std::string bytes = EncodeCommand(RegisterApiKey{77, 7, Key(), kPermissionRead});
  bytes.resize(bytes.size() - 10);
  Result<Command> back = DecodeCommand(bytes);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("register_api_key"), std::string::npos)
      << back.status().ToString();
}

TEST(CommandCodecTest, ALegalHoldFlagOtherThanZeroOrOneIsRefused) {
  std::string bytes = EncodeCommand(LegalHold{7, true});
  bytes.back() = 2;
  Result<Command> back = DecodeCommand(bytes);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("placed"), std::string::npos) << back.status().ToString();
}

// The worked example of docs/command-encoding.md, byte for byte.
TEST(CommandCodecTest, PlaceOrderMatchesTheDocumentedExample) {
  const std::string expected_hex =
      "01"                 // encoding version
      "1000"               // type 16 = place_order
      "0700000000000000"   // account 7
      "01000000"           // market 1
      "2a00000000000000"   // client order id 42
      "01"                 // side buy
      "01"                 // kind limit
      "6400000000000000"   // price 100 ticks
      "0500000000000000"   // quantity 5 lots
      "0000000000000000";  // quote budget 0
  std::string bytes = EncodeCommand(SamplePlace());
  EXPECT_EQ(ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), expected_hex);
}

// The second worked example of docs/command-encoding.md: registering RFC 8032's first test key.
TEST(CommandCodecTest, RegisterApiKeyMatchesTheDocumentedExample) {
  const std::string key_hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  RegisterApiKey c{7, 1001, {}, kAllPermissions};
  for (size_t i = 0; i < c.public_key.size(); ++i) {
    c.public_key[i] = static_cast<uint8_t>(std::stoi(key_hex.substr(2 * i, 2), nullptr, 16));
  }
  const std::string expected_hex =
      "01"                // encoding version
      "0800"              // type 8 = register_api_key
      "0700000000000000"  // key id 7
      "e903000000000000"  // account 1001
      + key_hex +         // the Ed25519 public key, 32 raw bytes
      "03";               // permissions read (1) | trade (2)
  const std::string bytes = EncodeCommand(c);
  EXPECT_EQ(ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), expected_hex);
}

TEST(CommandCodecTest, TypeCodesAreFrozen) {
  EXPECT_EQ(static_cast<int>(CommandType::kCreateMarket), 1);
  EXPECT_EQ(static_cast<int>(CommandType::kSetMarketStatus), 2);
  EXPECT_EQ(static_cast<int>(CommandType::kDeposit), 3);
  EXPECT_EQ(static_cast<int>(CommandType::kWithdraw), 4);
  EXPECT_EQ(static_cast<int>(CommandType::kSetRiskLimits), 5);
  EXPECT_EQ(static_cast<int>(CommandType::kSetRetention), 6);
  EXPECT_EQ(static_cast<int>(CommandType::kLegalHold), 7);
  EXPECT_EQ(static_cast<int>(CommandType::kRegisterApiKey), 8);
  EXPECT_EQ(static_cast<int>(CommandType::kRevokeApiKey), 9);
  EXPECT_EQ(static_cast<int>(CommandType::kPlaceOrder), 16);
  EXPECT_EQ(static_cast<int>(CommandType::kCancelOrder), 17);
  EXPECT_EQ(static_cast<int>(CommandType::kCancelAll), 18);
  EXPECT_EQ(static_cast<int>(CommandType::kAmendOrder), 19);
}

TEST(CommandCodecTest, EveryTruncationIsRejected) {
  for (const Command& c : OneOfEach()) {
    std::string bytes = EncodeCommand(c);
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(DecodeCommand(std::string_view(bytes).substr(0, n)).ok())
          << CommandTypeName(TypeOf(c)) << " cut to " << n;
    }
  }
}

TEST(CommandCodecTest, TrailingBytesAreRejected) {
  std::string bytes = EncodeCommand(SamplePlace()) + "x";
  Result<Command> r = DecodeCommand(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
}

TEST(CommandCodecTest, UnknownTypeIsRejectedByName) {
  std::string bytes = EncodeCommand(SamplePlace());
  bytes[1] = 99;
  Result<Command> r = DecodeCommand(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown type code 99"), std::string::npos);
}

TEST(CommandCodecTest, FutureVersionIsUnsupported) {
  std::string bytes = EncodeCommand(SamplePlace());
  bytes[0] = 2;
  Result<Command> r = DecodeCommand(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

TEST(CommandCodecTest, OverlongAssetCodeIsRejected) {
  std::string bytes = EncodeCommand(Deposit{7, "ABCDEFGHIJKLMNOP", 1});
  EXPECT_FALSE(DecodeCommand(bytes).ok());
}

}  // namespace
}  // namespace dreichor::engine
