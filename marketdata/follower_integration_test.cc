// Followers from the outside: the real dreichor-runtime and dreichor-marketdata processes on
// loopback. Two followers answer exactly as the leader at the same sequence, through many
// sequences of a randomised order flow; a follower killed mid-stream restarts from its snapshot
// and resumes with no gap; a record tampered on its way is detected and the follower stops with
// its own exit code; a market-data client that does not read is dropped and the others are
// unaffected; and an independent client (Node.js `ws`) rebuilds the book from the snapshot and
// the updates and ends equal to the REST depth.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "command_json/command_json.h"
#include "http/server.h"
#include "http/websocket.h"
#include "http/websocket_client.h"
#include "marketdata/exit_codes.h"
#include "stream/stream_endpoint.h"
#include "testing/command_requests.h"
#include "testing/commands.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"
#include "util/base64.h"

namespace dreichor::marketdata {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::RuntimeProcess;
using testing::TestHttpClient;

constexpr char kAdminToken[] = "follower-test-admin-token-0123456789";

// The HTTP request for command n of the test stream.
std::string RequestFor(uint64_t n) { return testing::CommandRequest(n, kAdminToken); }

// A process whose listening port is read from its log.
uint16_t FollowerPort(RuntimeProcess& p) {
  auto line = p.WaitForLine([](const json& j) { return j.value("msg", "") == "listening"; }, 20s);
  if (!line) return 0;
  const std::string address = (*line)["address"];
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

class FollowerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    leader_ = std::make_unique<RuntimeProcess>(
        DREICHOR_RUNTIME_PATH,
        testing::LocalRuntimeEnv("dev", "127.0.0.1:0", dir_.Sub("leader"), kAdminToken),
        dir_.Sub("leader.log"));
    leader_port_ = leader_->WaitForPort(20s);
    ASSERT_NE(leader_port_, 0) << leader_->Text();
    ASSERT_TRUE(leader_->WaitForLine(RuntimeProcess::Phase("ready", "ok"), 20s)) << leader_->Text();
  }

  std::unique_ptr<RuntimeProcess> StartFollower(const std::string& name,
                                                config::EnvMap overrides = {},
                                                std::string leader = "") {
    if (leader.empty()) leader = "127.0.0.1:" + std::to_string(leader_port_);
    config::EnvMap env = testing::LocalMarketDataEnv("dev", "127.0.0.1:0", leader, dir_.Sub(name));
    for (auto& [k, v] : overrides) env[k] = v;
    return std::make_unique<RuntimeProcess>(DREICHOR_MARKETDATA_PATH, env,
                                            dir_.Sub(name + ".log." + std::to_string(++runs_)));
  }

  // Sends commands first..last to the leader, 16 pipelined at a time; each must be answered 200.
  void SendCommands(uint64_t first, uint64_t last) {
    TestHttpClient client("127.0.0.1", leader_port_);
    for (uint64_t n = first; n <= last; n += 16) {
      const uint64_t end = std::min(last, n + 15);
      std::string bytes;
      for (uint64_t k = n; k <= end; ++k) bytes += RequestFor(k);
      auto r = client.Raw(bytes);
      ASSERT_EQ(r.status, 200) << "command " << n << ": " << r.body;
      for (uint64_t k = n + 1; k <= end; ++k) {
        auto next = client.ReadNext();
        ASSERT_EQ(next.status, 200) << "command " << k << ": " << next.body;
      }
    }
  }

  json Get(uint16_t port, const std::string& path) {
    TestHttpClient client("127.0.0.1", port);
    auto r = client.Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // Waits (bounded) until the follower on `port` is ready at the leader's last sequence.
  void WaitCaughtUp(uint16_t port) {
    const uint64_t target = Get(leader_port_, "/v1/state")["last_sequence"];
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      TestHttpClient client("127.0.0.1", port);
      auto r = client.Get("/health/ready");
      const json h = json::parse(r.body, nullptr, false);
      if (r.status == 200 && h.value("applied_sequence", uint64_t{0}) >= target) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "follower not caught up to " << target << ": " << r.body;
      std::this_thread::sleep_for(10ms);
    }
  }

  // Every market route answers byte for byte as the leader's.
  void ExpectSameAnswers(uint16_t follower_port) {
    std::vector<std::string> paths = {"/v1/state", "/v1/markets"};
    for (int m = 1; m <= 2; ++m) {
      const std::string base = "/v1/markets/" + std::to_string(m);
      for (const std::string& p : {base, base + "/depth?levels=1000", base + "/trades"}) {
        paths.push_back(p);
      }
    }
    for (const std::string& path : paths) {
      TestHttpClient leader("127.0.0.1", leader_port_), follower("127.0.0.1", follower_port);
      auto a = leader.Get(path);
      auto b = follower.Get(path);
      ASSERT_EQ(a.status, 200) << path << ": " << a.body;
      ASSERT_EQ(b.status, 200) << path << ": " << b.body;
      EXPECT_EQ(a.body, b.body) << path;
    }
  }

  TempDir dir_;
  std::unique_ptr<RuntimeProcess> leader_;
  uint16_t leader_port_ = 0;
  int runs_ = 0;
};

TEST_F(FollowerIntegrationTest, TwoFollowersAnswerAsTheLeaderAtEverySequenceChecked) {
  auto a = StartFollower("a");
  auto b = StartFollower("b");
  const uint16_t port_a = FollowerPort(*a), port_b = FollowerPort(*b);
  ASSERT_NE(port_a, 0) << a->Text();
  ASSERT_NE(port_b, 0) << b->Text();
  // Ten checkpoints of 300 commands of the randomised flow (orders, cancels, amends that trade).
  for (uint64_t n = 1; n <= 3000; n += 300) {
    SendCommands(n, n + 299);
    WaitCaughtUp(port_a);
    WaitCaughtUp(port_b);
    ExpectSameAnswers(port_a);
    ExpectSameAnswers(port_b);
  }
  const json state = Get(leader_port_, "/v1/state");
  EXPECT_EQ(state["last_sequence"], 3000);
  EXPECT_GT(state["open_orders"].get<int>(), 0);
  const std::string metrics = TestHttpClient("127.0.0.1", port_a).Get("/metrics").body;
  EXPECT_NE(metrics.find("dreichor_marketdata_applied_sequence 3000"), std::string::npos);
  EXPECT_NE(metrics.find("dreichor_marketdata_diverged 0"), std::string::npos);
  // Account routes are not on the public side.
  EXPECT_EQ(TestHttpClient("127.0.0.1", port_a).Get("/v1/accounts/1/balances").status, 404);
  a->Signal(SIGTERM);
  EXPECT_EQ(a->Wait(20s), kExitOk) << a->Text();
}

TEST_F(FollowerIntegrationTest, AFollowerKilledMidStreamResumesFromItsSnapshotWithNoGap) {
  SendCommands(1, 1500);
  auto f = StartFollower("k");
  uint16_t port = FollowerPort(*f);
  ASSERT_NE(port, 0) << f->Text();
  WaitCaughtUp(port);
  // Killed while commands arrive.
  auto writer = std::async(std::launch::async, [this] { SendCommands(1501, 4500); });
  ASSERT_TRUE(f->WaitForLine(
      [](const json& j) { return j.value("msg", "") == "subscribed to the leader"; }, 20s));
  std::this_thread::sleep_for(200ms);  // somewhere in the middle of the writer's stream
  f->Signal(SIGKILL);
  EXPECT_EQ(f->Wait(20s), 128 + SIGKILL);
  writer.get();

  auto restarted = StartFollower("k");
  port = FollowerPort(*restarted);
  ASSERT_NE(port, 0) << restarted->Text();
  auto snapshot =
      restarted->WaitForLine([](const json& j) { return j.value("msg", "") == "snapshot"; }, 20s);
  ASSERT_TRUE(snapshot);
  EXPECT_TRUE((*snapshot)["from_snapshot"].get<bool>()) << restarted->Text();
  EXPECT_GE((*snapshot)["sequence"].get<uint64_t>(), 1000u);
  WaitCaughtUp(port);
  ExpectSameAnswers(port);
  // It subscribed once, from the record after its snapshot: nothing ended a subscription (a gap
  // or a duplicate would have), and nothing diverged.
  const std::string log = restarted->Text();
  EXPECT_EQ(log.find("subscription ended"), std::string::npos) << log;
  EXPECT_EQ(log.find("diverged"), std::string::npos) << log;
  auto subscribed = restarted->WaitForLine(
      [](const json& j) { return j.value("msg", "") == "subscribed to the leader"; }, 1s);
  ASSERT_TRUE(subscribed);
  EXPECT_EQ((*subscribed)["from"].get<uint64_t>(), (*snapshot)["sequence"].get<uint64_t>() + 1);
}

// A relay between the leader and a follower that changes one bit of one record's command.
class TamperingRelay final : public http::Handler {
 public:
  TamperingRelay(uint16_t leader_port, uint64_t tampered)
      : leader_port_(leader_port), tampered_(tampered) {}
  ~TamperingRelay() override { Stop(); }
  // Before the server is destroyed: its connections must not outlive it.
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  void Handle(http::Request&&, http::Respond respond) override {
    respond(http::Response(boost::beast::http::status::not_found, 11));
  }
  std::optional<http::Response> Upgrade(http::Request& request,
                                        boost::beast::tcp_stream& stream) override {
    auto downstream = http::WebSocketConnection::Create(std::move(stream), {});
    const std::string target(request.target());
    downstream->Start(std::move(request), nullptr, nullptr);
    threads_.emplace_back([this, downstream, target] {
      auto upstream = http::WebSocketClient::Connect("127.0.0.1", leader_port_, target, 5s);
      if (!upstream.ok()) return downstream->Close(1011, upstream.status().message());
      while (!stop_) {
        auto message = upstream.value()->Read(1s);
        if (!message.ok()) continue;
        json batch = json::parse(message.value());
        for (json& e : batch) {
          if (e.value("sequence", "") != SequenceText(tampered_)) continue;
          std::string payload = *Base64Decode(e["data"]["payload_base64"].get<std::string>());
          payload.back() ^= 1;
          e["data"]["payload_base64"] = Base64Encode(payload);
          tampered_sent_ = true;
        }
        downstream->Send(std::make_shared<const std::string>(batch.dump()));
      }
    });
    return std::nullopt;
  }
  bool tampered_sent() const { return tampered_sent_; }

 private:
  static std::string SequenceText(uint64_t n) {
    char text[24];
    snprintf(text, sizeof(text), "%020llu", static_cast<unsigned long long>(n));
    return text;
  }
  uint16_t leader_port_;
  uint64_t tampered_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> tampered_sent_{false};
  std::vector<std::thread> threads_;
};

TEST_F(FollowerIntegrationTest, ARecordTamperedInTheStreamIsDetectedAndTheFollowerStops) {
  SendCommands(1, 400);
  TamperingRelay relay(leader_port_, 321);
  auto server = http::Server::Start(http::ServerOptions{.address = "127.0.0.1"}, &relay);
  ASSERT_TRUE(server.ok());
  auto f = StartFollower("t", {}, "127.0.0.1:" + std::to_string(server.value()->port()));
  EXPECT_EQ(f->Wait(30s), kExitDiverged) << f->Text();
  EXPECT_TRUE(relay.tampered_sent());
  auto stopped =
      f->WaitForLine([](const json& j) { return j.value("msg", "") == "follower stopped"; }, 1s);
  ASSERT_TRUE(stopped) << f->Text();
  const std::string error = (*stopped)["error"];
  EXPECT_NE(error.find("diverged from the leader at sequence 321"), std::string::npos) << error;
  EXPECT_EQ((*stopped)["applied_sequence"], 320) << "nothing from the tampered record on";
  relay.Stop();
  server.value()->Stop();
}

TEST_F(FollowerIntegrationTest, AMarketDataClientThatDoesNotReadIsDroppedAndTheOthersAreNot) {
  SendCommands(1, 30);
  auto f = StartFollower("s", {{"DREICHOR_SUBSCRIBER_QUEUE_BYTES", "65536"}});
  const uint16_t port = FollowerPort(*f);
  ASSERT_NE(port, 0) << f->Text();
  WaitCaughtUp(port);
  auto subscribe = [&](bool everything) {
    auto c = http::WebSocketClient::Connect("127.0.0.1", port, "/v1/market-data", 5s);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    for (const char* channel : {"depth", "trades", "ticker"}) {
      for (int market : {1, 2}) {
        if (!everything && (std::string(channel) != "depth" || market != 1)) continue;
        const json op = {{"op", "subscribe"}, {"channel", channel}, {"market", market}};
        EXPECT_TRUE(c.value()->Send(op.dump(), 5s).ok());
      }
    }
    return std::move(c).value();
  };
  auto slow = subscribe(true);  // every channel of both markets: megabytes it never reads
  auto fast = subscribe(false);
  // The fast one reads every message while commands arrive, until cancelled.
  std::atomic<uint64_t> fast_seq{0};
  Status fast_error;
  auto reader = std::async(std::launch::async, [&] {
    for (;;) {
      auto m = fast->Read(30s);
      if (!m.ok()) {
        fast_error = m.status();
        return;
      }
      const json frame = json::parse(m.value());
      if (!frame.is_array()) {
        fast_error = Status::InvalidArgument("a frame that is not an array: " + m.value());
        return;
      }
      for (const json& j : frame) {
        if (!j.contains("market_seq")) continue;
        if (j["type"] == "update" && j["prev_market_seq"].get<uint64_t>() != fast_seq.load()) {
          fast_error = Status::DataLoss("a gap at market_seq " + std::to_string(fast_seq.load()));
          return;
        }
        fast_seq = j["market_seq"].get<uint64_t>();
      }
    }
  });
  // The slow one reads nothing until it has been dropped, then drains what it was sent.
  Status slow_ended;
  auto drainer = std::async(std::launch::async, [&] {
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (TestHttpClient("127.0.0.1", port)
               .Get("/metrics")
               .body.find("dreichor_marketdata_dropped_slow_total 1") == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return;
      std::this_thread::sleep_for(20ms);
    }
    for (;;) {
      auto m = slow->Read(20s);
      if (!m.ok()) {
        slow_ended = m.status();
        return;
      }
    }
  });
  SendCommands(31, 20030);
  WaitCaughtUp(port);
  const uint64_t target = Get(port, "/v1/markets/1/depth")["market_seq"];
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (fast_seq.load() < target && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);  // the reader's progress
  }
  EXPECT_EQ(fast_seq.load(), target);
  fast->Cancel();
  reader.get();
  EXPECT_EQ(fast_error.code(), StatusCode::kIoError)
      << "ended by the cancel, not by the server: " << fast_error.ToString();
  drainer.get();
  EXPECT_NE(slow_ended.message().find("4008"), std::string::npos) << slow_ended.ToString();
  EXPECT_NE(slow_ended.message().find("too slow"), std::string::npos) << slow_ended.ToString();
  const std::string metrics = TestHttpClient("127.0.0.1", port).Get("/metrics").body;
  EXPECT_NE(metrics.find("dreichor_marketdata_dropped_slow_total 1\n"), std::string::npos)
      << "exactly one dropped";
}

TEST_F(FollowerIntegrationTest, AnIndependentClientRebuildsTheBookEqualToTheRestDepth) {
  SendCommands(1, 1000);
  auto f = StartFollower("n");
  const uint16_t port = FollowerPort(*f);
  ASSERT_NE(port, 0) << f->Text();
  WaitCaughtUp(port);
  const std::string out = dir_.Sub("book.json");
  const std::string command = "NODE_PATH=/usr/share/nodejs node " DREICHOR_SOURCE_DIR
                              "/marketdata/testdata/book_client.js ws://127.0.0.1:" +
                              std::to_string(port) + "/v1/market-data 1 >" + out + " 2>&1";
  FILE* node = popen(command.c_str(), "w");
  ASSERT_NE(node, nullptr);
  SendCommands(1001, 4000);  // the client's book moves by updates from here
  WaitCaughtUp(port);
  const json depth = Get(port, "/v1/markets/1/depth?levels=1000");
  fprintf(node, "%llu\n", static_cast<unsigned long long>(depth["market_seq"].get<uint64_t>()));
  fflush(node);
  const int status = pclose(node);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(status, 0) << text;
  const json book = json::parse(text, nullptr, false);
  ASSERT_TRUE(book.is_object()) << text;
  EXPECT_GT(book["updates"].get<int>(), 100) << "the book was rebuilt by updates";
  EXPECT_EQ(book["market_seq"], depth["market_seq"]);
  EXPECT_EQ(book["bids"], depth["bids"]);
  EXPECT_EQ(book["asks"], depth["asks"]);
  EXPECT_GT(depth["bids"].size() + depth["asks"].size(), 0u);
}

}  // namespace
}  // namespace dreichor::marketdata
