// The gateway from the outside: the real dreichor-runtime and dreichor-gateway processes on
// loopback, and an independent client (Node's crypto for Ed25519, the `ws` package) that tries
// every refusal class on both ways in and the happy path through to both private streams
// (gateway/testdata/gateway_client.js). Also: TLS terminated by the gateway with a certificate
// from files, a bad certificate refused at start, and a gateway killed with SIGKILL that learns
// every key again from the record stream when it restarts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "gateway/exit_codes.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"

namespace dreichor::gateway {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::RuntimeProcess;

constexpr char kAdminToken[] = "gateway-test-admin-token-0123456789";
constexpr char kTradingToken[] = "gateway-test-trading-token-0123456789";

// The port of the side named by the "listening" line's field `field`.
uint16_t ListeningPort(RuntimeProcess& p, const char* field) {
  auto line = p.WaitForLine([](const json& j) { return j.value("msg", "") == "listening"; }, 20s);
  if (!line) return 0;
  const std::string address = (*line)[field];
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

class GatewayIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::EnvMap env =
        testing::LocalRuntimeEnv("dev", "127.0.0.1:0", dir_.Sub("runtime"), kAdminToken);
    env["DREICHOR_TRADING_TOKEN"] = kTradingToken;
    runtime_ =
        std::make_unique<RuntimeProcess>(DREICHOR_RUNTIME_PATH, env, dir_.Sub("runtime.log"));
    runtime_port_ = runtime_->WaitForPort(20s);
    ASSERT_NE(runtime_port_, 0) << runtime_->Text();
    ASSERT_TRUE(runtime_->WaitForLine(RuntimeProcess::Phase("ready", "ok"), 20s))
        << runtime_->Text();
  }

  std::unique_ptr<RuntimeProcess> StartGateway(config::EnvMap overrides = {}) {
    config::EnvMap env = testing::LocalGatewayEnv(
        "dev", "127.0.0.1:" + std::to_string(runtime_port_), kTradingToken);
    for (auto& [k, v] : overrides) env[k] = v;
    return std::make_unique<RuntimeProcess>(DREICHOR_GATEWAY_PATH, env,
                                            dir_.Sub("gateway.log." + std::to_string(++runs_)));
  }

  // Waits until the gateway on `internal_port` has caught up with the runtime.
  static bool WaitReady(uint16_t internal_port) {
    testing::TestHttpClient client("127.0.0.1", internal_port);
    for (int i = 0; i < 400; ++i) {
      if (client.Get("/health/ready").status == 200) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  }

  // Runs the Node client; its output, and whether it exited 0.
  bool RunClient(uint16_t gateway_port, const std::string& extra_env, const std::string& args,
                 std::string* output) {
    const std::string out_file = dir_.Sub("client.out." + std::to_string(++runs_));
    const std::string command = extra_env + " GATEWAY=127.0.0.1:" + std::to_string(gateway_port) +
                                " RUNTIME=127.0.0.1:" + std::to_string(runtime_port_) +
                                " ADMIN_TOKEN=" + kAdminToken +
                                " NODE_PATH=/usr/share/nodejs timeout 120 node " DREICHOR_SOURCE_DIR
                                "/gateway/testdata/gateway_client.js " +
                                args + " > " + out_file + " 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream in(out_file);
    output->assign(std::istreambuf_iterator<char>(in), {});
    return rc == 0;
  }

  TempDir dir_;
  std::unique_ptr<RuntimeProcess> runtime_;
  uint16_t runtime_port_ = 0;
  int runs_ = 0;
};

TEST_F(GatewayIntegrationTest, AnIndependentClientMeetsEveryRefusalAndTheHappyPath) {
  auto gateway = StartGateway();
  const uint16_t port = ListeningPort(*gateway, "address");
  const uint16_t internal = ListeningPort(*gateway, "internal_address");
  ASSERT_NE(port, 0) << gateway->Text();
  ASSERT_TRUE(WaitReady(internal)) << gateway->Text();
  // The internal side serves metrics, the public side does not.
  testing::TestHttpClient internal_client("127.0.0.1", internal);
  const auto metrics = internal_client.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("dreichor_gateway_session_commands_total"), std::string::npos);
  testing::TestHttpClient public_client("127.0.0.1", port);
  EXPECT_EQ(public_client.Get("/metrics").status, 404);
  const auto openapi = public_client.Get("/openapi.yaml");
  EXPECT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.body.rfind("---\nopenapi: 3.1.0", 0), 0u);
  // Last: the client's final check drains this address's bucket.
  std::string output;
  EXPECT_TRUE(RunClient(port, "", "", &output)) << output << gateway->Text();
  EXPECT_NE(output.find("all checks held"), std::string::npos) << output;
  EXPECT_EQ(gateway->Text().find(kTradingToken), std::string::npos) << "a secret in the log";
  // Every refusal is counted by code, and logged with its code, never with what was signed.
  const std::string counted = internal_client.Get("/metrics").body;
  for (const char* code : {"missing_signature", "unknown_api_key", "stale_timestamp",
                           "bad_signature", "replayed", "permission_denied", "account_mismatch",
                           "api_key_revoked", "rate_limited", "seq_out_of_order"}) {
    const std::string series =
        std::string("dreichor_gateway_refusals_total{code=\"") + code + "\"} ";
    const size_t at = counted.find(series);
    ASSERT_NE(at, std::string::npos) << series;
    EXPECT_NE(counted.compare(at + series.size(), 2, "0\n"), 0) << code << " never counted";
  }
  bool logged_bad_signature = false;
  for (const json& line : gateway->Lines()) {
    if (line.value("msg", "") != "refused") continue;
    EXPECT_FALSE(line.contains("signature") || line.contains("nonce") || line.contains("body"))
        << line.dump();
    if (line.value("code", "") == "bad_signature") logged_bad_signature = true;
  }
  EXPECT_TRUE(logged_bad_signature) << gateway->Text();
}

// Killed without warning, the gateway keeps nothing: it learns every key again from the
// runtime's record stream, and a key registered while it was down works too.
TEST_F(GatewayIntegrationTest, AGatewayKilledLearnsTheKeysAgainFromTheStream) {
  auto gateway = StartGateway();
  const uint16_t port = ListeningPort(*gateway, "address");
  ASSERT_TRUE(WaitReady(ListeningPort(*gateway, "internal_address"))) << gateway->Text();
  std::string output;
  ASSERT_TRUE(RunClient(port, "", "", &output)) << output;
  gateway->Signal(SIGKILL);
  gateway->Wait(10s);
  auto again = StartGateway();
  const uint16_t internal = ListeningPort(*again, "internal_address");
  ASSERT_TRUE(WaitReady(internal)) << again->Text();
  testing::TestHttpClient runtime("127.0.0.1", runtime_port_);
  const json state = json::parse(runtime.Get("/v1/state").body);
  testing::TestHttpClient client("127.0.0.1", internal);
  const json health = json::parse(client.Get("/health/ready").body);
  EXPECT_EQ(health["applied_sequence"], state["last_sequence"]);
}

// The example clients of docs/gateway.md (Python with `cryptography`, Node with its crypto) sign
// with the documented example key and are answered.
TEST_F(GatewayIntegrationTest, TheDocumentedClientsAreAnswered) {
  constexpr char kSeed[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  testing::TestHttpClient admin("127.0.0.1", runtime_port_);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", std::string("Bearer ") + kAdminToken}};
  ASSERT_EQ(
      admin.Post("/v1/admin/deposits", R"({"account":2001,"asset":"USD","amount":5})", auth).status,
      200);
  ASSERT_EQ(
      admin
          .Post("/v1/admin/api-keys", R"({"key_id":21,"account":2001,"permissions":"read,trade",
      "public_key":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="})",
                auth)
          .status,
      200);
  auto gateway = StartGateway();
  const uint16_t port = ListeningPort(*gateway, "address");
  ASSERT_TRUE(WaitReady(ListeningPort(*gateway, "internal_address"))) << gateway->Text();
  const std::string base = " http://127.0.0.1:" + std::to_string(port) + " 21 " + kSeed;
  auto run = [&](const std::string& command) {
    const std::string out = dir_.Sub("example.out." + std::to_string(++runs_));
    const int rc = std::system((command + " > " + out + " 2>&1").c_str());
    std::ifstream in(out);
    return std::make_pair(rc, std::string(std::istreambuf_iterator<char>(in), {}));
  };
  auto [py_rc, py_out] = run("python3 " DREICHOR_SOURCE_DIR "/docs/examples/gateway_client.py" +
                             base + " GET /v1/accounts/2001/balances");
  EXPECT_EQ(py_rc, 0) << py_out;
  EXPECT_NE(py_out.find(R"("available":5)"), std::string::npos) << py_out;
  auto [js_rc, js_out] = run("node " DREICHOR_SOURCE_DIR "/docs/examples/gateway_client.js" + base +
                             " POST /v1/orders/cancel-all '{\"account\":2001}'");
  EXPECT_EQ(js_rc, 0) << js_out;
  EXPECT_NE(js_out.find(R"("accepted":true)"), std::string::npos) << js_out;
  // The same client with another seed is refused.
  auto [bad_rc, bad_out] = run("python3 " DREICHOR_SOURCE_DIR "/docs/examples/gateway_client.py" +
                               std::string(" http://127.0.0.1:") + std::to_string(port) + " 21 " +
                               std::string(64, '7') + " GET /v1/accounts/2001/balances");
  EXPECT_NE(bad_rc, 0);
  EXPECT_NE(bad_out.find("bad_signature"), std::string::npos) << bad_out;
}

class GatewayTlsTest : public GatewayIntegrationTest {
 protected:
  // A self-signed certificate for 127.0.0.1 and its key, made by the openssl command.
  void MakeCertificate() {
    cert_ = dir_.Sub("tls.crt");
    key_ = dir_.Sub("tls.key");
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
        "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        key_ + " -out " + cert_ + " > " + dir_.Sub("openssl.out") + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string cert_;
  std::string key_;
};

TEST_F(GatewayTlsTest, TheGatewayTerminatesTlsWithItsCertificate) {
  MakeCertificate();
  auto gateway = StartGateway(
      {{"DREICHOR_TLS", "on"}, {"DREICHOR_TLS_CERT_FILE", cert_}, {"DREICHOR_TLS_KEY_FILE", key_}});
  const uint16_t port = ListeningPort(*gateway, "address");
  ASSERT_NE(port, 0) << gateway->Text();
  ASSERT_TRUE(WaitReady(ListeningPort(*gateway, "internal_address"))) << gateway->Text();
  std::string output;
  EXPECT_TRUE(RunClient(port, "TLS_CA=" + cert_, "tls", &output)) << output << gateway->Text();
  // Plain HTTP on the TLS port gets no HTTP answer.
  testing::TestHttpClient plain("127.0.0.1", port);
  EXPECT_NE(plain.Get("/v1/markets").status, 200);
}

TEST_F(GatewayTlsTest, AKeyThatIsNotTheCertificatesStopsTheStart) {
  MakeCertificate();
  const std::string other_key = dir_.Sub("other.key");
  ASSERT_EQ(std::system(("openssl genpkey -algorithm ed25519 -out " + other_key).c_str()), 0);
  auto gateway = StartGateway({{"DREICHOR_TLS", "on"},
                               {"DREICHOR_TLS_CERT_FILE", cert_},
                               {"DREICHOR_TLS_KEY_FILE", other_key}});
  EXPECT_EQ(gateway->Wait(20s), kExitTls) << gateway->Text();
  EXPECT_NE(gateway->Text().find("is not the key of the certificate"), std::string::npos)
      << gateway->Text();
}

}  // namespace
}  // namespace dreichor::gateway
