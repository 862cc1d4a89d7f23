// The local stack (docker-compose.yml at the repository root) as a newcomer runs it, with
// docker-compose against Podman's Docker-compatible API: up, every service healthy, one trade
// through the runtime seen by the market-data follower and by the gateway (each a verified
// follower of the record stream), down with nothing left behind.
//
// The images are the compose file's own: PostgreSQL from infra/docker/Dockerfile.postgres as is,
// and the services image from the run stage of infra/docker/Dockerfile.services with this build
// tree's dreichor-services package in place of its build stage (the packages fixture makes it;
// CI's image job runs the build stage). Podman schedules HEALTHCHECKs with systemd timers, which
// this kind of machine lacks, so the test runs each running container's healthcheck once a second
// itself (`podman healthcheck run`, what the timer does); compose's `service_healthy` conditions
// then work as under Docker. Needs root, Podman, mmdebstrap, docker-compose and the
// Debian mirror; where containers cannot run it skips, except under CI=true, where it fails.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "testing/container_host.h"
#include "testing/http_client.h"
#include "testing/test_ports.h"

namespace dreichor::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TestContainerHost;
using testing::TestHttpClient;
using testing::TestResponse;

constexpr char kProject[] = "dreichor-local-test";
constexpr char kAdminToken[] = "local-admin-token-not-a-secret-0123";  // docker-compose.yml's

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class LocalStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    host_ = TestContainerHost::Start(&why, {"/usr/bin/mmdebstrap", "/usr/bin/docker-compose"});
    if (!host_) {
      if (TestContainerHost::Required()) FAIL() << "containers cannot run: " << why;
      GTEST_SKIP() << "containers cannot run on this machine: " << why;
    }
    ASSERT_EQ(host_->ImportDebianBase(), "");
    for (const char* name : {"RUNTIME", "MARKETDATA", "GATEWAY", "GATEWAY_INTERNAL"}) {
      ports_[name] = FreeLoopbackPort();
    }
  }

  void TearDown() override {
    StopHealthchecks();
    if (host_ && up_) Compose("down --volumes --timeout 10");
  }

  // Runs the healthcheck of every running container of the project, once a second, until
  // StopHealthchecks().
  void StartHealthchecks() {
    healthchecks_ = std::thread([this] {
      while (!stop_healthchecks_) {
        std::string ids;
        host_->Podman({"ps", "--quiet", "--filter",
                       "label=com.docker.compose.project=" + std::string(kProject)},
                      &ids);
        std::istringstream lines(ids);
        for (std::string id; std::getline(lines, id) && !stop_healthchecks_;) {
          if (id.find_first_not_of("0123456789abcdef") == std::string::npos && !id.empty()) {
            host_->Podman({"healthcheck", "run", id});
          }
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  }
  void StopHealthchecks() {
    stop_healthchecks_ = true;
    if (healthchecks_.joinable()) healthchecks_.join();
  }

  // docker-compose <args> on the repository's compose file, against this host's Podman; returns
  // its exit code, its output in *out.
  int Compose(const std::string& args, std::string* out = nullptr) {
    std::string env = "DOCKER_HOST=unix://" + host_->socket() + " COMPOSE_HTTP_TIMEOUT=300";
    for (const auto& [name, port] : ports_) {
      env += " DREICHOR_LOCAL_" + name + "_PORT=" + std::to_string(port);
    }
    const std::string log = host_->dir() + "/compose.log";
    const std::string command = env + " docker-compose --no-ansi --project-directory " +
                                DREICHOR_SOURCE_DIR + " -f " + DREICHOR_SOURCE_DIR +
                                "/docker-compose.yml -p " + kProject + " " + args + " > " + log +
                                " 2>&1";
    const int status = std::system(command.c_str());
    if (out != nullptr) *out = ReadFile(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void BuildImages() {
    std::string out;
    ASSERT_EQ(host_->Podman({"build", "--format", "docker", "--layers", "-f",
                             std::string(DREICHOR_SOURCE_DIR) + "/infra/docker/Dockerfile.postgres",
                             "-t", "localhost/dreichor/postgres:local", DREICHOR_SOURCE_DIR},
                            &out),
              0)
        << out.substr(out.size() > 4000 ? out.size() - 4000 : 0);
    // The services image: Dockerfile.services' global ARGs and run stage, the package from here.
    const std::string context = host_->dir() + "/services";
    fs::create_directories(context + "/packages");
    size_t packages = 0;
    for (const auto& e : fs::directory_iterator(std::string(DREICHOR_BINARY_DIR) + "/packages")) {
      if (e.path().filename().string().rfind("dreichor-services_", 0) == 0) {
        fs::copy_file(e.path(), context + "/packages/" + e.path().filename().string());
        ++packages;
      }
    }
    ASSERT_EQ(packages, 1u) << "the packages fixture makes dreichor-services";
    const std::string text =
        ReadFile(std::string(DREICHOR_SOURCE_DIR) + "/infra/docker/Dockerfile.services");
    std::string stage;
    const std::string head = text.substr(0, text.find("\nFROM "));
    const std::regex global_arg(R"(^ARG [^\n]*\n)", std::regex::multiline);
    for (auto it = std::sregex_iterator(head.begin(), head.end(), global_arg);
         it != std::sregex_iterator(); ++it) {
      stage += it->str();
    }
    stage += text.substr(text.rfind("\nFROM ") + 1);
    const std::string from_build = "COPY --from=build /build/packages/";
    ASSERT_NE(stage.find(from_build), std::string::npos) << "the run stage copies the package";
    stage.replace(stage.find(from_build), from_build.size(), "COPY packages/");
    std::ofstream(context + "/Dockerfile") << stage;
    ASSERT_EQ(host_->Podman({"build", "--format", "docker", "--layers", "-t",
                             "localhost/dreichor/services:local", context},
                            &out),
              0)
        << out.substr(out.size() > 4000 ? out.size() - 4000 : 0);
  }

  // The compose service's container state: "healthy", "exited 0", "running", ...
  std::string State(const std::string& service) {
    std::string out;
    host_->Podman(
        {"ps", "--all", "--filter", "label=com.docker.compose.project=" + std::string(kProject),
         "--filter", "label=com.docker.compose.service=" + service, "--format", "{{.Status}}"},
        &out);
    return out;
  }

  std::unique_ptr<TestContainerHost> host_;
  std::map<std::string, uint16_t> ports_;
  bool up_ = false;
  std::atomic<bool> stop_healthchecks_{false};
  std::thread healthchecks_;
};

TEST_F(LocalStackTest, UpHealthyOneTradeSeenByEveryFollowerDown) {
  BuildImages();
  if (HasFatalFailure()) return;
  std::string out;
  up_ = true;
  StartHealthchecks();
  ASSERT_EQ(Compose("up --detach --no-build", &out), 0) << out;
  {
    SCOPED_TRACE("every service healthy; the migrations ran once and exited 0");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    std::map<std::string, std::string> states;
    bool all = false;
    while (!all && std::chrono::steady_clock::now() < deadline) {
      all = true;
      for (const char* service : {"postgres", "runtime", "marketdata", "gateway"}) {
        states[service] = State(service);
        all = all && states[service].find("(healthy)") != std::string::npos;
      }
      states["migrations"] = State("migrations");
      all = all && states["migrations"].find("Exited (0)") != std::string::npos;
      if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    if (!all) {
      std::string states_text;
      for (const auto& [service, s] : states) states_text += service + ": " + s;
      Compose("logs --no-color --tail 30", &out);
      FAIL() << states_text << out;
    }
  }
  TestHttpClient runtime("127.0.0.1", ports_["RUNTIME"], 10'000);
  const std::vector<std::pair<std::string, std::string>> admin = {
      {"Authorization", std::string("Bearer ") + kAdminToken}};
  {
    SCOPED_TRACE("one trade through the runtime, on the PostgreSQL audit log");
    for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/admin/markets",
              R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC","quote_asset":"USD",)"
              R"("tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000000,)"
              R"("maker_fee_bps":10,"taker_fee_bps":20})"},
             {"/v1/admin/deposits", R"({"account":7,"asset":"USD","amount":1000000})"},
             {"/v1/admin/deposits", R"({"account":8,"asset":"BTC","amount":1000})"}}) {
      const TestResponse r = runtime.Post(path, body, admin);
      ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    }
    ASSERT_EQ(runtime
                  .Post("/v1/orders",
                        R"({"account":8,"market":1,"side":"sell","kind":"limit","price":100,)"
                        R"("quantity":5})")
                  .status,
              200);
    const TestResponse buy = runtime.Post(
        "/v1/orders",
        R"({"account":7,"market":1,"side":"buy","kind":"limit","price":101,"quantity":3})");
    ASSERT_EQ(buy.status, 200) << buy.body;
    EXPECT_NE(buy.body.find(R"("type":"trade")"), std::string::npos) << buy.body;
  }
  const std::string state = runtime.Get("/v1/state").body;
  const std::string state_hash = json::parse(state)["state_hash"];
  {
    SCOPED_TRACE("the follower and the gateway replay it to the same state");
    for (const auto& [name, port] : std::vector<std::pair<std::string, uint16_t>>{
             {"marketdata", ports_["MARKETDATA"]}, {"gateway", ports_["GATEWAY"]}}) {
      TestHttpClient follower("127.0.0.1", port, 10'000);
      std::string trades;
      for (int i = 0; i < 100 && trades.find(R"("price":100)") == std::string::npos; ++i) {
        trades = follower.Get("/v1/markets/1/trades").body;
        if (trades.find(R"("price":100)") == std::string::npos) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
      EXPECT_NE(trades.find(R"("quantity":3)"), std::string::npos) << name << ": " << trades;
    }
    TestHttpClient internal("127.0.0.1", ports_["GATEWAY_INTERNAL"], 10'000);
    EXPECT_EQ(internal.Get("/health/ready").status, 200);
    TestHttpClient marketdata("127.0.0.1", ports_["MARKETDATA"], 10'000);
    const TestResponse followed = marketdata.Get("/v1/state");
    ASSERT_EQ(followed.status, 200) << followed.body;
    EXPECT_EQ(json::parse(followed.body)["state_hash"], state_hash);
  }
  {
    SCOPED_TRACE("down: nothing of the project is left");
    ASSERT_EQ(Compose("down --volumes --timeout 10", &out), 0) << out;
    up_ = false;
    std::string left;
    host_->Podman({"ps", "--all", "--quiet", "--filter",
                   "label=com.docker.compose.project=" + std::string(kProject)},
                  &left);
    EXPECT_EQ(left, "") << "containers left behind";
    host_->Podman({"volume", "ls", "--quiet", "--filter",
                   "label=com.docker.compose.project=" + std::string(kProject)},
                  &left);
    EXPECT_EQ(left, "") << "volumes left behind";
  }
}

}  // namespace
}  // namespace dreichor::e2e
