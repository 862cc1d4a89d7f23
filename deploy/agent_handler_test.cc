#include "deploy/agent_handler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "http/traced_handler.h"
#include "testing/access_tokens.h"
#include "testing/agent.h"
#include "testing/fake_clock.h"
#include "testing/fake_container_engine.h"
#include "testing/http_client.h"
#include "testing/temp_dir.h"

namespace dreichor::deploy {
namespace {

using testing::TestHttpClient;
using testing::TestResponse;

constexpr char kIssuer[] = "https://example.cloudflareaccess.com";
constexpr char kAudience[] = "aud-dev-0123456789abcdef";
constexpr char kRepo[] = "registry.test/dreichor/runtime";

// A fixed time for tokens and records; readiness waits block until the test opens the gate.
class GatedClock final : public Clock {
 public:
  int64_t NowUnixNanos() override { return testing::FakeClock::kStart; }
  void SleepFor(std::chrono::nanoseconds) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++sleepers_;
    waiting_.notify_all();
    open_cv_.wait(lock, [&] { return open_; });
  }
  void WaitForSleeper() {
    std::unique_lock<std::mutex> lock(mu_);
    waiting_.wait(lock, [&] { return sleepers_ > 0; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    open_cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable waiting_, open_cv_;
  int sleepers_ = 0;
  bool open_ = false;
};

class AgentHandlerTest : public ::testing::Test {
 protected:
  AgentHandlerTest() {
    const std::string base = dir_.path() + "/dev";
    std::filesystem::create_directories(base + "/volumes/audit-events");
    std::filesystem::create_directories(base + "/volumes/snapshots");
    std::ofstream(base + "/runtime.env") << testing::RuntimeEnvText({});
    config_.env = "dev";
    config_.image_repository = kRepo;
    config_.base_dir = base;
    config_.runtime_env_file = base + "/runtime.env";
    config_.runtime_publish = {"127.0.0.1", 18080};
    config_.runtime_subnet = "10.89.1.0/24";
    config_.readiness_deadline = std::chrono::milliseconds(60'000);
    config_.stop_timeout = std::chrono::milliseconds(10'000);
    engine_.AddImage(kRepo, "sha-aaaaaaa", {"sha256:aaaa"});
    engine_.AddImage(kRepo, "sha-slowaaa", {"sha256:slow", true, 2});  // ready on the 2nd check

    std::ofstream(dir_.path() + "/jwks.json") << testing::Jwks({&key_});
    log_file_ = fopen((dir_.path() + "/agent.log").c_str(), "w");
    log_ = std::make_unique<JsonLog>(log_file_, LogLevel::kDebug, &clock_);
    history_ = std::move(History::Open(Env::Default(), config_.history_dir(), &clock_)).value();
    deployer_ = std::make_unique<Deployer>(config_, &observed_, history_.get(), Env::Default(),
                                           &clock_, log_.get());
    verifier_ = std::make_unique<AccessVerifier>(
        AccessPolicy{kIssuer, kAudience, {"alice@example.com"}},
        MakeKeySource(Env::Default(), "file:" + dir_.path() + "/jwks.json"),
        [this] { return clock_.NowUnixSeconds(); });
    handler_ = std::make_unique<AgentHandler>("dev", deployer_.get(), verifier_.get(), &clock_,
                                              log_.get(), &observed_);
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.threads = 2;
    traced_ = std::make_unique<http::TracedHandler>(handler_.get(), &random_);
    server_ = std::move(http::Server::Start(options, traced_.get())).value();
  }
  ~AgentHandlerTest() override {
    clock_.Open();
    server_->Stop();
    handler_->Drain();
    fclose(log_file_);
  }

  std::string Token(const std::string& email = "alice@example.com") {
    return testing::SignedToken(
        key_, testing::AccessClaims(kIssuer, kAudience, email, clock_.NowUnixSeconds()));
  }
  TestResponse Send(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& token,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    TestHttpClient client("127.0.0.1", server_->port());
    if (!token.empty()) headers.emplace_back(kAccessHeader, token);
    if (method == "POST") headers.emplace_back("Content-Type", "application/json");
    return client.Send(method, path, body, headers);
  }
  std::string Log() {
    fflush(log_file_);
    std::ifstream in(dir_.path() + "/agent.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TempDir dir_;
  AgentConfig config_;
  testing::FakeEngine engine_;
  ObservedEngine observed_{&engine_};
  SeededRandom random_{5};
  GatedClock clock_;
  testing::TestKey key_{"handler-test-key"};
  FILE* log_file_ = nullptr;
  std::unique_ptr<JsonLog> log_;
  std::unique_ptr<History> history_;
  std::unique_ptr<Deployer> deployer_;
  std::unique_ptr<AccessVerifier> verifier_;
  std::unique_ptr<AgentHandler> handler_;
  std::unique_ptr<http::TracedHandler> traced_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(AgentHandlerTest, ARepeatedAccessHeaderIsRefusedWhateverTheTokens) {
  // With two headers, the one a proxy checked and the one read here could differ.
  for (const auto& [first, second] :
       std::vector<std::pair<std::string, std::string>>{{Token(), Token("mallory@example.com")},
                                                        {Token("mallory@example.com"), Token()},
                                                        {Token(), Token()},
                                                        {Token(), "garbage"}}) {
    TestHttpClient client("127.0.0.1", server_->port());
    const TestResponse r =
        client.Send("GET", "/v1/status", "", {{kAccessHeader, first}, {kAccessHeader, second}});
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_NE(r.body.find("Cf-Access-Jwt-Assertion appears more than once"), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(Send("GET", "/v1/status", "", Token()).status, 200) << "one header is fine";
}

TEST_F(AgentHandlerTest, LivenessNeedsNoTokenEverythingElseDoes) {
  EXPECT_EQ(Send("GET", "/health/live", "", "").status, 200);
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/status"},
                                                        {"GET", "/v1/deployments"},
                                                        {"POST", "/v1/deploy"},
                                                        {"POST", "/v1/rollback"},
                                                        {"POST", "/v1/stop"},
                                                        {"POST", "/v1/start"},
                                                        {"GET", "/nowhere"}}) {
    const TestResponse r = Send(method, path, "", "");
    EXPECT_EQ(r.status, 401) << method << " " << path;
    EXPECT_NE(r.body.find("missing Cf-Access-Jwt-Assertion"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(engine_.calls().empty());
}

TEST_F(AgentHandlerTest, RefusalsAreLoggedWithTheirReasonButNeverTheToken) {
  const std::string forbidden = Token("eve@example.com");
  EXPECT_EQ(Send("GET", "/v1/status", "", forbidden).status, 403);
  const std::string tampered = Token() + "x";
  EXPECT_EQ(Send("GET", "/v1/status", "", tampered).status, 401);
  const std::string log = Log();
  EXPECT_NE(log.find("identity not allowed"), std::string::npos) << log;
  EXPECT_NE(log.find("eve@example.com"), std::string::npos);
  EXPECT_EQ(log.find(forbidden.substr(0, 40)), std::string::npos);
  EXPECT_EQ(log.find(tampered.substr(tampered.rfind('.'))), std::string::npos);
}

TEST_F(AgentHandlerTest, DeployBodyIsStrict) {
  const std::string token = Token();
  for (const std::string body :
       {"", "{", "[]", R"({"tag":7})", R"({})", R"({"tag":"sha-aaaaaaa","force":true})"}) {
    const TestResponse r = Send("POST", "/v1/deploy", body, token);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  EXPECT_EQ(Send("POST", "/v1/stop", R"({"x":1})", token).status, 400);
  EXPECT_TRUE(engine_.calls().empty()) << "nothing reached the engine";
}

TEST_F(AgentHandlerTest, TheRequestsTraceIsInTheAnswerTheLogAndTheHistory) {
  const std::string caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  TestResponse r =
      Send("POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})", Token(), {{"traceparent", caller}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto deploy_span = ParseTraceparent(r.headers["traceparent"]);
  ASSERT_TRUE(deploy_span.has_value()) << "no traceparent in the answer";
  EXPECT_EQ(TraceIdHex(*deploy_span), "4bf92f3577b34da6a3ce929d0e0e4736");
  // Without one, the agent starts a trace of its own and says which.
  r = Send("POST", "/v1/stop", "", Token());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto stop_span = ParseTraceparent(r.headers["traceparent"]);
  ASSERT_TRUE(stop_span.has_value());
  EXPECT_NE(stop_span->trace_id, deploy_span->trace_id);

  auto entries = history_->ReadAll();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries.value().size(), 3u);  // deploy started, succeeded; stop succeeded
  EXPECT_EQ(entries.value()[0].record.trace_id, TraceIdHex(*deploy_span));
  EXPECT_EQ(entries.value()[1].record.trace_id, TraceIdHex(*deploy_span));
  EXPECT_EQ(entries.value()[2].record.trace_id, TraceIdHex(*stop_span));
  // The worker's log lines carry the request's span.
  const std::string log = Log();
  const std::string ids = R"("trace_id":")" + TraceIdHex(*deploy_span) + R"(","span_id":")" +
                          SpanIdHex(*deploy_span) + "\"";
  size_t lines = 0;
  for (size_t at = log.find(ids); at != std::string::npos; at = log.find(ids, at + 1)) ++lines;
  EXPECT_GE(lines, 2u) << log;
}

TEST_F(AgentHandlerTest, MethodsRoutesAndLimitsAreChecked) {
  const std::string token = Token();
  EXPECT_EQ(Send("GET", "/v1/deploy", "", token).status, 405);
  EXPECT_EQ(Send("POST", "/v1/status", "", token).status, 405);
  EXPECT_EQ(Send("GET", "/v1/elsewhere", "", token).status, 404);
  EXPECT_EQ(Send("GET", "/v1/deployments?limit=0", "", token).status, 400);
  EXPECT_EQ(Send("GET", "/v1/deployments?limit=1001", "", token).status, 400);
  EXPECT_EQ(Send("GET", "/v1/deployments?limit=10", "", token).status, 200);
}

TEST_F(AgentHandlerTest, DeployIsRecordedWithTheTokensIdentity) {
  const TestResponse r = Send("POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})", Token());
  ASSERT_EQ(r.status, 200) << r.body;
  auto entries = history_->ReadAll();
  ASSERT_EQ(entries.value().size(), 2u);
  EXPECT_EQ(entries.value()[1].record.identity, "alice@example.com");
}

TEST_F(AgentHandlerTest, MetricsNeedNoTokenAndCountActionsStepsAndRefusals) {
  const auto metrics = [&] {
    const TestResponse m = Send("GET", "/metrics", "", "");
    EXPECT_EQ(m.status, 200);
    return m.body;
  };
  const std::string before = metrics();
  for (const char* series :
       {"dreichor_agent_actions_total{action=\"deploy\",outcome=\"succeeded\"} 0",
        "dreichor_agent_failed_steps_total{step=\"pull\"} 0", "dreichor_agent_action_running 0",
        "dreichor_agent_last_success_timestamp_seconds{action=\"deploy\"} 0",
        "dreichor_agent_access_refusals_total{status=\"401\"} 0", "dreichor_agent_access_keys 0",
        "dreichor_agent_access_keys_last_fetch_ok 0",
        "dreichor_agent_engine_errors_total{call=\"pull\"} 0"}) {
    EXPECT_NE(before.find(series), std::string::npos) << series << " in\n" << before;
  }
  EXPECT_EQ(Send("POST", "/metrics", "", "").status, 405);

  ASSERT_EQ(Send("POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})", Token()).status, 200);
  EXPECT_EQ(Send("POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})", Token()).status, 200);  // noop
  EXPECT_EQ(Send("POST", "/v1/deploy", R"({"tag":"sha-missing"})", Token()).status, 502);
  EXPECT_EQ(Send("POST", "/v1/rollback", "", Token()).status, 409);  // nothing to roll back to
  EXPECT_EQ(Send("GET", "/v1/status", "", "").status, 401);
  EXPECT_EQ(Send("GET", "/v1/status", "", Token("eve@example.com")).status, 403);

  const std::string after = metrics();
  for (const char* series :
       {"dreichor_agent_actions_total{action=\"deploy\",outcome=\"succeeded\"} 1",
        "dreichor_agent_actions_total{action=\"deploy\",outcome=\"noop\"} 1",
        "dreichor_agent_actions_total{action=\"deploy\",outcome=\"failed\"} 1",
        "dreichor_agent_actions_total{action=\"rollback\",outcome=\"refused\"} 1",
        "dreichor_agent_failed_steps_total{step=\"pull\"} 1",
        "dreichor_agent_access_refusals_total{status=\"401\"} 1",
        "dreichor_agent_access_refusals_total{status=\"403\"} 1", "dreichor_agent_access_keys 1",
        "dreichor_agent_access_keys_last_fetch_ok 1",
        "dreichor_agent_engine_errors_total{call=\"pull\"} 1",  // the missing image
        "dreichor_agent_engine_errors_total{call=\"start\"} 0"}) {
    EXPECT_NE(after.find(series), std::string::npos) << series << " in\n" << after;
  }
  const std::string success = "dreichor_agent_last_success_timestamp_seconds{action=\"deploy\"} ";
  const size_t at = after.find(success);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(std::stod(after.substr(at + success.size())),
            static_cast<double>(testing::FakeClock::kStart) / 1e9);
  // A failed fetch keeps the keys it had, and says so.
  std::filesystem::remove(dir_.path() + "/jwks.json");
  EXPECT_FALSE(verifier_->Refresh().ok());
  const std::string failed = metrics();
  EXPECT_NE(failed.find("dreichor_agent_access_keys 1"), std::string::npos) << failed;
  EXPECT_NE(failed.find("dreichor_agent_access_keys_last_fetch_ok 0"), std::string::npos) << failed;
  // Prometheus' own parser accepts it.
  const std::string file = dir_.path() + "/metrics.txt";
  std::ofstream(file) << after;
  EXPECT_EQ(std::system(("promtool check metrics < " + file + " > /dev/null 2>&1").c_str()), 0);
}

TEST_F(AgentHandlerTest, SecondActionWhileOneRunsGets409NamingTheHolder) {
  const std::string token = Token();
  auto first = std::async(std::launch::async, [&] {
    return Send("POST", "/v1/deploy", R"({"tag":"sha-slowaaa"})", token);
  });
  clock_.WaitForSleeper();  // the deploy is waiting for readiness, holding the lock
  const TestResponse second = Send("POST", "/v1/stop", "", token);
  EXPECT_EQ(second.status, 409);
  const auto body = nlohmann::json::parse(second.body);
  EXPECT_EQ(body["error"]["code"], "busy");
  EXPECT_EQ(body["error"]["holder"]["action"], "deploy");
  EXPECT_EQ(body["error"]["holder"]["operator"], "alice@example.com");
  const TestResponse status = Send("GET", "/v1/status", "", token);
  EXPECT_EQ(nlohmann::json::parse(status.body)["action_in_progress"]["action"], "deploy");
  const std::string metrics = Send("GET", "/metrics", "", "").body;
  EXPECT_NE(metrics.find("dreichor_agent_action_running 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("dreichor_agent_actions_total{action=\"stop\",outcome=\"busy\"} 1"),
            std::string::npos)
      << metrics;
  clock_.Open();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(Send("POST", "/v1/stop", "", token).status, 200) << "the lock was released";
}

}  // namespace
}  // namespace dreichor::deploy
