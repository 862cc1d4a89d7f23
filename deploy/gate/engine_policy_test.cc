// EnginePolicy: the requests a dev agent makes pass; every way a compromised dev agent could reach
// prod or the host through the shared engine is refused, with a reason.
#include "deploy/gate/engine_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

namespace dreichor::deploy {
namespace {

using nlohmann::json;

// Containers and exec instances the "engine" knows: name or id -> dreichor.env label.
class FakeFacts final : public EngineFacts {
 public:
  Result<std::optional<std::string>> ContainerEnv(const std::string& name) override {
    if (failing_) return Status::IoError("engine down");
    auto it = containers.find(name);
    return it == containers.end() ? std::optional<std::string>() : it->second;
  }
  Result<std::optional<std::string>> ExecContainer(const std::string& id) override {
    auto it = execs.find(id);
    return it == execs.end() ? std::optional<std::string>() : it->second;
  }
  std::map<std::string, std::string> containers = {{"dreichor-runtime-dev", "dev"},
                                                   {"c-dev", "dev"},
                                                   {"dreichor-runtime-prod", "prod"},
                                                   {"c-prod", "prod"},
                                                   {"unlabelled", ""}};
  std::map<std::string, std::string> execs = {{"e-dev", "c-dev"}, {"e-prod", "c-prod"}};
  bool failing_ = false;
};

class EnginePolicyTest : public ::testing::Test {
 protected:
  Verdict Ask(const std::string& method, const std::string& target, const std::string& body = "") {
    return Authorize({method, target, body}, scope_, &facts_);
  }
  // The create body the agent sends for the runtime (deploy/engine/docker_engine.cc).
  static json RuntimeCreate() {
    return {
        {"Image", "registry/dreichor/runtime@sha256:ab"},
        {"Env", {"DREICHOR_ENV=dev"}},
        {"Labels", {{"dreichor.env", "dev"}, {"dreichor.role", "runtime"}}},
        {"User", "10001:10001"},
        {"ExposedPorts", {{"8080/tcp", json::object()}}},
        {"HostConfig",
         {{"RestartPolicy", {{"Name", "no"}}},
          {"Mounts",
           {{{"Type", "bind"},
             {"Source", "/opt/dreichor/dev/volumes/audit-events"},
             {"Target", "/var/lib/dreichor/audit-events"},
             {"ReadOnly", false}}}},
          {"ReadonlyRootfs", true},
          {"CapDrop", {"ALL"}},
          {"SecurityOpt", {"no-new-privileges"}},
          {"Memory", 1 << 28},
          {"MemorySwap", 1 << 28},
          {"NanoCpus", 1000000000},
          {"PidsLimit", 256},
          {"NetworkMode", "dreichor-dev"},
          {"PortBindings", {{"8080/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", "18080"}}}}}}}}};
  }
  Verdict Create(const json& body, const std::string& name = "dreichor-runtime-dev") {
    return Ask("POST", "/v1.41/containers/create?name=" + name, body.dump());
  }

  GateScope scope_{"dev", "/opt/dreichor/dev"};
  FakeFacts facts_;
};

#define EXPECT_ALLOWED(verdict)           \
  do {                                    \
    const Verdict v_ = (verdict);         \
    EXPECT_TRUE(v_.allowed) << v_.reason; \
  } while (0)
#define EXPECT_REFUSED(verdict, why)                                              \
  do {                                                                            \
    const Verdict v_ = (verdict);                                                 \
    EXPECT_FALSE(v_.allowed);                                                     \
    EXPECT_NE(v_.reason.find(why), std::string::npos) << "reason: " << v_.reason; \
  } while (0)

TEST_F(EnginePolicyTest, TheAgentsOwnRequestsPass) {
  EXPECT_ALLOWED(Ask("GET", "/_ping"));
  EXPECT_ALLOWED(Ask("GET", "/version"));
  EXPECT_ALLOWED(
      Ask("POST", "/v1.41/images/create?fromImage=registry%2Fdreichor%2Fruntime&tag=sha-1"));
  EXPECT_ALLOWED(Ask("GET", "/v1.41/images/registry%2Fdreichor%2Fruntime%40sha256%3Aab/json"));
  EXPECT_ALLOWED(Ask("GET", "/v1.41/networks/dreichor-dev"));
  EXPECT_ALLOWED(Ask("POST", "/v1.41/networks/create",
                     R"({"Name":"dreichor-dev","CheckDuplicate":true,"Driver":"bridge",
                         "Internal":false,"Labels":{"dreichor.env":"dev"},
                         "IPAM":{"Driver":"default","Config":[{"Subnet":"10.89.1.0/24"}]},
                         "Options":{"isolate":"true"}})"));
  EXPECT_ALLOWED(Ask("GET", "/v1.41/containers/json?all=1&filters=" +
                                std::string("%7B%22label%22%3A%5B%22dreichor.env%3Ddev%22%5D%7D")));
  EXPECT_ALLOWED(Create(RuntimeCreate()));
  json migrations = RuntimeCreate();
  migrations.erase("User");
  migrations.erase("ExposedPorts");
  migrations["HostConfig"].erase("PortBindings");
  migrations["HostConfig"]["Mounts"] = json::array();
  migrations["Cmd"] = {"apply", "--target", "dreichor"};
  EXPECT_ALLOWED(Create(migrations, "dreichor-migrations-dev"));
  for (const char* name : {"dreichor-runtime-dev", "c-dev", "dreichor-runtime-dev-previous"}) {
    const std::string c = std::string("/v1.41/containers/") + name;
    EXPECT_ALLOWED(Ask("GET", c + "/json"));
    EXPECT_ALLOWED(Ask("POST", c + "/start"));
    EXPECT_ALLOWED(Ask("POST", c + "/stop?t=30"));
    EXPECT_ALLOWED(Ask("GET", c + "/logs?stdout=1&stderr=1&tail=30"));
    EXPECT_ALLOWED(Ask("POST", c + "/rename?name=dreichor-runtime-dev-previous"));
    EXPECT_ALLOWED(Ask("POST", c + "/exec",
                       R"({"Cmd":["/bin/ready"],"AttachStdout":true,"AttachStderr":true})"));
    EXPECT_ALLOWED(Ask("DELETE", c + "?force=1"));
  }
  EXPECT_ALLOWED(Ask("POST", "/v1.41/exec/e-dev/start", R"({"Detach":false,"Tty":false})"));
  EXPECT_ALLOWED(Ask("GET", "/v1.41/exec/e-dev/json"));
}

TEST_F(EnginePolicyTest, TheOtherEnvironmentsContainersCannotBeSeenOrTouched) {
  for (const char* name : {"dreichor-runtime-prod", "c-prod", "unlabelled"}) {
    SCOPED_TRACE(name);
    const std::string c = std::string("/v1.41/containers/") + name;
    EXPECT_REFUSED(Ask("GET", c + "/json"), "is not labelled dreichor.env=dev");
    EXPECT_REFUSED(Ask("POST", c + "/start"), "is not labelled");
    EXPECT_REFUSED(Ask("POST", c + "/stop?t=1"), "is not labelled");
    EXPECT_REFUSED(Ask("GET", c + "/logs?stdout=1&stderr=1&tail=30"), "is not labelled");
    EXPECT_REFUSED(Ask("POST", c + "/exec", R"({"Cmd":["cat","/proc/1/environ"]})"),
                   "is not labelled");
    EXPECT_REFUSED(Ask("DELETE", c + "?force=1"), "is not labelled");
    EXPECT_REFUSED(Ask("POST", c + "/rename?name=dreichor-runtime-dev"), "is not labelled");
  }
  // A dev container may not take a prod name, nor may an unknown one be guessed at.
  EXPECT_REFUSED(Ask("POST", "/v1.41/containers/c-dev/rename?name=dreichor-runtime-prod"),
                 "renamed only to");
  EXPECT_REFUSED(Ask("POST", "/v1.41/containers/4f2a/start"), "no container 4f2a");
  // Exec instances are judged by their container.
  EXPECT_REFUSED(Ask("POST", "/v1.41/exec/e-prod/start", R"({"Detach":false,"Tty":false})"),
                 "not in a container of this environment");
  EXPECT_REFUSED(Ask("GET", "/v1.41/exec/e-none/json"), "no exec instance");
  // Listings only of this environment.
  for (const std::string filters :
       {"", "&filters=%7B%7D", "&filters=%7B%22label%22%3A%5B%22dreichor.env%3Dprod%22%5D%7D",
        "&filters=%7B%22label%22%3A%5B%22dreichor.env%3Ddev%22%5D%2C%22name%22%3A%5B%22x%22%5D%7D",
        "&filters=not-json"}) {
    EXPECT_REFUSED(Ask("GET", "/v1.41/containers/json?all=1" + filters), "filter");
  }
  // An engine that cannot be asked is a refusal, not a pass.
  facts_.failing_ = true;
  EXPECT_REFUSED(Ask("POST", "/v1.41/containers/c-dev/start"), "cannot inspect");
}

TEST_F(EnginePolicyTest, ANewContainerCannotEscapeTheEnvironment) {
  struct Case {
    std::function<void(json&)> change;
    std::string why;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j["Labels"]["dreichor.env"] = "prod"; }, "labelled dreichor.env=dev"},
      {[](json& j) { j.erase("Labels"); }, "labelled dreichor.env=dev"},
      {[](json& j) { j["HostConfig"]["Privileged"] = true; }, "may not set Privileged"},
      {[](json& j) { j["HostConfig"]["CapAdd"] = {"SYS_ADMIN"}; }, "may not set CapAdd"},
      {[](json& j) { j["HostConfig"]["Binds"] = {"/:/host"}; }, "may not set Binds"},
      {[](json& j) { j["HostConfig"]["PidMode"] = "host"; }, "may not set PidMode"},
      {[](json& j) { j["HostConfig"]["Devices"] = json::array(); }, "may not set Devices"},
      {[](json& j) { j["HostConfig"]["VolumesFrom"] = {"dreichor-runtime-prod"}; },
       "may not set VolumesFrom"},
      {[](json& j) { j["HostConfig"]["NetworkMode"] = "host"; }, "NetworkMode must be"},
      {[](json& j) { j["HostConfig"]["NetworkMode"] = "dreichor-prod"; }, "NetworkMode must be"},
      {[](json& j) { j["HostConfig"]["NetworkMode"] = "container:dreichor-runtime-prod"; },
       "NetworkMode must be"},
      {[](json& j) { j["HostConfig"].erase("NetworkMode"); }, "NetworkMode must be"},
      {[](json& j) { j["HostConfig"]["CapDrop"] = json::array(); }, "CapDrop must be"},
      {[](json& j) { j["HostConfig"]["SecurityOpt"] = {"seccomp=unconfined"}; },
       "SecurityOpt must be"},
      {[](json& j) {
         j["HostConfig"]["RestartPolicy"] = {{"Name", "always"}};
       },
       "RestartPolicy"},
      {[](json& j) { j["HostConfig"]["Mounts"][0]["Source"] = "/etc"; }, "under /opt/dreichor/dev"},
      {[](json& j) { j["HostConfig"]["Mounts"][0]["Source"] = "/opt/dreichor/prod/volumes/x"; },
       "under /opt/dreichor/dev"},
      {[](json& j) {
         j["HostConfig"]["Mounts"][0]["Source"] = "/opt/dreichor/dev/volumes/../../prod/volumes";
       },
       "under /opt/dreichor/dev"},
      {[](json& j) { j["HostConfig"]["Mounts"][0]["Source"] = "/opt/dreichor/dev/volumes"; },
       "under /opt/dreichor/dev"},
      {[](json& j) { j["HostConfig"]["Mounts"][0]["Type"] = "volume"; }, "must bind"},
      // Found by fuzz_engine_gate: a mount without a Source was read as if it had one.
      {[](json& j) { j["HostConfig"]["Mounts"][0].erase("Source"); }, "must bind"},
      {[](json& j) { j["HostConfig"]["Mounts"][0]["Source"] = 7; }, "must bind"},
      {[](json& j) { j["HostConfig"]["Mounts"][0]["BindOptions"] = json::object(); },
       "may not set BindOptions"},
      {[](json& j) { j["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostIp"] = "0.0.0.0"; },
       "loopback only"},
      {[](json& j) { j["HostConfig"]["PortBindings"]["8080/tcp"][0].erase("HostIp"); },
       "loopback only"},
      {[](json& j) { j["User"] = "0"; }, "as root"},
      {[](json& j) { j["User"] = "root:root"; }, "as root"},
      {[](json& j) { j["User"] = ""; }, "as root"},
      {[](json& j) { j["Entrypoint"] = {"/bin/sh"}; }, "may not set Entrypoint"},
      {[](json& j) { j["Env"] = "DREICHOR_ENV=dev"; }, "array of strings"},
      {[](json& j) { j["HostConfig"]["Memory"] = "lots"; }, "must be an integer"},
      {[](json& j) { j.erase("HostConfig"); }, "needs a HostConfig"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].why + " (case " + std::to_string(i) + ")");
    json body = RuntimeCreate();
    cases[i].change(body);
    EXPECT_REFUSED(Create(body), cases[i].why);
  }
  for (const char* name : {"dreichor-runtime-prod", "runtime", "dreichor-runtime-dev2",
                           "dreichor-runtime-dev-previous-x", "x%2Fdreichor-runtime-dev"}) {
    EXPECT_REFUSED(Create(RuntimeCreate(), name), "must be named");
  }
  EXPECT_REFUSED(Ask("POST", "/v1.41/containers/create?name=dreichor-runtime-dev", "{"),
                 "not a JSON object");
}

TEST_F(EnginePolicyTest, NetworksImagesAndEverythingElse) {
  EXPECT_REFUSED(Ask("GET", "/v1.41/networks/dreichor-prod"), "only network");
  EXPECT_REFUSED(Ask("GET", "/v1.41/networks/podman"), "only network");
  EXPECT_REFUSED(Ask("POST", "/v1.41/networks/create",
                     R"({"Name":"dreichor-prod","Labels":{"dreichor.env":"prod"}})"),
                 "only network");
  EXPECT_REFUSED(Ask("POST", "/v1.41/networks/create",
                     R"({"Name":"dreichor-dev","Labels":{"dreichor.env":"prod"}})"),
                 "labelled dreichor.env=dev");
  EXPECT_REFUSED(
      Ask("POST", "/v1.41/networks/create",
          R"({"Name":"dreichor-dev","Driver":"macvlan","Labels":{"dreichor.env":"dev"}})"),
      "must be a bridge");
  EXPECT_REFUSED(Ask("POST", "/v1.41/images/create?fromSrc=-&repo=x", "tarball"), "fromSrc");
  EXPECT_REFUSED(Ask("POST", "/v1.41/images/create?fromImage=x", "body"), "never imported");
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1.41/containers/c-dev/kill"},
           {"POST", "/v1.41/containers/c-dev/attach"},
           {"PUT", "/v1.41/containers/c-dev/archive?path=/"},
           {"POST", "/v1.41/containers/c-dev/update"},
           {"GET", "/v1.41/info"},
           {"DELETE", "/v1.41/images/x"},
           {"POST", "/v1.41/volumes/create"},
           {"POST", "/v1.41/build"},
           {"POST", "/v1.41/containers/prune"},
           {"GET", "/v4.0.0/libpod/containers/json"},
           {"DELETE", "/v1.41/networks/dreichor-dev"},
           {"GET", "/v1.41/events"}}) {
    EXPECT_FALSE(Ask(method, target).allowed) << method << " " << target;
  }
}

TEST_F(EnginePolicyTest, HostileTargetsAreRefusedBeforeAnythingIsAsked) {
  facts_.failing_ = true;  // none of these may even reach the engine
  for (const char* target :
       {"/v1.41/containers/c-dev/../c-prod/start", "/v1.41/containers/%2e%2e/start",
        "/v1.41/containers/c-dev%00/start", "/v1.41/containers/c-dev%zz/start",
        "/v1.41/containers//start", "/v1.41/containers/c-dev/start/",
        "/v1.41/containers/c-dev/stop?t=1&t=2", "containers/c-dev/start", ""}) {
    SCOPED_TRACE(target);
    EXPECT_REFUSED(Ask("POST", target), "malformed");
  }
  EXPECT_REFUSED(Ask("POST", "/v1.41/containers/c-dev/stop?t=1&signal=KILL"),
                 "query parameter signal");
  EXPECT_REFUSED(Ask("GET", "/_ping?x=1"), "query parameters");
  EXPECT_REFUSED(Ask("GET", "/" + std::string(kMaxGateTargetBytes, 'a')), "too long");
  EXPECT_REFUSED(Ask("POST", "/v1.41/networks/create", std::string(kMaxGateBodyBytes + 1, ' ')),
                 "too large");
}

}  // namespace
}  // namespace dreichor::deploy
