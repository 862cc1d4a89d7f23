// Commands to JSON and back: every command type round-trips, and bad bodies are refused with
// the field named.
#include "command_json/command_json.h"

#include <gtest/gtest.h>

#include "engine/api_keys.h"
#include "engine/command_codec.h"

namespace dreichor::command_json {
namespace {

using namespace engine;

std::vector<Command> OneOfEach() {
  PlaceOrder place;
  place.account = 7;
  place.market = 1;
  place.client_order_id = 99;
  place.side = Side::kBuy;
  place.kind = OrderKind::kMarket;
  place.quantity = 5;
  place.quote_budget = 12345;
  SetRiskLimits limits;
  limits.account = 7;
  limits.max_order_quantity = 10;
  limits.max_open_orders = 3;
  limits.stp_mode = StpMode::kCancelBoth;
  CreateMarket market;
  market.market = 2;
  market.symbol = "ETH-USD";
  market.base_asset = "ETH";
  market.quote_asset = "USD";
  market.tick_size = 1;
  market.lot_size = 1000;
  market.min_quantity = 1;
  market.max_quantity = 50;
  market.taker_fee_bps = 35;
  std::array<uint8_t, 32> key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(200 + i);
  return {market,
          SetMarketStatus{2, MarketStatus::kHalted},
          Deposit{7, "USD", 500},
          Withdraw{7, "USD", 20},
          limits,
          place,
          CancelOrder{7, OrderRef{0, 99}},
          CancelAll{7, 2},
          AmendOrder{7, OrderRef{12, 0}, 101, 4},
          SetRetention{1, 5'000, 1'956'528'000'000'000'000},
          LegalHold{2027001, true},
          LegalHold{2027001, false},
          RegisterApiKey{5, 7, key, kAllPermissions},
          RegisterApiKey{6, 7, key, kPermissionRead},
          RevokeApiKey{5}};
}

TEST(CommandJsonTest, EveryCommandTypeRoundTrips) {
  for (const Command& c : OneOfEach()) {
    nlohmann::ordered_json j = ToJson(c);
    EXPECT_EQ(j["command"], CommandTypeName(TypeOf(c)));
    j.erase("command");
    Command back;
    const auto error = Parse(TypeOf(c), j.dump(), &back);
    ASSERT_FALSE(error.has_value()) << j.dump() << ": " << error->message;
    EXPECT_EQ(EncodeCommand(back), EncodeCommand(c)) << j.dump();
  }
}

TEST(CommandJsonTest, WrittenFieldsAreTheDocumentsFieldsInTheSameOrder) {
  for (const Command& c : OneOfEach()) {
    http::JsonWriter w;
    w.BeginObject();
    WriteCommandFields(c, &w);
    w.EndObject();
    EXPECT_EQ(w.Take(), ToJson(c).dump()) << CommandTypeName(TypeOf(c));
  }
}

TEST(CommandJsonTest, BadBodiesNameTheField) {
  Command c;
  auto e = Parse(CommandType::kPlaceOrder, R"({"account":1,"market":1,"side":"buy",
      "kind":"limit","price":"100","quantity":1})",
                 &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "price");
  e = Parse(CommandType::kDeposit, R"({"account":1,"asset":"USD","amount":1,"memo":"x"})", &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "unknown_field");
  e = Parse(CommandType::kCancelOrder, R"({"account":1})", &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "order_id");
  e = Parse(CommandType::kDeposit, "[1,2]", &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "malformed_json");
}

TEST(CommandJsonTest, ApiKeyBodiesNameWhatIsWrong) {
  Command c;
  const std::string key = "\"public_key\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"";
  auto e = Parse(CommandType::kRegisterApiKey,
                 R"({"key_id":1,"account":7,"permissions":"read,trade",)" + key + "}", &c);
  ASSERT_FALSE(e.has_value()) << e->message;
  EXPECT_EQ(std::get<RegisterApiKey>(c).permissions, kAllPermissions);
  e = Parse(CommandType::kRegisterApiKey,
            R"({"key_id":1,"account":7,"permissions":"read","public_key":"AAAA"})", &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "public_key");
  e = Parse(CommandType::kRegisterApiKey,
            R"({"key_id":1,"account":7,"permissions":"withdraw",)" + key + "}", &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "permissions");
  e = Parse(CommandType::kRegisterApiKey,
            R"({"key_id":0,"account":7,"permissions":"read",)" + key + "}", &c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "key_id");
}

TEST(CommandJsonTest, EventsAreWrittenAsObjects) {
  Event trade;
  trade.type = EventType::kTrade;
  trade.market = 1;
  trade.price = 100;
  trade.quantity = 2;
  http::JsonWriter w;
  WriteEvent(trade, &w);
  const auto j = nlohmann::json::parse(w.Take());
  EXPECT_EQ(j["type"], "trade");
  EXPECT_EQ(j["price"], 100);
  EXPECT_EQ(j["quantity"], 2);
}

}  // namespace
}  // namespace dreichor::command_json
