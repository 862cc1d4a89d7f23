// Every DockerEngine call against hostile answers from the engine: wrong types, missing fields,
// truncated JSON, numbers beyond any integer type. Each must come back as an error naming what
// was wrong; nothing may throw (an exception here would end the agent).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "deploy/deployer.h"
#include "deploy/engine/docker_engine.h"
#include "testing/agent.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace dreichor::deploy {
namespace {

// An engine that answers from a script: "METHOD /path" (no version prefix, no query) -> reply.
class ScriptedTransport {
 public:
  ScriptedTransport() {
    Set("GET /_ping", 200, "OK");
    Set("GET /version", 200, R"({"ApiVersion":"1.43","Version":"24.0.0"})");
  }
  void Set(const std::string& request, long status, std::string body) {
    answers_[request] = http::HttpReply{status, std::move(body), {}};
  }
  Result<http::HttpReply> operator()(const http::HttpCall& call) const {
    std::string path = call.url.substr(std::string("http://engine").size());
    if (path.rfind("/v1.", 0) == 0) path = path.substr(path.find('/', 1));
    path = Unescape(path.substr(0, path.find('?')));
    const auto it = answers_.find(call.method + " " + path);
    if (it == answers_.end()) return http::HttpReply{404, R"({"message":"no such thing"})", {}};
    return it->second;
  }

 private:
  static std::string Unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    }
    return out;
  }

  std::map<std::string, http::HttpReply> answers_;
};

std::unique_ptr<DockerEngine> Connected(const ScriptedTransport& script) {
  auto engine = DockerEngine::Connect("/scripted.sock",
                                      [&script](const http::HttpCall& c) { return script(c); });
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

void ExpectErrorMentioning(const Status& s, const std::string& what) {
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(what), std::string::npos) << s.message();
}

TEST(DockerEngineAnswersTest, HostileContainerInspectionsAreErrorsNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"Id":5})", "Id: expected a string, got an integer"},
      {R"({"State":{"Running":true}})", "Id: missing"},
      {R"({"Id":"c1","State":"running"})", "State: expected an object, got a string"},
      {R"({"Id":"c1","State":{"ExitCode":1e300}})", "State.ExitCode: expected an integer"},
      {R"({"Id":"c1","State":{"ExitCode":99999999999999999999}})", "State.ExitCode"},
      {R"({"Id":"c1","State":{"ExitCode":4294967296}})", "State.ExitCode: expected an integer"},
      {R"({"Id":"c1","State":{"Running":"yes"}})", "State.Running: expected a boolean"},
      {R"({"Id":"c1","Config":{"Labels":{"dreichor.env":1}}})",
       "Config.Labels.dreichor.env: expected a string"},
      {R"({"Id":"c1","Config":{"Labels":["dreichor.env=dev"]}})",
       "Config.Labels: expected an object, got an array"},
      {R"({"Id":"c1","Config":{"Healthcheck":{"Test":["CMD",7]}}})",
       "Config.Healthcheck.Test[1]: expected a string"},
      {R"({"Id":"c1","Mounts":[{"Type":"bind","Source":null,"Destination":"/x"}]})",
       "Mounts[0].Source: missing"},
      {R"({"Id":"c1","Mounts":[17]})", "Mounts[0]: expected an object, got an integer"},
      {R"({"Id":"c1","HostConfig":{"ReadonlyRootfs":1}})", "HostConfig.ReadonlyRootfs"},
      {R"([])", "expected an object, got an array"},
      {R"({"Id":"c1","State":{)", "not JSON"},
      {"", "not JSON"},
  };
  for (const auto& [body, expected] : cases) {
    ScriptedTransport script;
    script.Set("GET /containers/c1/json", 200, body);
    auto engine = Connected(script);
    ASSERT_NE(engine, nullptr);
    auto state = engine->Inspect("c1");
    ExpectErrorMentioning(state.status(), expected);
    EXPECT_NE(state.status().message().find("inspect c1"), std::string::npos)
        << "the error names the call: " << state.status().message();
  }
}

TEST(DockerEngineAnswersTest, AWellFormedInspectionStillReads) {
  ScriptedTransport script;
  script.Set("GET /containers/c1/json", 200,
             R"({"Id":"c1","Name":"/dreichor-runtime-dev","Image":"sha256:ab",
                 "State":{"Status":"running","Running":true,"ExitCode":0,"Health":null},
                 "Config":{"Image":"r@sha256:cd","Labels":null,"Healthcheck":null,
                           "User":"10001:10001"},
                 "NetworkSettings":{"Networks":{"dreichor-dev":{"IPAddress":"10.89.1.2"}}},
                 "HostConfig":{"ReadonlyRootfs":true,"CapDrop":["ALL"],"PidsLimit":-1,
                               "SecurityOpt":["no-new-privileges"],"Memory":1048576},
                 "Mounts":[{"Type":"volume","Name":"v"},
                           {"Type":"bind","Source":"/b","Destination":"/z"},
                           {"Type":"bind","Source":"/a","Destination":"/y"}]})");
  auto engine = Connected(script);
  ASSERT_NE(engine, nullptr);
  auto state = engine->Inspect("c1");
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_TRUE(state.value().has_value());
  EXPECT_EQ(state.value()->name, "dreichor-runtime-dev");
  EXPECT_TRUE(state.value()->running);
  EXPECT_TRUE(state.value()->read_only_root);
  EXPECT_EQ(state.value()->user, "10001:10001");
  EXPECT_EQ(state.value()->networks, std::vector<std::string>{"dreichor-dev"});
  EXPECT_EQ(state.value()->cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(state.value()->security_opt, std::vector<std::string>{"no-new-privileges"});
  EXPECT_EQ(state.value()->limits, (ContainerLimits{1048576, 0, 0})) << "PidsLimit -1: none";
  ASSERT_EQ(state.value()->mounts.size(), 2u);
  EXPECT_EQ(state.value()->mounts[0].target, "/y");
}

TEST(DockerEngineAnswersTest, NetworksAreReadAndHostileNetworkAnswersAreErrors) {
  const deploy::NetworkSpec spec{"dreichor-dev", "10.89.1.0/24", {{"dreichor.env", "dev"}}};
  {
    ScriptedTransport script;
    script.Set("GET /networks/dreichor-dev", 200,
               R"({"Name":"dreichor-dev","Internal":false,"Labels":{"dreichor.env":"dev"},
                   "IPAM":{"Config":[{"Subnet":"10.89.1.0/24","Gateway":"10.89.1.1"}]},
                   "Options":{"isolate":"true"}})");
    auto engine = Connected(script);
    ASSERT_NE(engine, nullptr);
    auto n = engine->EnsureNetwork(spec);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(n.value().subnets, std::vector<std::string>{"10.89.1.0/24"});
    EXPECT_EQ(n.value().labels.at("dreichor.env"), "dev");
    EXPECT_FALSE(n.value().internal);
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"Name":7})", "Name: expected a string"},
      {R"({"Name":"dreichor-dev","IPAM":{"Config":[{"Subnet":7}]}})",
       "IPAM.Config[0].Subnet: expected a string"},
      {R"({"Name":"dreichor-dev","Labels":["dreichor.env=dev"]})", "Labels: expected an object"},
      {R"({"Name":"dreichor-dev","Internal":"no"})", "Internal: expected a boolean"},
      {"[", "not JSON"},
  };
  for (const auto& [body, expected] : cases) {
    ScriptedTransport script;
    script.Set("GET /networks/dreichor-dev", 200, body);
    auto engine = Connected(script);
    ASSERT_NE(engine, nullptr);
    ExpectErrorMentioning(engine->EnsureNetwork(spec).status(), expected);
  }
  ScriptedTransport refusing;  // no such network, and the engine will not make one
  refusing.Set("POST /networks/create", 500, R"({"message":"subnet overlaps"})");
  auto engine = Connected(refusing);
  ASSERT_NE(engine, nullptr);
  ExpectErrorMentioning(engine->EnsureNetwork(spec).status(),
                        "create network dreichor-dev: HTTP 500: subnet overlaps");
}

TEST(DockerEngineAnswersTest, HostileAnswersToEveryOtherCallAreErrors) {
  {  // the version handshake
    ScriptedTransport script;
    script.Set("GET /version", 200, R"({"ApiVersion":1.43})");
    ExpectErrorMentioning(
        DockerEngine::Connect("/s", [&](const http::HttpCall& c) { return script(c); }).status(),
        "ApiVersion: expected a string");
    script.Set("GET /version", 200, R"({"ApiVersion":"1.43abc"})");
    ExpectErrorMentioning(
        DockerEngine::Connect("/s", [&](const http::HttpCall& c) { return script(c); }).status(),
        "speaks API '1.43abc'");
    script.Set("GET /version", 200, R"({"ApiVersion":"1.43","Components":{"Name":"x"}})");
    ExpectErrorMentioning(
        DockerEngine::Connect("/s", [&](const http::HttpCall& c) { return script(c); }).status(),
        "Components: expected an array");
    script.Set("GET /version", 200, R"({"ApiVersion":"1.99999999999999999999999"})");
    ExpectErrorMentioning(
        DockerEngine::Connect("/s", [&](const http::HttpCall& c) { return script(c); }).status(),
        "or newer is required");
  }
  {  // pull: the image inspection after the stream
    ScriptedTransport script;
    script.Set("POST /images/create", 200, R"({"status":"Pull complete"})");
    script.Set("GET /images/r:sha-1/json", 200, R"({"Id":["x"]})");
    auto engine = Connected(script);
    ExpectErrorMentioning(engine->Pull("r", "sha-1").status(), "Id: expected a string");
    script.Set("GET /images/r:sha-1/json", 200, R"({"Id":"sha256:1","RepoDigests":"r@sha256:2"})");
    ExpectErrorMentioning(engine->Pull("r", "sha-1").status(), "RepoDigests: expected an array");
    script.Set("GET /images/r:sha-1/json", 200, R"({"Id":"sha256:1","RepoDigests":[3]})");
    ExpectErrorMentioning(engine->Pull("r", "sha-1").status(), "RepoDigests[0]");
    // Odd objects inside the progress stream are not errors of their own, and never throw.
    script.Set("POST /images/create", 200,
               R"({"status":5}{"error":{"deep":[1,2]}}{"errorDetail":"x"})");
    ExpectErrorMentioning(engine->Pull("r", "sha-1").status(), "deep");
  }
  {  // list
    ScriptedTransport script;
    script.Set("GET /containers/json", 200, R"({"not":"a list"})");
    auto engine = Connected(script);
    ExpectErrorMentioning(engine->List({{"dreichor.env", "dev"}}).status(),
                          "expected an array, got an object");
    script.Set("GET /containers/json", 200, R"([{"Id":3}])");
    ExpectErrorMentioning(engine->List({{"dreichor.env", "dev"}}).status(),
                          "[0].Id: expected a string");
  }
  {  // create
    ScriptedTransport script;
    auto engine = Connected(script);
    ContainerSpec spec;
    spec.name = "n";
    for (const char* body : {R"({"Id":null})", R"({})", R"("c1")", R"({"Id":""})", "{"}) {
      script.Set("POST /containers/create", 201, body);
      EXPECT_FALSE(engine->Create(spec).ok()) << body;
    }
  }
  {  // exec: its creation and its inspection
    ScriptedTransport script;
    auto engine = Connected(script);
    script.Set("POST /containers/c1/exec", 201, R"({"Id":{}})");
    ExpectErrorMentioning(engine->Exec("c1", {"true"}, std::chrono::seconds(1)).status(),
                          "Id: expected a string");
    script.Set("POST /containers/c1/exec", 201, R"({"Id":"e1"})");
    script.Set("POST /exec/e1/start", 200, "");
    for (const char* body : {R"({"ExitCode":"0"})", R"({"ExitCode":1e300})", "[1]", "nope"}) {
      script.Set("GET /exec/e1/json", 200, body);
      EXPECT_FALSE(engine->Exec("c1", {"true"}, std::chrono::seconds(1)).ok()) << body;
    }
    script.Set("GET /exec/e1/json", 200, R"({"ExitCode":null,"Running":true})");
    auto still_running = engine->Exec("c1", {"true"}, std::chrono::seconds(1));
    ASSERT_TRUE(still_running.ok());
    EXPECT_EQ(still_running.value().exit_code, -1) << "a command still running did not pass";
  }
}

class StoppedClock final : public Clock {
 public:
  int64_t NowUnixNanos() override { return 1'795'000'000'000'000'000; }
  void SleepFor(std::chrono::nanoseconds) override {}
};

TEST(DockerEngineAnswersTest, TheAgentSurvivesAHostileEngineAndReportsTheStep) {
  // The deploy steps over the real client, fed an answer that once threw inside a worker.
  TempDir dir;
  AgentConfig config;
  config.env = "dev";
  config.image_repository = "registry.test/dreichor/runtime";
  config.base_dir = dir.path() + "/dev";
  config.runtime_env_file = config.base_dir + "/runtime.env";
  config.runtime_publish = {"127.0.0.1", 18080};
  config.runtime_subnet = "10.89.1.0/24";
  std::filesystem::create_directories(config.audit_volume());
  std::filesystem::create_directories(config.snapshot_volume());
  std::ofstream(config.runtime_env_file) << testing::RuntimeEnvText({});
  testing::FakeClock clock;
  JsonLog log(fopen("/dev/null", "w"), LogLevel::kDebug, &clock);
  auto history = History::Open(Env::Default(), config.history_dir(), &clock);
  ASSERT_TRUE(history.ok());

  ScriptedTransport script;
  script.Set("GET /networks/dreichor-dev", 200,
             R"({"Name":"dreichor-dev","Labels":{"dreichor.env":"dev"},
                 "IPAM":{"Config":[{"Subnet":"10.89.1.0/24"}]},"Options":{"isolate":"true"}})");
  script.Set("POST /images/create", 200, R"({"status":"Digest: sha256:aaaa"})");
  script.Set("GET /images/registry.test/dreichor/runtime:sha-aaaaaaa/json", 200,
             R"({"Id":"sha256:1"})");
  script.Set("GET /containers/dreichor-runtime-dev/json", 200,
             R"({"Id":"c1","State":{"ExitCode":"not a number"}})");
  auto engine = Connected(script);
  ASSERT_NE(engine, nullptr);
  Deployer deployer(config, engine.get(), history.value().get(), Env::Default(), &clock, &log);
  ASSERT_TRUE(deployer.Load().ok());
  const ActionResult deployed = deployer.Deploy("sha-aaaaaaa", "alice@example.com");
  ASSERT_TRUE(deployed.record.has_value());
  EXPECT_EQ(deployed.record->outcome, Outcome::kFailed);
  EXPECT_EQ(deployed.record->step, Step::kInspect);
  EXPECT_NE(deployed.record->reason.value_or("").find("State.ExitCode: expected an integer"),
            std::string::npos)
      << deployed.record->reason.value_or("");
  // And it keeps answering.
  EXPECT_FALSE(deployer.CurrentStatus().ok());
  script.Set("GET /containers/dreichor-runtime-dev/json", 404, R"({"message":"no such"})");
  EXPECT_TRUE(deployer.CurrentStatus().ok());
}

}  // namespace
}  // namespace dreichor::deploy
