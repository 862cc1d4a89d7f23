// The whole system in containers, as on the server (infra/README.md): the runtime and migrations
// images built with the run stages of infra/docker/'s Dockerfiles from this build tree's
// programs, on a locally made Debian base; PostgreSQL as a host service with the environment
// provisioned (infra/db/provision-env.sql) and reachable only from the environment's network; the
// deploy agent pulling both images from a registry into Podman, running the migrations as the
// migration role and the runtime on the postgres audit backend as the runtime role; trading
// through the runtime's published port, a crash, a restart through the agent, a second release,
// a rollback, and a graceful stop.
//
// Needs root, Podman, docker-registry and mmdebstrap (scripts/setup.sh installs them) and the
// Debian mirror (the run stages install three libraries; no toolchain is fetched). Where
// containers cannot run it skips, saying why in one line — except under CI=true, where it fails.
// The Debian base tarball is cached in $DREICHOR_E2E_CACHE (default /var/cache/dreichor-e2e)
// between runs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "testing/access_tokens.h"
#include "testing/agent.h"
#include "testing/container_host.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/test_database.h"
#include "testing/test_postgres.h"
#include "util/pg_connection.h"

namespace dreichor::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TestContainerHost;
using testing::TestHttpClient;
using testing::TestResponse;
using Clock = std::chrono::steady_clock;

constexpr char kIssuer[] = "https://dreichor-e2e.cloudflareaccess.com";
constexpr char kAudience[] = "aud-e2e-dev-6c1f0a9b3d";
constexpr char kAdminToken[] = "e2e-admin-token-0123456789abcdef0123";
constexpr char kAgentBinary[] = DREICHOR_BINARY_DIR "/deploy/dreichor-deploy-agent";
constexpr char kCliBinary[] = DREICHOR_BINARY_DIR "/cli/dreichor";
constexpr char kGateBinary[] = DREICHOR_BINARY_DIR "/deploy/dreichor-engine-gate";
constexpr char kRuntimeImage[] = "localhost/dreichor/runtime:e2e";
constexpr char kMigrationsImage[] = "localhost/dreichor/migrations:e2e";
constexpr char kMarketDataImage[] = "localhost/dreichor/marketdata:e2e";
constexpr uid_t kRuntimeUid = 10001;  // the runtime image's user (Dockerfile.runtime)
// dev's container network; no other test uses it (system tests run one at a time).
constexpr char kSubnet[] = "10.231.3.0/24";
constexpr char kGateway[] = "10.231.3.1";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

class ContainersEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    host_ = TestContainerHost::Start(&why, {"/usr/bin/mmdebstrap"});
    if (!host_) {
      if (TestContainerHost::Required()) FAIL() << "containers cannot run: " << why;
      GTEST_SKIP() << "containers cannot run on this machine: " << why;
    }
  }

  // podman <args>, asserting success; returns the output.
  std::string Podman(const std::vector<std::string>& args) {
    std::string out;
    const int rc = host_->Podman(args, &out);
    EXPECT_EQ(rc, 0) << "podman " << args[0] << ": " << out;
    return out;
  }

  void ImportBase() { ASSERT_EQ(host_->ImportDebianBase(), ""); }

  // The images as infra/docker/'s Dockerfiles make them, from this build tree's programs: the
  // run stage of each Dockerfile (its global ARGs, then everything from its last FROM), with every
  // `COPY --from=build /build/<path>` taking <path> from the build tree instead. So no toolchain
  // is fetched and nothing is compiled twice; the build stage is what CI's image job runs.
  void PrepareContext() {
    context_ = host_->dir() + "/context";
    fs::create_directories(context_ + "/infra/db");
    fs::copy(std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations",
             context_ + "/infra/db/migrations", fs::copy_options::recursive);
    for (const char* dockerfile :
         {"Dockerfile.runtime", "Dockerfile.migrations", "Dockerfile.marketdata"}) {
      std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/infra/docker/" + dockerfile);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      const size_t run_stage = text.rfind("\nFROM ");
      ASSERT_NE(run_stage, std::string::npos) << dockerfile;
      std::string stage;
      const std::regex global_arg(R"(^ARG [^\n]*\n)", std::regex::multiline);
      const std::string head = text.substr(0, text.find("\nFROM "));
      for (auto it = std::sregex_iterator(head.begin(), head.end(), global_arg);
           it != std::sregex_iterator(); ++it) {
        stage += it->str();
      }
      stage += text.substr(run_stage + 1);
      const std::regex from_build(R"(/build/(\S+))");
      for (auto it = std::sregex_iterator(stage.begin(), stage.end(), from_build);
           it != std::sregex_iterator(); ++it) {
        const std::string path = (*it)[1];
        const std::string built = std::string(DREICHOR_BINARY_DIR) + "/" + path;
        ASSERT_TRUE(fs::exists(built))
            << dockerfile << " copies " << path << ", which this build tree does not have";
        fs::create_directories(fs::path(context_ + "/" + path).parent_path());
        fs::copy_file(built, context_ + "/" + path, fs::copy_options::overwrite_existing);
        ASSERT_EQ(std::system(("strip '" + context_ + "/" + path + "'").c_str()), 0);
      }
      stage = std::regex_replace(stage, std::regex("COPY --from=build /build/"), "COPY ");
      stage = std::regex_replace(stage, std::regex(" /build/"), " ");
      std::ofstream(context_ + "/" + dockerfile) << stage;
    }
  }

  void BuildImage(const std::string& dockerfile, const std::string& tag) {
    const auto started = Clock::now();
    std::string out;
    const int rc = host_->Podman({"build", "--format", "docker", "--layers", "-f",
                                  context_ + "/" + dockerfile, "-t", tag, context_},
                                 &out);
    ASSERT_EQ(rc, 0) << out.substr(out.size() > 4000 ? out.size() - 4000 : 0);
    std::string size;
    host_->Podman({"image", "inspect", "--format", "{{.Size}}", tag}, &size);
    std::cout << "e2e: " << dockerfile << " built in " << Seconds(started) << " s, image "
              << std::stoll(size) / 1e6 << " MB\n";
  }

  void PushTo(const std::string& local, const std::string& remote) {
    Podman({"tag", local, remote});
    Podman({"push", "--quiet", "--tls-verify=false", remote});
    Podman({"rmi", remote});
  }

  std::unique_ptr<TestContainerHost> host_;
  std::string context_;
};

TEST_F(ContainersEndToEnd, DeployTradeCrashRestartReleaseRollbackAndStop) {
  const auto started = Clock::now();
  ImportBase();
  PrepareContext();
  if (HasFatalFailure()) return;
  BuildImage("Dockerfile.runtime", kRuntimeImage);
  if (HasFatalFailure()) return;
  BuildImage("Dockerfile.migrations", kMigrationsImage);
  if (HasFatalFailure()) return;
  BuildImage("Dockerfile.marketdata", kMarketDataImage);
  if (HasFatalFailure()) return;

  {
    SCOPED_TRACE("the runtime image's user can write the two volumes and nothing else");
    // Directories the user cannot read are not writable either; find's complaints are dropped.
    std::istringstream out(
        Podman({"run", "--rm", "--no-healthcheck", "--entrypoint", "/bin/sh", kRuntimeImage, "-c",
                "find / -xdev -writable -not -type l 2>/dev/null; true"}));
    std::vector<std::string> writable;  // podman's own warnings on stderr are not paths
    for (std::string line; std::getline(out, line);) {
      if (!line.empty() && line[0] == '/') writable.push_back(line);
    }
    std::sort(writable.begin(), writable.end());
    EXPECT_EQ(writable, (std::vector<std::string>{"/var/lib/dreichor/audit-events",
                                                  "/var/lib/dreichor/snapshots"}));
  }
  // The environment's network, made before the agent's first deploy finds it (labelled and on
  // the subnet the agent is given), and held up by one idle container: PostgreSQL listens on its
  // gateway, which exists only while a container is attached.
  Podman({"network", "create", "--subnet", kSubnet, "--label", "dreichor.env=dev", "--opt",
          "isolate=true", "dreichor-dev"});
  Podman({"run", "--detach", "--name", "dev-network-anchor", "--network", "dreichor-dev",
          "docker.io/library/debian:bookworm-slim", "sleep", "infinity"});
  // PostgreSQL as on the server: a host service, each environment's roles admitted from its own
  // network to its own database only.
  auto pg = TestPostgres::Start(
      false,
      {kGateway, std::string("host dreichor_dev dreichor_dev_migrator,dreichor_dev_runtime ") +
                     kSubnet + " scram-sha-256"});
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  auto dev = testing::ProvisionTestEnvironment(pg.value()->endpoint(), "dev",
                                               std::string(DREICHOR_SOURCE_DIR) + "/infra/db");
  ASSERT_TRUE(dev.ok()) << dev.status().message();
  // The same roles, as the containers reach the server: at the network's gateway.
  const auto via_gateway = [&](std::string url) {
    return url.replace(url.find("@127.0.0.1:"), 11, std::string("@") + kGateway + ":");
  };
  const auto superuser = [&](const std::string& sql) {
    auto db = PgConnection::Connect(pg.value()->Url("dreichor_dev"));
    EXPECT_TRUE(db.ok());
    auto rows = db.ok() ? db.value()->Exec(sql) : Result<PgRows>(db.status());
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().message();
    std::vector<std::string> out;
    if (rows.ok()) {
      for (const auto& row : rows.value().rows) out.push_back(row.empty() ? "" : row[0]);
    }
    return out;
  };

  // Two releases: the image as built, and the same with one more label (another digest).
  const std::string repository = host_->registry() + "/dreichor/runtime";
  PushTo(kRuntimeImage, repository + ":sha-0e2e0001");
  const std::string second = host_->dir() + "/second";
  fs::create_directories(second);
  std::ofstream(second + "/Containerfile")
      << "FROM " << kRuntimeImage << "\nLABEL org.dreichor.e2e-release=2\n";
  Podman({"build", "--format", "docker", "-t", "localhost/dreichor/runtime:e2e-2", second});
  PushTo("localhost/dreichor/runtime:e2e-2", repository + ":sha-0e2e0002");
  const std::string migrations = host_->registry() + "/dreichor/migrations";
  for (const char* tag : {"sha-0e2e0001", "sha-0e2e0002"}) {
    PushTo(kMigrationsImage, migrations + ":" + tag);
  }
  if (HasFatalFailure()) return;

  // The environment's directory, as on the server.
  const std::string base = host_->dir() + "/opt/dreichor/dev";
  for (const char* volume : {"/volumes/audit-events", "/volumes/snapshots"}) {
    fs::create_directories(base + volume);
    ASSERT_EQ(chown((base + volume).c_str(), kRuntimeUid, kRuntimeUid), 0);
  }
  testing::TestRuntimeEnv runtime_env;
  runtime_env.admin_token = kAdminToken;
  runtime_env.snapshot_every = 4;
  runtime_env.snapshot_retain = 2;
  runtime_env.database_url = via_gateway(dev.value().runtime_url);
  std::ofstream(base + "/runtime.env") << testing::RuntimeEnvText(runtime_env);
  std::ofstream(base + "/migrations.env")
      << "DATABASE_URL=" << via_gateway(dev.value().migrator_url) << "\n";
  testing::TestKey key("e2e-key");
  std::ofstream(host_->dir() + "/jwks.json") << testing::Jwks({&key});
  const uint16_t runtime_port = FreeLoopbackPort();
  // The agent reaches the engine only through its environment's gate, as on the server.
  const std::string gate_socket = host_->dir() + "/gate-dev.sock";
  testing::RuntimeProcess gate(kGateBinary,
                               {{"DREICHOR_GATE_ENV", "dev"},
                                {"DREICHOR_GATE_LISTEN_SOCKET", gate_socket},
                                {"DREICHOR_GATE_SOCKET_GROUP", "root"},
                                {"DREICHOR_GATE_ENGINE_SOCKET", host_->socket()},
                                {"DREICHOR_GATE_BASE_DIR", base},
                                {"DREICHOR_GATE_LOG_LEVEL", "info"}},
                               host_->dir() + "/gate.log");
  for (int i = 0; i < 200 && !fs::exists(gate_socket); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(gate_socket)) << "the engine gate did not start";
  config::EnvMap agent_env =
      testing::LocalAgentEnv("dev", base, gate_socket, host_->dir() + "/jwks.json", kAudience);
  agent_env["DREICHOR_AGENT_IMAGE_REPOSITORY"] = repository;
  agent_env["DREICHOR_AGENT_MIGRATIONS_REPOSITORY"] = migrations;
  agent_env["DREICHOR_AGENT_MIGRATIONS_ENV_FILE"] = base + "/migrations.env";
  agent_env["DREICHOR_AGENT_RUNTIME_PUBLISH"] = "127.0.0.1:" + std::to_string(runtime_port);
  agent_env["DREICHOR_AGENT_RUNTIME_SUBNET"] = kSubnet;
  agent_env["DREICHOR_AGENT_RUNTIME_MEMORY_MIB"] = "512";
  agent_env["DREICHOR_AGENT_RUNTIME_CPU_MILLIS"] = "2000";
  agent_env["DREICHOR_AGENT_RUNTIME_PIDS"] = "256";
  agent_env["DREICHOR_AGENT_READINESS_DEADLINE"] = "60s";
  agent_env["DREICHOR_AGENT_STOP_TIMEOUT"] = "20s";
  agent_env["DREICHOR_AGENT_ACCESS_TEAM_DOMAIN"] = kIssuer;
  agent_env["DREICHOR_AGENT_ACCESS_ALLOWED"] = "operator@example.com";
  testing::RuntimeProcess agent(kAgentBinary, agent_env, host_->dir() + "/agent.log");
  const uint16_t agent_port = testing::WaitForAgentPort(agent);
  ASSERT_NE(agent_port, 0) << "the agent did not start";

  const auto agent_call = [&](const std::string& method, const std::string& path,
                              const std::string& body = "") {
    TestHttpClient client("127.0.0.1", agent_port, 300'000);
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Cf-Access-Jwt-Assertion",
         testing::SignedToken(
             key, testing::LongLivedAccessClaims(kIssuer, kAudience, "operator@example.com"))}};
    if (method == "POST") headers.emplace_back("Content-Type", "application/json");
    return client.Send(method, path, body, headers);
  };
  const auto runtime_call = [&](const std::string& path, const std::string& body = "") {
    TestHttpClient client("127.0.0.1", runtime_port, 10'000);
    if (body.empty()) return client.Get(path);
    return client.Post(path, body, {{"Authorization", std::string("Bearer ") + kAdminToken}});
  };
  const auto state = [&] {
    const TestResponse r = runtime_call("/v1/state");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body) : json::object();
  };
  const auto running_tag = [&] {
    return json::parse(agent_call("GET", "/v1/status").body)["container"]["tag"];
  };

  {
    SCOPED_TRACE(
        "deploy the first release: migrations as the migration role, then the runtime on "
        "PostgreSQL as the runtime role, both from the environment's network");
    const TestResponse r = agent_call("POST", "/v1/deploy", R"({"tag":"sha-0e2e0001"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(superuser("SELECT DISTINCT applied_by FROM dreichor.dreichor_migrations"),
              std::vector<std::string>{"dreichor_dev_migrator"});
    EXPECT_EQ(superuser("SELECT DISTINCT usename || ' from ' || (client_addr <<= '" +
                        std::string(kSubnet) +
                        "')::text FROM pg_stat_activity WHERE datname = 'dreichor_dev' AND "
                        "usename <> 'postgres'"),
              std::vector<std::string>{"dreichor_dev_runtime from true"});
  }
  // Every acknowledged command: its sequence number and event id.
  std::map<uint64_t, std::string> acknowledged;
  {
    SCOPED_TRACE("trade");
    const std::vector<std::string> commands = {
        "/v1/admin/markets|"
        R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC","quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000000,"maker_fee_bps":10,"taker_fee_bps":20})",
        "/v1/admin/deposits|"
        R"({"account":7,"asset":"USD","amount":1000000})",
        "/v1/admin/deposits|"
        R"({"account":8,"asset":"BTC","amount":1000})",
        "/v1/orders|"
        R"({"account":8,"market":1,"side":"sell","kind":"limit","price":105,"quantity":5})",
        "/v1/orders|"
        R"({"account":8,"market":1,"side":"sell","kind":"limit","price":100,"quantity":5})",
        "/v1/orders|"
        R"({"account":7,"market":1,"side":"buy","kind":"limit","price":101,"quantity":3})",
        "/v1/orders|"
        R"({"account":7,"market":1,"side":"buy","kind":"limit","price":95,"quantity":4})"};
    for (const std::string& c : commands) {
      const size_t bar = c.find('|');
      const TestResponse r = runtime_call(c.substr(0, bar), c.substr(bar + 1));
      ASSERT_EQ(r.status, 200) << c << " -> " << r.body;
      const json answer = json::parse(r.body);
      ASSERT_TRUE(answer["accepted"].get<bool>()) << r.body;
      acknowledged[answer["sequence"].get<uint64_t>()] = answer["event_id"];
    }
    EXPECT_EQ(superuser("SELECT count(*) FROM dreichor.audit_events"),
              std::vector<std::string>{std::to_string(acknowledged.size())})
        << "every acknowledged command is a row of the environment's audit log";
  }
  // Two market-data followers on the environment's network, each following the runtime by its
  // container name and serving on a loopback port of their own.
  std::vector<uint16_t> follower_ports;
  for (int i = 1; i <= 2; ++i) {
    follower_ports.push_back(FreeLoopbackPort());
    Podman({"run",
            "--detach",
            "--name",
            "dreichor-marketdata-dev-" + std::to_string(i),
            "--network",
            "dreichor-dev",
            "--read-only",
            "--publish",
            "127.0.0.1:" + std::to_string(follower_ports.back()) + ":8090",
            "-e",
            "DREICHOR_ENV=dev",
            "-e",
            "DREICHOR_LISTEN=0.0.0.0:8090",
            "-e",
            "DREICHOR_LEADER_URL=http://dreichor-runtime-dev:8080",
            "-e",
            "DREICHOR_SNAPSHOT_DIR=/var/lib/dreichor/marketdata",
            "-e",
            "DREICHOR_SNAPSHOT_EVERY=4",
            "-e",
            "DREICHOR_MAX_LAG=5s",
            "-e",
            "DREICHOR_MAX_CONNECTIONS=256",
            "-e",
            "DREICHOR_SUBSCRIBER_QUEUE_BYTES=1048576",
            "-e",
            "DREICHOR_LOG_LEVEL=info",
            kMarketDataImage});
  }
  // Both followers answer /v1/state exactly as the leader: same sequence, chain and state hash.
  const auto followers_agree = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const std::string leader = runtime_call("/v1/state").body;
    for (const uint16_t port : follower_ports) {
      std::string seen;
      for (int i = 0; i < 1200 && seen != leader; ++i) {  // up to a minute to catch up
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        TestHttpClient follower("127.0.0.1", port, 5'000);
        const TestResponse r = follower.Get("/v1/state");
        if (r.status == 200) seen = r.body;
      }
      EXPECT_EQ(seen, leader) << "follower on port " << port << ":\n"
                              << Podman({"logs", "--tail", "20",
                                         "dreichor-marketdata-dev-" +
                                             std::to_string(port == follower_ports[0] ? 1 : 2)});
    }
  };
  followers_agree("two followers after trading");
  const json before = state();
  const auto check_state = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const json now = state();
    EXPECT_EQ(now["state_hash"], before["state_hash"]);
    EXPECT_EQ(now["last_sequence"], before["last_sequence"]);
    const TestResponse records = runtime_call("/v1/audit/records?from=1&limit=1000");
    ASSERT_EQ(records.status, 200);
    std::map<uint64_t, std::string> durable;
    const json page = json::parse(records.body);
    ASSERT_EQ(page["records"].size(), acknowledged.size());
    for (const json& rec : page["records"]) {
      durable[rec["sequence"].get<uint64_t>()] = rec["event_id"];
    }
    for (const auto& [sequence, event_id] : acknowledged) {
      EXPECT_EQ(durable[sequence], event_id) << "acknowledged command " << sequence;
    }
  };
  {
    SCOPED_TRACE("a crash (SIGKILL), then a start through the agent");
    Podman({"kill", "--signal", "KILL", "dreichor-runtime-dev"});
    EXPECT_EQ(runtime_call("/v1/state").status, 0) << "nothing answers after the crash";
    const TestResponse r = agent_call("POST", "/v1/start");
    ASSERT_EQ(r.status, 200) << r.body;
    check_state("after the restart");
  }
  {
    SCOPED_TRACE("the second release, then a rollback");
    TestResponse r = agent_call("POST", "/v1/deploy", R"({"tag":"sha-0e2e0002"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(running_tag(), "sha-0e2e0002");
    check_state("on the second release");
    r = agent_call("POST", "/v1/rollback");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(running_tag(), "sha-0e2e0001");
    check_state("after the rollback");
    followers_agree("the followers, through a crash, a release and a rollback of their leader");
    const std::string logs = Podman({"logs", "dreichor-marketdata-dev-1"});
    EXPECT_EQ(logs.find("diverged"), std::string::npos) << logs;
  }
  {
    SCOPED_TRACE("a graceful stop: SIGTERM, exit 0, the stopped line");
    const TestResponse r = agent_call("POST", "/v1/stop");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["record"]["exit_code"], 0);
    const std::string logs = Podman({"logs", "dreichor-runtime-dev"});
    json stopped;
    std::istringstream lines(logs);
    for (std::string line; std::getline(lines, line);) {
      const json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.value("msg", "") == "stopped") stopped = j;
    }
    ASSERT_TRUE(stopped.is_object()) << logs;
    EXPECT_EQ(stopped["state_hash"], before["state_hash"]);
    EXPECT_EQ(stopped["last_sequence"], before["last_sequence"]);
  }
  {
    SCOPED_TRACE("from another environment's network, dev's database refuses even dev's roles");
    Podman({"network", "create", "--subnet", "10.231.4.0/24", "--label", "dreichor.env=prod",
            "--opt", "isolate=true", "dreichor-prod"});
    for (const std::string& url :
         {via_gateway(dev.value().migrator_url), via_gateway(dev.value().runtime_url)}) {
      std::string out;
      const int rc =
          host_->Podman({"run", "--rm", "--network", "dreichor-prod", "-e", "DATABASE_URL=" + url,
                         kMigrationsImage, "status", "--target", "dreichor"},
                        &out);
      EXPECT_NE(rc, 0) << out;
      EXPECT_NE(out.find("no pg_hba.conf entry for host \"10.231.4."), std::string::npos) << out;
      EXPECT_EQ(out.find(testing::TestPassword("dev", "migrator")), std::string::npos) << out;
      EXPECT_EQ(out.find(testing::TestPassword("dev", "runtime")), std::string::npos) << out;
    }
    std::string out;  // and from dev's own network the same tool gets in
    EXPECT_EQ(host_->Podman({"run", "--rm", "--network", "dreichor-dev", "-e",
                             "DATABASE_URL=" + via_gateway(dev.value().migrator_url),
                             kMigrationsImage, "verify", "--target", "dreichor"},
                            &out),
              0)
        << out;
  }
  {
    SCOPED_TRACE("the agent's history verifies");
    const std::string cli = std::string(kCliBinary) + " deploy history verify " + base +
                            "/deploy-agent/history > /dev/null";
    EXPECT_EQ(std::system(cli.c_str()), 0);
  }
  agent.Signal(SIGTERM);
  EXPECT_EQ(agent.Wait(std::chrono::seconds(60)), 0);
  gate.Signal(SIGTERM);
  EXPECT_EQ(gate.Wait(std::chrono::seconds(60)), 0);
  std::ifstream gate_log(host_->dir() + "/gate.log");
  const std::string gate_lines((std::istreambuf_iterator<char>(gate_log)), {});
  EXPECT_EQ(gate_lines.find("request refused"), std::string::npos)
      << "the gate refused none of the agent's requests:\n"
      << gate_lines;
  std::cout << "e2e: whole run " << Seconds(started) << " s\n";
}

}  // namespace
}  // namespace dreichor::e2e
