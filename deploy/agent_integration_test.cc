// The deploy agent binary against a real container engine (Podman's Docker-compatible API) and a
// real registry (docker-registry), both on loopback. The images run the real dreichor-runtime
// (a FROM scratch image holding the binary and its shared libraries), so "state intact" is the
// runtime's own state hash.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <sstream>

#include "deploy/engine/docker_engine.h"
#include "http/curl_client.h"
#include "testing/access_tokens.h"
#include "testing/agent.h"
#include "testing/container_host.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"

namespace dreichor::deploy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TestContainerHost;
using testing::TestHttpClient;
using testing::TestKey;
using testing::TestResponse;

constexpr char kIssuer[] = "https://dreichor-test.cloudflareaccess.com";
constexpr char kDevAudience[] = "aud-dev-5b3f1c0e9a7d4e21";
constexpr char kProdAudience[] = "aud-prod-91e0d7c4b2a84f36";
constexpr char kStagingAudience[] = "aud-staging-3c8e2a7f10b94d55";
// The environments' networks; no other test uses these (system tests run one at a time).
constexpr char kDevSubnet[] = "10.231.1.0/24";
constexpr char kProdSubnet[] = "10.231.2.0/24";
constexpr char kStagingSubnet[] = "10.231.4.0/24";
constexpr char kAdminToken[] = "integration-admin-token-0123456789abcdef";
constexpr char kRuntimeBinary[] = DREICHOR_BINARY_DIR "/service/dreichor-runtime";
constexpr char kAgentBinary[] = DREICHOR_BINARY_DIR "/deploy/dreichor-deploy-agent";
constexpr char kCliBinary[] = DREICHOR_BINARY_DIR "/cli/dreichor";
constexpr char kGateBinary[] = DREICHOR_BINARY_DIR "/deploy/dreichor-engine-gate";

// A build context whose rootfs/ holds the runtime binary and every shared library it loads.
std::string RuntimeContext(const std::string& dir) {
  const fs::path rootfs = fs::path(dir) / "rootfs";
  fs::create_directories(rootfs / "usr/local/bin");
  fs::copy_file(kRuntimeBinary, rootfs / "usr/local/bin/dreichor-runtime");
  FILE* ldd = popen((std::string("ldd ") + kRuntimeBinary).c_str(), "r");
  char line[1024];
  const std::regex lib("(/[^ ]+) \\(0x");
  while (fgets(line, sizeof(line), ldd) != nullptr) {
    std::cmatch m;
    if (std::regex_search(line, m, lib)) {
      const fs::path path = m[1].str();
      fs::create_directories(rootfs / path.relative_path().parent_path());
      fs::copy_file(fs::canonical(path), rootfs / path.relative_path(),
                    fs::copy_options::overwrite_existing);
    }
  }
  pclose(ldd);
  return dir;
}

class AgentIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PrepareHostAndImages();
    if (HasFatalFailure() || IsSkipped()) return;
    dev_ = StartAgent("dev", kDevAudience);
  }

  // The container host, the registry and the three runtime images pushed to it.
  void PrepareHostAndImages() {
    std::string why;
    host_ = TestContainerHost::Start(&why);
    if (!host_) {
      if (TestContainerHost::Required()) {
        FAIL() << "containers cannot run here, and CI must run them: " << why;
      }
      GTEST_SKIP() << "containers cannot run on this machine: " << why;
    }
    repository_ = host_->registry() + "/dreichor/runtime";
    context_ = RuntimeContext(host_->dir() + "/context");
    const std::string healthcheck = R"(["/usr/local/bin/dreichor-runtime", "healthcheck")";
    BuildAndPush("sha-aaaaaaa", "a", healthcheck + "]");
    BuildAndPush("sha-bbbbbbb", "b", healthcheck + "]");
    // Its healthcheck probes a port nothing listens on: it never becomes ready.
    BuildAndPush("sha-ccccccc", "c", healthcheck + R"(, "--address", "127.0.0.1:1"])");
    std::ofstream(jwks_) << testing::Jwks({&key_});
  }

  void BuildAndPush(const std::string& tag, const std::string& variant,
                    const std::string& healthcheck) {
    const std::string file = context_ + "/Containerfile." + variant;
    std::ofstream(file) << "FROM scratch\nCOPY rootfs/ /\nLABEL org.dreichor.test-variant="
                        << variant << "\nHEALTHCHECK --interval=2s CMD " << healthcheck
                        << "\nENTRYPOINT [\"/usr/local/bin/dreichor-runtime\", \"serve\"]\n";
    const std::string ref = repository_ + ":" + tag;
    std::string out;
    ASSERT_EQ(host_->Podman({"build", "--format", "docker", "-f", file, "-t", ref, context_}, &out),
              0)
        << out;
    ASSERT_EQ(host_->Podman({"push", "--tls-verify=false", ref}, &out), 0) << out;
    // Removed locally, so that the agent's pull really fetches it.
    ASSERT_EQ(host_->Podman({"rmi", ref}, &out), 0) << out;
  }

  struct Agent {
    std::unique_ptr<testing::RuntimeProcess> gate;  // the agent's only way to the engine
    std::string gate_socket;
    std::unique_ptr<testing::RuntimeProcess> process;
    std::string base;
    uint16_t port = 0;
    uint16_t runtime_port = 0;
    std::string audience;
  };

  // `extra`: variables that replace the local defaults (the promotion links).
  std::unique_ptr<Agent> StartAgent(const std::string& env, const std::string& audience,
                                    const config::EnvMap& extra = {}) {
    auto agent = std::make_unique<Agent>();
    agent->base = host_->dir() + "/" + env + "-root/" + env;
    agent->audience = audience;
    agent->runtime_port = FreeLoopbackPort();
    for (const char* volume : {"/volumes/audit-events", "/volumes/snapshots"}) {
      fs::create_directories(agent->base + volume);
      // Owned by the runtime's user, as infra/deploy/README.md provisions them.
      EXPECT_EQ(::chown((agent->base + volume).c_str(), 10001, 10001), 0);
    }
    testing::TestRuntimeEnv runtime_env;
    runtime_env.env = env;
    runtime_env.admin_token = kAdminToken;
    runtime_env.snapshot_every = 5;
    std::ofstream(agent->base + "/runtime.env") << testing::RuntimeEnvText(runtime_env);
    agent->gate_socket = host_->dir() + "/gate-" + env + ".sock";
    agent->gate = std::make_unique<testing::RuntimeProcess>(
        kGateBinary,
        config::EnvMap{{"DREICHOR_GATE_ENV", env},
                       {"DREICHOR_GATE_LISTEN_SOCKET", agent->gate_socket},
                       {"DREICHOR_GATE_SOCKET_GROUP", "root"},
                       {"DREICHOR_GATE_ENGINE_SOCKET", host_->socket()},
                       {"DREICHOR_GATE_BASE_DIR", agent->base},
                       {"DREICHOR_GATE_LOG_LEVEL", "info"}},
        host_->dir() + "/gate-" + env + ".log");
    for (int i = 0; i < 200 && !fs::exists(agent->gate_socket); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(fs::exists(agent->gate_socket)) << "the " << env << " engine gate did not start";
    config::EnvMap vars =
        testing::LocalAgentEnv(env, agent->base, agent->gate_socket, jwks_, audience);
    vars["DREICHOR_AGENT_IMAGE_REPOSITORY"] = repository_;
    vars["DREICHOR_AGENT_RUNTIME_PUBLISH"] = "127.0.0.1:" + std::to_string(agent->runtime_port);
    vars["DREICHOR_AGENT_RUNTIME_SUBNET"] = env == "dev"       ? kDevSubnet
                                            : env == "staging" ? kStagingSubnet
                                                               : kProdSubnet;
    vars["DREICHOR_AGENT_ACCESS_TEAM_DOMAIN"] = kIssuer;
    vars["DREICHOR_AGENT_ACCESS_ALLOWED"] = "alice@example.com,deploy-bot.access";
    vars["PATH"] = "/usr/bin:/bin";
    for (const auto& [name, value] : extra) vars[name] = value;
    agent->process = std::make_unique<testing::RuntimeProcess>(
        kAgentBinary, vars, host_->dir() + "/agent-" + env + ".log");
    agent->port = testing::WaitForAgentPort(*agent->process);
    EXPECT_NE(agent->port, 0) << "the " << env << " agent did not become ready";
    return agent;
  }

  std::string Token(const std::string& audience, const std::string& email = "alice@example.com") {
    return testing::SignedToken(key_, testing::LongLivedAccessClaims(kIssuer, audience, email));
  }
  TestResponse Call(const Agent& agent, const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& token = "") {
    TestHttpClient client("127.0.0.1", agent.port, 120'000);
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Cf-Access-Jwt-Assertion", token.empty() ? Token(agent.audience) : token}};
    if (method == "POST") headers.emplace_back("Content-Type", "application/json");
    return client.Send(method, path, body, headers);
  }
  json Status(const Agent& agent) {
    const TestResponse r = Call(agent, "GET", "/v1/status");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  // The runtime through its published loopback port.
  TestResponse Runtime(const std::string& path, const std::string& body = "") {
    TestHttpClient client("127.0.0.1", dev_->runtime_port, 10'000);
    if (body.empty()) return client.Get(path);
    return client.Post(path, body, {{"Authorization", std::string("Bearer ") + kAdminToken}});
  }
  std::string StateHash() {
    const TestResponse r = Runtime("/v1/state");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body)["state_hash"].get<std::string>() : "";
  }

  std::unique_ptr<TestContainerHost> host_;
  std::string repository_, context_;
  TestKey key_{"integration-key"};
  std::string jwks_ = TempPath("jwks.json");
  std::unique_ptr<Agent> dev_;

 private:
  std::string TempPath(const std::string& name) {
    static TempDir dir;
    return dir.path() + "/" + name;
  }
};

TEST_F(AgentIntegrationTest, DeployRollbackStopStartAndFailuresAgainstPodmanAndARegistry) {
  const Agent& dev = *dev_;
  ASSERT_NE(dev.port, 0);
  auto engine = DockerEngine::Connect(host_->socket());
  ASSERT_TRUE(engine.ok()) << engine.status().message();

  {
    SCOPED_TRACE("authentication");
    TestHttpClient client("127.0.0.1", dev.port);
    EXPECT_EQ(client.Get("/health/live").status, 200);
    EXPECT_EQ(client.Get("/v1/status").status, 401);
    const TestResponse prod_token = Call(dev, "GET", "/v1/status", "", Token(kProdAudience));
    EXPECT_EQ(prod_token.status, 403) << "a prod token at the dev agent";
    EXPECT_EQ(Call(dev, "GET", "/v1/status", "", Token(kDevAudience, "eve@example.com")).status,
              403);
  }

  std::string hash;
  {
    SCOPED_TRACE("deploy A, trade on it");
    const TestResponse r = Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})");
    ASSERT_EQ(r.status, 200) << r.body;
    const json s = Status(dev);
    EXPECT_EQ(s["container"]["running"], true);
    EXPECT_EQ(s["container"]["ready"], true);
    EXPECT_EQ(s["container"]["tag"], "sha-aaaaaaa");
    EXPECT_EQ(s["container"]["digest"], json::parse(r.body)["record"]["digest"]);

    auto inspected = engine.value()->Inspect("dreichor-runtime-dev");
    ASSERT_TRUE(inspected.ok() && inspected.value());
    EXPECT_EQ(inspected.value()->mounts,
              (std::vector<BindMount>{
                  {dev.base + "/volumes/audit-events", "/var/lib/dreichor/audit-events"},
                  {dev.base + "/volumes/snapshots", "/var/lib/dreichor/snapshots"}}));
    EXPECT_EQ(inspected.value()->labels.at("dreichor.env"), "dev");
    EXPECT_TRUE(inspected.value()->read_only_root);
    EXPECT_EQ(inspected.value()->limits, (ContainerLimits{384LL << 20, 1'500'000'000, 200}));
    EXPECT_EQ(inspected.value()->user, "10001:10001") << "the image names no user; the agent does";
    {
      SCOPED_TRACE("the runtime process holds no capability and can gain none");
      // The image holds no shell: read the process's status from the host (rootful engine).
      std::string pid;
      ASSERT_EQ(
          host_->Podman({"inspect", "--format", "{{.State.Pid}}", inspected.value()->id}, &pid), 0)
          << pid;
      std::ifstream status_file("/proc/" + pid.substr(0, pid.find('\n')) + "/status");
      ASSERT_TRUE(status_file.good()) << "no process " << pid;
      std::stringstream status;
      status << status_file.rdbuf();
      const std::string out = status.str();
      for (const char* line : {"Uid:\t10001\t10001\t10001\t10001", "CapPrm:\t0000000000000000",
                               "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000",
                               "CapAmb:\t0000000000000000", "NoNewPrivs:\t1"}) {
        EXPECT_NE(out.find(line), std::string::npos) << line << " in\n" << out;
      }
    }
    std::string pinned_id;
    ASSERT_EQ(host_->Podman({"image", "inspect", "--format", "{{.Id}}",
                             repository_ + "@" + s["container"]["digest"].get<std::string>()},
                            &pinned_id),
              0);
    EXPECT_EQ("sha256:" + pinned_id.substr(0, pinned_id.find('\n')), inspected.value()->image_id)
        << "the container runs the image the digest names";

    ASSERT_EQ(
        Runtime(
            "/v1/admin/markets",
            R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC","quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000000,"maker_fee_bps":10,"taker_fee_bps":20})")
            .status,
        200);
    ASSERT_EQ(
        Runtime("/v1/admin/deposits", R"({"account":7,"asset":"USD","amount":1000000})").status,
        200);
    ASSERT_EQ(Runtime("/v1/admin/deposits", R"({"account":8,"asset":"BTC","amount":100})").status,
              200);
    ASSERT_EQ(
        Runtime(
            "/v1/orders",
            R"({"account":8,"market":1,"side":"sell","kind":"limit","price":100,"quantity":5,"client_order_id":42})")
            .status,
        200);
    ASSERT_EQ(
        Runtime("/v1/orders",
                R"({"account":7,"market":1,"side":"buy","kind":"ioc","price":101,"quantity":3})")
            .status,
        200);
    hash = StateHash();
    ASSERT_FALSE(hash.empty());
  }
  {
    SCOPED_TRACE("redeploying A is a no-op");
    const TestResponse r = Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["record"]["outcome"], "noop");
  }
  {
    SCOPED_TRACE("deploy B: same state, replayed");
    const TestResponse r = Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-bbbbbbb"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Status(dev)["container"]["tag"], "sha-bbbbbbb");
    EXPECT_EQ(StateHash(), hash);
    auto all = engine.value()->List({{"dreichor.env", "dev"}});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all.value().size(), 1u) << "the old container is removed once B is ready";
  }
  {
    SCOPED_TRACE("rollback to A");
    const TestResponse r = Call(dev, "POST", "/v1/rollback");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Status(dev)["container"]["tag"], "sha-aaaaaaa");
    EXPECT_EQ(StateHash(), hash);
  }
  {
    SCOPED_TRACE("stop, start");
    ASSERT_EQ(Call(dev, "POST", "/v1/stop").status, 200);
    const json stopped = Status(dev);
    EXPECT_EQ(stopped["container"]["running"], false);
    EXPECT_EQ(stopped["container"]["exit_code"], 0) << "the runtime's graceful shutdown";
    ASSERT_EQ(Call(dev, "POST", "/v1/start").status, 200);
    EXPECT_EQ(Status(dev)["container"]["ready"], true);
    EXPECT_EQ(StateHash(), hash);
  }
  {
    SCOPED_TRACE("an image that fails to pull leaves A running untouched");
    const std::string id = Status(dev)["container"]["id"];
    const TestResponse r = Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-fffffff"})");
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(json::parse(r.body)["record"]["step"], "pull");
    const json s = Status(dev);
    EXPECT_EQ(s["container"]["id"], id);
    EXPECT_EQ(s["container"]["running"], true);
  }
  {
    SCOPED_TRACE("two deploys at once: one 409");
    auto first = std::async(std::launch::async, [&] {
      return Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-bbbbbbb"})");
    });
    bool busy = false;
    for (int i = 0; i < 3000 && !busy; ++i) {  // up to 60 s: a loaded machine is slow to start
      busy = !Status(dev)["action_in_progress"].is_null();
      if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(busy);
    const TestResponse second = Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-bbbbbbb"})");
    EXPECT_EQ(second.status, 409) << second.body;
    EXPECT_EQ(json::parse(second.body)["error"]["holder"]["operator"], "alice@example.com");
    EXPECT_EQ(first.get().status, 200);
    EXPECT_EQ(StateHash(), hash);
  }
  {
    SCOPED_TRACE("an image that never becomes ready: nothing runs, rollback restores B");
    const TestResponse r = Call(dev, "POST", "/v1/deploy", R"({"tag":"sha-ccccccc"})");
    EXPECT_EQ(r.status, 503) << r.body;
    const json record = json::parse(r.body)["record"];
    EXPECT_EQ(record["step"], "readiness");
    EXPECT_EQ(record["left_running"], "nothing");
    EXPECT_FALSE(record["logs"].empty());
    auto all = engine.value()->List({{"dreichor.env", "dev"}});
    ASSERT_TRUE(all.ok());
    for (const ContainerState& c : all.value()) EXPECT_FALSE(c.running) << c.name;
    EXPECT_EQ(Runtime("/v1/state").status, 0) << "nothing answers on the runtime's port";

    const TestResponse back = Call(dev, "POST", "/v1/rollback");
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(Status(dev)["container"]["tag"], "sha-bbbbbbb");
    EXPECT_EQ(StateHash(), hash);
  }
  {
    SCOPED_TRACE("the prod agent: latest refused, dev's container invisible");
    auto prod = StartAgent("prod", kProdAudience);
    ASSERT_NE(prod->port, 0);
    const TestResponse latest = Call(*prod, "POST", "/v1/deploy", R"({"tag":"latest"})");
    EXPECT_EQ(latest.status, 400) << latest.body;
    EXPECT_TRUE(Status(*prod)["container"].is_null());
    EXPECT_EQ(Call(*prod, "POST", "/v1/stop").status, 409) << "it cannot stop dev's runtime";
    EXPECT_EQ(Call(*prod, "GET", "/v1/status", "", Token(kDevAudience)).status, 403);
    {
      SCOPED_TRACE("each environment's network reaches its own runtime and not the other's");
      const TestResponse deployed = Call(*prod, "POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})");
      ASSERT_EQ(deployed.status, 200) << deployed.body;
      const std::string image =
          repository_ + "@" + json::parse(deployed.body)["record"]["digest"].get<std::string>();
      std::map<std::string, std::string> address;  // env -> its runtime's ip:port on its network
      for (const std::string env : {"dev", "prod"}) {
        auto runtime = engine.value()->Inspect("dreichor-runtime-" + env);
        ASSERT_TRUE(runtime.ok() && runtime.value());
        EXPECT_EQ(runtime.value()->networks, std::vector<std::string>{"dreichor-" + env});
        std::string ip;
        ASSERT_EQ(host_->Podman(
                      {"inspect", "--format",
                       "{{(index .NetworkSettings.Networks \"dreichor-" + env + "\").IPAddress}}",
                       "dreichor-runtime-" + env},
                      &ip),
                  0)
            << ip;
        address[env] = ip.substr(0, ip.find('\n')) + ":8080";
      }
      EXPECT_EQ(address["dev"].rfind("10.231.1.", 0), 0u) << address["dev"];
      EXPECT_EQ(address["prod"].rfind("10.231.2.", 0), 0u) << address["prod"];
      // A probe container on `network` asks the runtime at `target` whether it is ready.
      const auto probe = [&](const std::string& network, const std::string& target) {
        std::string out;
        const int rc = host_->Podman(
            {"run", "--rm", "--network", network, "--entrypoint", "/usr/local/bin/dreichor-runtime",
             image, "healthcheck", "--address", target},
            &out);
        return rc;
      };
      EXPECT_EQ(probe("dreichor-dev", address["dev"]), 0) << "dev reaches its own runtime";
      EXPECT_EQ(probe("dreichor-prod", address["prod"]), 0) << "prod reaches its own runtime";
      EXPECT_NE(probe("dreichor-dev", address["prod"]), 0) << "dev reached prod's runtime";
      EXPECT_NE(probe("dreichor-prod", address["dev"]), 0) << "prod reached dev's runtime";
      {
        SCOPED_TRACE(
            "the host firewall (infra/deploy/dreichor-firewall.nft) closes what isolation "
            "leaves open: egress, and ways in from other networks");
        // A service on a third network, which isolation alone does not separate from dev's.
        const std::string outside = host_->dir() + "/outside";
        for (const char* dir : {"/audit-events", "/snapshots"})
          fs::create_directories(outside + dir);
        testing::TestRuntimeEnv outside_env;
        std::ofstream(outside + "/runtime.env") << testing::RuntimeEnvText(outside_env);
        std::string out;
        ASSERT_EQ(
            host_->Podman(
                {"network", "create", "--subnet", "10.231.9.0/24", "dreichor-test-outside"}, &out),
            0)
            << out;
        ASSERT_EQ(host_->Podman({"run", "--detach", "--name", "outside-service", "--network",
                                 "dreichor-test-outside", "--env-file", outside + "/runtime.env",
                                 "-v", outside + "/audit-events:/var/lib/dreichor/audit-events",
                                 "-v", outside + "/snapshots:/var/lib/dreichor/snapshots", image},
                                &out),
                  0)
            << out;
        std::string outside_ip;
        ASSERT_EQ(host_->Podman({"inspect", "--format",
                                 "{{(index .NetworkSettings.Networks \"dreichor-test-outside\")"
                                 ".IPAddress}}",
                                 "outside-service"},
                                &outside_ip),
                  0);
        const std::string service = outside_ip.substr(0, outside_ip.find('\n')) + ":8080";
        bool up = false;
        for (int i = 0; i < 100 && !up; ++i) {
          up = probe("dreichor-test-outside", service) == 0;
        }
        ASSERT_TRUE(up) << "the outside service did not start";
        EXPECT_EQ(probe("dreichor-dev", service), 0) << "without the firewall, dev gets out";
        EXPECT_EQ(probe("podman", address["dev"]), 0) << "without it, the default network gets in";

        std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/infra/deploy/dreichor-firewall.nft");
        std::string rules((std::istreambuf_iterator<char>(in)), {});
        ASSERT_NE(rules.find("define dev_subnet = 10.89.1.0/24"), std::string::npos);
        rules.replace(rules.find("10.89.1.0/24"), 12, kDevSubnet);
        rules.replace(rules.find("10.89.2.0/24"), 12, kProdSubnet);
        rules.replace(rules.find("10.89.3.0/24"), 12, kStagingSubnet);
        std::ofstream(host_->dir() + "/firewall.nft") << rules;
        struct Unload {
          ~Unload() { std::system("nft delete table inet dreichor_environments 2>/dev/null"); }
        } unload;
        ASSERT_EQ(std::system(("nft -f " + host_->dir() + "/firewall.nft").c_str()), 0);
        EXPECT_NE(probe("dreichor-dev", service), 0) << "dev got out through the firewall";
        EXPECT_NE(probe("dreichor-prod", service), 0) << "prod got out through the firewall";
        EXPECT_NE(probe("podman", address["dev"]), 0) << "the default network got into dev";
        EXPECT_NE(probe("dreichor-test-outside", address["prod"]), 0) << "another got into prod";
        EXPECT_EQ(probe("dreichor-dev", address["dev"]), 0) << "dev still reaches its own runtime";
        EXPECT_EQ(Runtime("/v1/state").status, 200) << "the published loopback port still works";
        host_->Podman({"rm", "--force", "--time", "0", "outside-service"}, &out);
      }
    }
    {
      SCOPED_TRACE("through dev's engine gate, prod's containers and the host are out of reach");
      const auto through_dev_gate = [&](const std::string& method, const std::string& path,
                                        const std::string& body = "") {
        http::HttpCall call;
        call.method = method;
        call.url = "http://engine/v1.41" + path;
        call.body = body;
        call.unix_socket = dev.gate_socket;
        auto reply = http::CurlPerform(call);
        EXPECT_TRUE(reply.ok()) << reply.status().message();
        return reply.ok() ? reply.value() : http::HttpReply{};
      };
      struct stat socket_stat {};
      ASSERT_EQ(::stat(dev.gate_socket.c_str(), &socket_stat), 0);
      EXPECT_EQ(socket_stat.st_mode & 0777, 0660u);
      EXPECT_EQ(through_dev_gate("GET", "/containers/dreichor-runtime-dev/json").status, 200);
      const json privileged = {
          {"Image", "x"},
          {"Labels", {{"dreichor.env", "dev"}}},
          {"HostConfig",
           {{"Privileged", true}, {"NetworkMode", "dreichor-dev"}, {"CapDrop", {"ALL"}}}}};
      for (const auto& [method, path, body] :
           std::vector<std::tuple<std::string, std::string, std::string>>{
               {"GET", "/containers/dreichor-runtime-prod/json", ""},
               {"POST", "/containers/dreichor-runtime-prod/stop?t=0", ""},
               {"POST", "/containers/dreichor-runtime-prod/exec", R"({"Cmd":["true"]})"},
               {"DELETE", "/containers/dreichor-runtime-prod?force=1", ""},
               {"GET", "/containers/json?all=1", ""},
               {"POST", "/containers/create?name=dreichor-evil-dev", privileged.dump()},
               {"GET", "/networks/dreichor-prod", ""},
               {"GET", "/info", ""}}) {
        const http::HttpReply r = through_dev_gate(method, path, body);
        EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
        EXPECT_NE(r.body.find("engine gate: "), std::string::npos) << r.body;
      }
      auto prod_runtime = engine.value()->Inspect("dreichor-runtime-prod");
      ASSERT_TRUE(prod_runtime.ok() && prod_runtime.value());
      EXPECT_TRUE(prod_runtime.value()->running) << "prod's runtime still runs";
      EXPECT_FALSE(engine.value()->Inspect("dreichor-evil-dev").value().has_value());
      std::ifstream gate_log(host_->dir() + "/gate-dev.log");
      const std::string log((std::istreambuf_iterator<char>(gate_log)), {});
      EXPECT_NE(log.find("is not labelled dreichor.env=dev"), std::string::npos)
          << "refusals are logged with their reason";
      size_t refusals = 0;
      for (size_t at = log.find("request refused"); at != std::string::npos;
           at = log.find("request refused", at + 1)) {
        ++refusals;
      }
      EXPECT_EQ(refusals, 8u) << "the hostile requests above, and none of the agent's own:\n"
                              << log;
    }
    EXPECT_EQ(Call(*prod, "POST", "/v1/stop").status, 200);
    prod->process->Signal(SIGTERM);
    EXPECT_EQ(prod->process->Wait(std::chrono::seconds(30)), 0);
  }
  {
    SCOPED_TRACE("history");
    const TestResponse r = Call(dev, "GET", "/v1/deployments?limit=1000");
    ASSERT_EQ(r.status, 200);
    std::vector<std::string> outcomes;
    const json body = json::parse(r.body);
    for (const json& e : body["entries"]) {
      outcomes.insert(outcomes.begin(),
                      e["action"].get<std::string>() + ":" + e["outcome"].get<std::string>());
    }
    EXPECT_EQ(outcomes,
              (std::vector<std::string>{
                  "deploy:started", "deploy:succeeded", "deploy:started", "deploy:noop",
                  "deploy:started", "deploy:succeeded", "rollback:started", "rollback:succeeded",
                  "stop:succeeded", "start:succeeded", "deploy:started", "deploy:failed",
                  "deploy:started", "deploy:succeeded", "deploy:started", "deploy:failed",
                  "rollback:started", "rollback:succeeded"}));
    const std::string cli = std::string(kCliBinary) + " deploy history verify " + dev.base +
                            "/deploy-agent/history > /dev/null";
    EXPECT_EQ(std::system(cli.c_str()), 0);
  }
  dev_->process->Signal(SIGTERM);
  EXPECT_EQ(dev_->process->Wait(std::chrono::seconds(30)), 0);
}

// Promotion (docs/deploy-agent.md, "Promotion"): three environments, each with its own agent,
// gate, network and runtime; one digest deployed in dev and promoted, never rebuilt or re-tagged,
// to staging and then prod, recorded in both histories of each step.
class PromotionIntegrationTest : public AgentIntegrationTest {
 protected:
  void SetUp() override { PrepareHostAndImages(); }

  TestResponse PeerCall(const Agent& agent, const std::string& method, const std::string& path,
                        const std::string& token, const std::string& body = "") {
    TestHttpClient client("127.0.0.1", agent.port, 30'000);
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Authorization", "Bearer " + token}};
    if (method == "POST") headers.emplace_back("Content-Type", "application/json");
    return client.Send(method, path, body, headers);
  }
  // The history's entries, oldest first, as "action:outcome[:peer_env]".
  std::vector<std::string> History(const Agent& agent) {
    const TestResponse r = Call(agent, "GET", "/v1/deployments?limit=1000");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const json body = json::parse(r.body);
    for (const json& e : body["entries"]) {
      std::string line = e["action"].get<std::string>() + ":" + e["outcome"].get<std::string>();
      if (e.contains("peer_env")) line += ":" + e["peer_env"].get<std::string>();
      out.insert(out.begin(), line);
    }
    return out;
  }
};

TEST_F(PromotionIntegrationTest, OneDigestGoesFromDevThroughStagingToProd) {
  const std::string dev_link = "dev-to-staging-link-token-4f0e9c2b7a61d385";
  const std::string staging_link = "staging-to-prod-link-token-8b2d6e0f13c97a54";
  auto dev = StartAgent("dev", kDevAudience, {{"DREICHOR_AGENT_PROMOTE_TO_TOKEN", dev_link}});
  ASSERT_NE(dev->port, 0);
  const auto from = [](const Agent& a) { return "http://127.0.0.1:" + std::to_string(a.port); };
  auto staging = StartAgent("staging", kStagingAudience,
                            {{"DREICHOR_AGENT_PROMOTE_FROM", from(*dev)},
                             {"DREICHOR_AGENT_PROMOTE_FROM_TOKEN", dev_link},
                             {"DREICHOR_AGENT_PROMOTE_TO_TOKEN", staging_link}});
  ASSERT_NE(staging->port, 0);
  auto prod = StartAgent("prod", kProdAudience,
                         {{"DREICHOR_AGENT_PROMOTE_FROM", from(*staging)},
                          {"DREICHOR_AGENT_PROMOTE_FROM_TOKEN", staging_link}});
  ASSERT_NE(prod->port, 0);

  {
    SCOPED_TRACE("nothing runs in dev yet: nothing to promote, nothing recorded");
    const TestResponse r = Call(*staging, "POST", "/v1/promote");
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "nothing_to_promote") << r.body;
    EXPECT_NE(r.body.find("dev has no succeeded deployment"), std::string::npos) << r.body;
    const TestResponse first = Call(*dev, "POST", "/v1/promote");
    EXPECT_EQ(first.status, 409) << first.body;
    EXPECT_EQ(json::parse(first.body)["error"]["code"], "no_promotion_source");
  }
  const TestResponse deployed = Call(*dev, "POST", "/v1/deploy", R"({"tag":"sha-aaaaaaa"})");
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  const json dev_record = json::parse(deployed.body)["record"];
  const std::string digest = dev_record["digest"];
  ASSERT_EQ(digest.rfind("sha256:", 0), 0u) << digest;
  {
    SCOPED_TRACE("prod takes only from staging, which has nothing yet");
    const TestResponse r = Call(*prod, "POST", "/v1/promote");
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_NE(r.body.find("staging has no succeeded deployment"), std::string::npos) << r.body;
  }
  {
    SCOPED_TRACE("dev -> staging");
    const TestResponse r = Call(*staging, "POST", "/v1/promote");
    ASSERT_EQ(r.status, 200) << r.body;
    const json body = json::parse(r.body);
    EXPECT_EQ(body["record"]["action"], "promote");
    EXPECT_EQ(body["record"]["outcome"], "succeeded");
    EXPECT_EQ(body["record"]["digest"], digest);
    EXPECT_EQ(body["record"]["tag"], "sha-aaaaaaa");
    EXPECT_EQ(body["record"]["peer_env"], "dev");
    EXPECT_EQ(body["record"]["peer_deployment"], dev_record["deployment"]);
    EXPECT_EQ(body["source_record"], "recorded");
  }
  {
    SCOPED_TRACE("staging -> prod");
    const TestResponse r = Call(*prod, "POST", "/v1/promote");
    ASSERT_EQ(r.status, 200) << r.body;
    const json body = json::parse(r.body);
    EXPECT_EQ(body["record"]["digest"], digest);
    EXPECT_EQ(body["record"]["peer_env"], "staging");
    EXPECT_EQ(body["source_record"], "recorded");
  }
  {
    SCOPED_TRACE("one digest everywhere, each runtime ready on its own network");
    for (const Agent* agent : {dev.get(), staging.get(), prod.get()}) {
      const json status = Status(*agent);
      EXPECT_EQ(status["container"]["digest"], digest) << status;
      EXPECT_EQ(status["container"]["ready"], true) << status;
      EXPECT_EQ(status["current_deployment"]["digest"], digest) << status;
      TestHttpClient runtime("127.0.0.1", agent->runtime_port, 10'000);
      EXPECT_EQ(runtime.Get("/health/ready").status, 200);
    }
  }
  {
    SCOPED_TRACE("recorded in both histories of each step");
    EXPECT_EQ(History(*dev), (std::vector<std::string>{"deploy:started", "deploy:succeeded",
                                                       "promoted:succeeded:staging"}));
    EXPECT_EQ(History(*staging),
              (std::vector<std::string>{"promote:started:dev", "promote:succeeded:dev",
                                        "promoted:succeeded:prod"}));
    EXPECT_EQ(History(*prod),
              (std::vector<std::string>{"promote:started:staging", "promote:succeeded:staging"}));
    for (const Agent* agent : {dev.get(), staging.get(), prod.get()}) {
      const std::string cli = std::string(kCliBinary) + " deploy history verify " + agent->base +
                              "/deploy-agent/history > /dev/null";
      EXPECT_EQ(std::system(cli.c_str()), 0) << agent->base;
    }
  }
  {
    SCOPED_TRACE("the links are one way and one token each");
    EXPECT_EQ(PeerCall(*dev, "GET", "/v1/promotion/source", dev_link).status, 200);
    EXPECT_EQ(PeerCall(*dev, "GET", "/v1/promotion/source", staging_link).status, 401)
        << "prod's link token opens nothing in dev";
    EXPECT_EQ(Call(*dev, "GET", "/v1/promotion/source").status, 401)
        << "an operator's Access token is not the link's credential";
    const TestResponse from_prod = PeerCall(*prod, "GET", "/v1/promotion/source", staging_link);
    EXPECT_EQ(from_prod.status, 401) << from_prod.body;
    EXPECT_NE(from_prod.body.find("nothing is promoted out of this environment"),
              std::string::npos);
    const TestResponse forged = PeerCall(*dev, "POST", "/v1/promotion/record", dev_link,
                                         json{{"env", "staging"},
                                              {"deployment", 99},
                                              {"source_deployment", dev_record["deployment"]},
                                              {"digest", "sha256:" + std::string(64, 'e')},
                                              {"operator", "mallory@example.com"}}
                                             .dump());
    EXPECT_EQ(forged.status, 409) << "dev never ran that digest: " << forged.body;
    const TestResponse sideways = PeerCall(*dev, "POST", "/v1/promotion/record", dev_link,
                                           json{{"env", "prod"},
                                                {"deployment", 1},
                                                {"source_deployment", dev_record["deployment"]},
                                                {"digest", digest},
                                                {"operator", "mallory@example.com"}}
                                               .dump());
    EXPECT_EQ(sideways.status, 400) << "dev promotes into staging only: " << sideways.body;
    EXPECT_EQ(History(*dev).size(), 3u) << "refused reports leave no record";
  }
  for (Agent* agent : {prod.get(), staging.get(), dev.get()}) {
    EXPECT_EQ(Call(*agent, "POST", "/v1/stop").status, 200);
    agent->process->Signal(SIGTERM);
    EXPECT_EQ(agent->process->Wait(std::chrono::seconds(30)), 0);
  }
}

}  // namespace
}  // namespace dreichor::deploy
