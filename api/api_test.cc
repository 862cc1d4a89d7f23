// The HTTP API end to end in one process: a real server on a loopback port, a real sequencer
// and audit log in a temporary directory. Every route, and every class of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/api_handler.h"
#include "audit/file_log.h"
#include "http/server.h"
#include "testing/fake_clock.h"
#include "testing/http_client.h"
#include "testing/temp_dir.h"
#include "util/fault_injection_env.h"

namespace dreichor::api {
namespace {

using http::MetricsRegistry;
using http::Server;
using http::ServerOptions;
using nlohmann::json;
using testing::TestHttpClient;
using testing::TestResponse;

constexpr char kToken[] = "test-admin-token-0123456789abcdef";
const std::vector<std::pair<std::string, std::string>> kAdmin = {
    {"Authorization", std::string("Bearer ") + kToken}};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(&env_, dir_.Sub("audit"), audit::FileLogOptions{}, &report);
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    sequencer_ = std::make_unique<runtime::Sequencer>(
        &clock_, log_.get(), std::make_unique<engine::Engine>(), 0, runtime::SequencerOptions{});
    handler_ = std::make_unique<ApiHandler>(&health_, &metrics_, Options());
    ServerOptions options;
    options.address = "127.0.0.1";
    options.max_body_bytes = 4096;
    options.max_header_bytes = 2048;
    options.max_connections = 8;
    options.reads_wait_for_earlier_requests = true;
    auto server = Server::Start(options, handler_.get());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    client_ = std::make_unique<TestHttpClient>("127.0.0.1", server_->port());
  }
  virtual ApiOptions Options() const { return ApiOptions{kToken, ""}; }
  void TearDown() override {
    health_.BeginShutdown();
    sequencer_->Stop();
    server_->Stop();
  }
  void Open() {
    health_.Publish(sequencer_.get(), log_.get());
    health_.SetPhase(runtime::Phase::kReady);
  }
  // An open market 1 (BTC-USD, tick 1, lot 1) and funded accounts 7 (USD) and 8 (BTC).
  void Seed() {
    Open();
    ASSERT_EQ(Admin("/v1/admin/markets", R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC",
        "quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000,
        "maker_fee_bps":0,"taker_fee_bps":0})")
                  .status,
              200);
    ASSERT_EQ(Admin("/v1/admin/deposits", R"({"account":7,"asset":"USD","amount":100000})").status,
              200);
    ASSERT_EQ(Admin("/v1/admin/deposits", R"({"account":8,"asset":"BTC","amount":100})").status,
              200);
  }
  TestResponse Admin(const std::string& path, const std::string& body) {
    return client_->Post(path, body, kAdmin);
  }
  static json Body(const TestResponse& r) { return json::parse(r.body); }
  // Asserts the one error shape and returns the code.
  static std::string ErrorCode(const TestResponse& r) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error")) << r.body;
    if (!j.is_object() || !j.contains("error")) return "";
    EXPECT_TRUE(j["error"]["message"].is_string());
    return j["error"]["code"].get<std::string>();
  }
  static std::string ErrorField(const TestResponse& r) {
    json j = json::parse(r.body);
    return j["error"].value("field", "");
  }

  FaultInjectionEnv env_{Env::Default()};
  testing::FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<audit::FileLog> log_;
  std::unique_ptr<runtime::Sequencer> sequencer_;
  runtime::HealthState health_;
  MetricsRegistry metrics_;
  std::unique_ptr<ApiHandler> handler_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<TestHttpClient> client_;
};

TEST_F(ApiTest, BeforeTheApiOpensOnlyHealthAndMetricsAnswer) {
  health_.SetPhase(runtime::Phase::kReplay);
  health_.SetReplayProgress(10, 40);
  EXPECT_EQ(client_->Get("/health/live").status, 200);
  TestResponse ready = client_->Get("/health/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ErrorCode(ready), "not_ready");
  EXPECT_EQ(Body(ready)["phase"], "replay");
  TestResponse startup = client_->Get("/health/startup");
  EXPECT_EQ(startup.status, 503);
  EXPECT_EQ(Body(startup)["replay"]["done"], 10);
  EXPECT_EQ(Body(startup)["replay"]["total"], 40);
  EXPECT_EQ(client_->Get("/metrics").status, 200);
  TestResponse state = client_->Get("/v1/state");
  EXPECT_EQ(state.status, 503);
  EXPECT_EQ(ErrorCode(state), "starting");
  TestResponse order = client_->Post("/v1/orders", "{}");
  EXPECT_EQ(order.status, 503);
}

TEST_F(ApiTest, TradingRoutesAnswerWithSequenceOutcomeAndFills) {
  Seed();
  TestResponse sell = client_->Post(
      "/v1/orders",
      R"({"account":8,"market":1,"side":"sell","kind":"limit","price":100,"quantity":5,"client_order_id":11})");
  ASSERT_EQ(sell.status, 200) << sell.body;
  EXPECT_EQ(Body(sell)["sequence"], 4);
  EXPECT_TRUE(Body(sell)["accepted"].get<bool>());
  const uint64_t sell_id = Body(sell)["order_id"];

  TestResponse buy = client_->Post(
      "/v1/orders",
      R"({"account":7,"market":1,"side":"buy","kind":"ioc","price":100,"quantity":2})");
  ASSERT_EQ(buy.status, 200);
  json events = Body(buy)["events"];
  auto trade = std::find_if(events.begin(), events.end(),
                            [](const json& e) { return e["type"] == "trade"; });
  ASSERT_NE(trade, events.end()) << buy.body;
  EXPECT_EQ((*trade)["price"], 100);
  EXPECT_EQ((*trade)["quantity"], 2);
  EXPECT_EQ((*trade)["maker_order_id"], sell_id);

  TestResponse amend = client_->Post(
      "/v1/orders/amend", R"({"account":8,"client_order_id":11,"price":100,"quantity":1})");
  ASSERT_EQ(amend.status, 200) << amend.body;
  EXPECT_TRUE(Body(amend)["accepted"].get<bool>());
  TestResponse cancel = client_->Post(
      "/v1/orders/cancel", R"({"account":8,"order_id":)" + std::to_string(sell_id) + "}");
  ASSERT_EQ(cancel.status, 200);
  EXPECT_TRUE(Body(cancel)["accepted"].get<bool>());
  TestResponse again = client_->Post("/v1/orders/cancel",
                                     R"({"account":8,"order_id":)" + std::to_string(sell_id) + "}");
  ASSERT_EQ(again.status, 200);
  EXPECT_FALSE(Body(again)["accepted"].get<bool>());
  EXPECT_TRUE(Body(again)["reason"]["code"].is_string());
  TestResponse all = client_->Post("/v1/orders/cancel-all", R"({"account":8,"market":1})");
  ASSERT_EQ(all.status, 200);
  EXPECT_TRUE(Body(all)["accepted"].get<bool>());
}

TEST_F(ApiTest, BusinessRejectionIsADurableOutcomeNotAnError) {
  Seed();
  TestResponse r = client_->Post(
      "/v1/orders",
      R"({"account":7,"market":9,"side":"buy","kind":"limit","price":1,"quantity":1})");
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(Body(r)["accepted"].get<bool>());
  EXPECT_EQ(Body(r)["sequence"], 4);
  EXPECT_EQ(log_->last_sequence(), 4u);
}

TEST_F(ApiTest, AdminRoutesNeedTheBearerToken) {
  Open();
  const std::string deposit = R"({"account":7,"asset":"USD","amount":5})";
  TestResponse none = client_->Post("/v1/admin/deposits", deposit);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(ErrorCode(none), "unauthorized");
  TestResponse wrong =
      client_->Post("/v1/admin/deposits", deposit, {{"Authorization", "Bearer wrong-token"}});
  EXPECT_EQ(wrong.status, 401);
  TestResponse prefix = client_->Post(
      "/v1/admin/deposits", deposit,
      {{"Authorization", std::string("Bearer ") + std::string(kToken).substr(0, 10)}});
  EXPECT_EQ(prefix.status, 401);
  TestResponse basic = client_->Post("/v1/admin/deposits", deposit,
                                     {{"Authorization", std::string("Basic ") + kToken}});
  EXPECT_EQ(basic.status, 401);
  // Two Authorization headers are refused even when one of them is right.
  const std::string good = std::string("Bearer ") + kToken;
  for (const auto& [first, second] : std::vector<std::pair<std::string, std::string>>{
           {good, "Bearer wrong-token"}, {"Bearer wrong-token", good}, {good, good}}) {
    TestResponse twice = client_->Post("/v1/admin/deposits", deposit,
                                       {{"Authorization", first}, {"Authorization", second}});
    EXPECT_EQ(twice.status, 401);
    EXPECT_EQ(ErrorCode(twice), "unauthorized");
  }
  EXPECT_EQ(log_->last_sequence(), 0u) << "a refused admin command must not reach the log";
  EXPECT_EQ(Admin("/v1/admin/deposits", deposit).status, 200);
  EXPECT_EQ(Admin("/v1/admin/withdrawals", R"({"account":7,"asset":"USD","amount":2})").status,
            200);
  EXPECT_EQ(Admin("/v1/admin/risk-limits", R"({"account":7,"max_order_quantity":10,
      "max_order_notional":0,"max_open_orders":5,"price_band_bps":0,"rate_capacity":0,
      "rate_per_second":0,"stp_mode":"cancel_both"})")
                .status,
            200);
  EXPECT_EQ(Admin("/v1/admin/markets", R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC",
      "quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000,
      "maker_fee_bps":0,"taker_fee_bps":0})")
                .status,
            200);
  TestResponse halt = Admin("/v1/admin/market-status", R"({"market":1,"status":"halted"})");
  EXPECT_EQ(halt.status, 200);
  EXPECT_TRUE(Body(halt)["accepted"].get<bool>());
  EXPECT_EQ(Body(client_->Get("/v1/markets/1"))["status"], "halted");
}

// With a trading token (the gateway's internal credential), an order without it is refused before
// it reaches the log, the admin token does not stand in for it, and with it the order is taken.
class ApiTradingTokenTest : public ApiTest {
 protected:
  static constexpr char kTrading[] = "internal-trading-token-0123456789abcdef";
  ApiOptions Options() const override { return ApiOptions{kToken, kTrading}; }
};

TEST_F(ApiTradingTokenTest, OrdersWithoutTheInternalCredentialAreRefused) {
  Seed();
  const uint64_t before = log_->last_sequence();
  const std::string order =
      R"({"account":7,"market":1,"side":"buy","kind":"limit","price":10,"quantity":1})";
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {}, kAdmin, {{"Authorization", "Bearer wrong"}}}) {
    for (const char* path : {"/v1/orders", "/v1/orders/cancel-all"}) {
      TestResponse r = client_->Post(
          path, path == std::string("/v1/orders") ? order : std::string(R"({"account":7})"),
          headers);
      EXPECT_EQ(r.status, 401) << path;
      EXPECT_EQ(ErrorCode(r), "unauthorized");
    }
  }
  EXPECT_EQ(log_->last_sequence(), before) << "a refused order must not reach the log";
  TestResponse ok =
      client_->Post("/v1/orders", order, {{"Authorization", std::string("Bearer ") + kTrading}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(log_->last_sequence(), before + 1);
}

TEST_F(ApiTest, ObserverRoutesShowTheState) {
  Seed();
  client_->Post(
      "/v1/orders",
      R"({"account":8,"market":1,"side":"sell","kind":"limit","price":100,"quantity":5})");
  client_->Post("/v1/orders",
                R"({"account":7,"market":1,"side":"buy","kind":"limit","price":100,"quantity":2})");
  client_->Post("/v1/orders",
                R"({"account":7,"market":1,"side":"buy","kind":"limit","price":90,"quantity":1})");

  json markets = Body(client_->Get("/v1/markets"));
  ASSERT_EQ(markets["markets"].size(), 1u);
  EXPECT_EQ(markets["markets"][0]["last_trade_price"], 100);
  json depth = Body(client_->Get("/v1/markets/1/depth?levels=5"));
  EXPECT_EQ(depth["asks"][0], (json{{"price", 100}, {"quantity", 3}, {"orders", 1}}));
  EXPECT_EQ(depth["bids"][0]["price"], 90);
  json trades = Body(client_->Get("/v1/markets/1/trades?limit=10"));
  ASSERT_EQ(trades["trades"].size(), 1u);
  EXPECT_EQ(trades["trades"][0]["quantity"], 2);
  json balances = Body(client_->Get("/v1/accounts/7/balances"));
  EXPECT_EQ(balances["account"], 7);
  EXPECT_FALSE(balances["balances"].empty());
  json orders = Body(client_->Get("/v1/accounts/7/orders?market=1"));
  ASSERT_EQ(orders["orders"].size(), 1u);
  const uint64_t id = orders["orders"][0]["order_id"];
  EXPECT_EQ(Body(client_->Get("/v1/orders/" + std::to_string(id)))["price"], 90);
  TestResponse gone = client_->Get("/v1/orders/2");  // the filled buy
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(ErrorCode(gone), "order_not_open");
  json records = Body(client_->Get("/v1/audit/records?from=4&limit=2"));
  ASSERT_EQ(records["records"].size(), 2u);
  EXPECT_EQ(records["records"][0]["sequence"], 4);
  EXPECT_EQ(records["records"][0]["command"]["command"], "place_order");
  EXPECT_EQ(records["records"][1]["command"]["price"], 100);
  EXPECT_EQ(records["last_sequence"], 6);
  json state = Body(client_->Get("/v1/state"));
  EXPECT_EQ(state["last_sequence"], 6);
  EXPECT_EQ(state["chain_hash"], ToHex(log_->last_chain()));
  EXPECT_EQ(state["state_hash"],
            ToHex(sequencer_->Read([](const engine::Engine& e) { return e.StateHash(); })));
  EXPECT_EQ(client_->Get("/v1/markets/2").status, 404);
  EXPECT_EQ(client_->Get("/v1/markets/2/depth").status, 404);
  EXPECT_EQ(client_->Get("/v1/accounts/99/balances").status, 404);
}

// One row per class of bad input: each gets a 4xx in the one error shape, naming the field
// where one is to blame, and nothing reaches the log.
TEST_F(ApiTest, BadInputIsRefusedWithTheFieldNamedAndNothingLogged) {
  Seed();
  const uint64_t before = log_->last_sequence();
  struct Case {
    const char* what;
    std::string path;
    std::string body;
    int status;
    const char* code;
    const char* field;
  };
  const std::string order = "/v1/orders";
  const std::vector<Case> cases = {
      {"not JSON", order, "{\"account\":", 400, "malformed_json", ""},
      {"empty body", order, "", 400, "malformed_json", ""},
      {"array, not object", order, "[1,2]", 400, "malformed_json", ""},
      {"too deep", order, std::string(20, '[') + std::string(20, ']'), 400, "malformed_json", ""},
      {"unknown field", order,
       R"({"account":7,"market":1,"side":"buy","kind":"limit","price":1,"quantity":1,"colour":"red"})",
       400, "unknown_field", "colour"},
      {"missing field", order, R"({"account":7,"market":1,"side":"buy","kind":"limit","price":1})",
       400, "invalid_field", "quantity"},
      {"float", order,
       R"({"account":7,"market":1,"side":"buy","kind":"limit","price":1.5,"quantity":1})", 400,
       "invalid_field", "price"},
      {"string number", order,
       R"({"account":"7","market":1,"side":"buy","kind":"limit","price":1,"quantity":1})", 400,
       "invalid_field", "account"},
      {"negative", order,
       R"({"account":7,"market":1,"side":"buy","kind":"limit","price":-1,"quantity":1})", 400,
       "invalid_field", "price"},
      {"too large", order,
       R"({"account":7,"market":4294967296,"side":"buy","kind":"limit","price":1,"quantity":1})",
       400, "invalid_field", "market"},
      {"bad enum", order,
       R"({"account":7,"market":1,"side":"up","kind":"limit","price":1,"quantity":1})", 400,
       "invalid_field", "side"},
      {"both refs", "/v1/orders/cancel", R"({"account":7,"order_id":1,"client_order_id":2})", 400,
       "invalid_field", "order_id"},
      {"no ref", "/v1/orders/cancel", R"({"account":7})", 400, "invalid_field", "order_id"},
      {"long string", "/v1/admin/deposits",
       R"({"account":7,"asset":"ABCDEFGHIJKLMNOPQRSTUVWXYZ","amount":1})", 400, "invalid_field",
       "asset"},
  };
  for (const Case& c : cases) {
    TestResponse r = c.path.find("/admin/") != std::string::npos ? Admin(c.path, c.body)
                                                                 : client_->Post(c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), c.code) << c.what;
    EXPECT_EQ(ErrorField(r), c.field) << c.what;
  }
  EXPECT_EQ(log_->last_sequence(), before);
}

TEST_F(ApiTest, BadRequestsOutsideTheBodyAreRefused) {
  Seed();
  EXPECT_EQ(client_->Get("/v1/nothing").status, 404);
  TestResponse method = client_->Get("/v1/orders");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.headers["allow"], "POST");
  EXPECT_EQ(client_->Post("/v1/state", "{}").status, 405);
  TestResponse param = client_->Get("/v1/markets/1/depth?levels=5&colour=red");
  EXPECT_EQ(param.status, 400);
  EXPECT_EQ(ErrorField(param), "colour");
  EXPECT_EQ(ErrorField(client_->Get("/v1/markets/1/depth?levels=x")), "levels");
  EXPECT_EQ(ErrorField(client_->Get("/v1/markets/1/depth?levels=100000")), "levels");
  EXPECT_EQ(ErrorField(client_->Get("/v1/markets/abc")), "market");
  EXPECT_EQ(ErrorField(client_->Get("/v1/audit/records?from=0")), "from");
  TestResponse media = client_->Send("POST", "/v1/orders", "account=7",
                                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(media.status, 415);
}

TEST_F(ApiTest, PipelinedRequestsAreAnsweredInOrder) {
  Seed();
  std::string three;
  for (int price : {10, 20, 30}) {
    const std::string body = R"({"account":7,"market":1,"side":"buy","kind":"limit","price":)" +
                             std::to_string(price) + R"(,"quantity":1})";
    three +=
        "POST /v1/orders HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
  }
  three += "GET /v1/markets/1/depth HTTP/1.1\r\nHost: t\r\n\r\n";
  TestResponse first = client_->Raw(three);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Body(first)["sequence"], 4);
  EXPECT_EQ(Body(client_->ReadNext())["sequence"], 5);
  EXPECT_EQ(Body(client_->ReadNext())["sequence"], 6);
  json depth = Body(client_->ReadNext());
  EXPECT_EQ(depth["bids"].size(), 3u);
  EXPECT_EQ(client_->Get("/health/live").status, 200) << "the connection stays usable";
}

TEST_F(ApiTest, LimitsOnBodyHeadersAndConnections) {
  Seed();
  TestResponse big = client_->Post("/v1/orders", "{\"a\":\"" + std::string(5000, 'x') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(ErrorCode(big), "body_too_large");
  EXPECT_TRUE(big.closed);
  TestResponse headers =
      client_->Send("GET", "/v1/state", "", {{"X-Filler", std::string(4000, 'y')}});
  EXPECT_EQ(headers.status, 431);
  TestResponse garbage = client_->Raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(ErrorCode(garbage), "malformed_http");

  // The connections closed above are counted until the server has finished with them.
  client_->Close();
  const auto patience = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server_->open_connections() > 0 && std::chrono::steady_clock::now() < patience) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(server_->open_connections(), 0u);
  std::vector<std::unique_ptr<TestHttpClient>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<TestHttpClient>("127.0.0.1", server_->port()));
    ASSERT_EQ(held.back()->Get("/health/live").status, 200);
  }
  TestHttpClient extra("127.0.0.1", server_->port());
  TestResponse refused = extra.Get("/health/live");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(ErrorCode(refused), "too_many_connections");
  held.clear();
}

TEST_F(ApiTest, ShuttingDownRefusesNewCommandsAndReadiness) {
  Seed();
  health_.BeginShutdown();
  TestResponse r = client_->Post(
      "/v1/orders",
      R"({"account":7,"market":1,"side":"buy","kind":"limit","price":1,"quantity":1})");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorCode(r), "shutting_down");
  EXPECT_EQ(client_->Get("/health/ready").status, 503);
  EXPECT_EQ(client_->Get("/health/live").status, 200);
}

TEST_F(ApiTest, AFailedLogMakesTheRuntimeUnreadyForGood) {
  Seed();
  env_.FailSyncs(EIO);
  TestResponse r = client_->Post(
      "/v1/orders",
      R"({"account":7,"market":1,"side":"buy","kind":"limit","price":1,"quantity":1})");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorCode(r), "not_durable");
  env_.ClearFaults();
  EXPECT_EQ(client_->Get("/health/ready").status, 503);
  TestResponse later = client_->Post(
      "/v1/orders",
      R"({"account":7,"market":1,"side":"buy","kind":"limit","price":1,"quantity":1})");
  EXPECT_EQ(later.status, 503);
  EXPECT_EQ(ErrorCode(later), "persistence_failed");
}

}  // namespace
}  // namespace dreichor::api
