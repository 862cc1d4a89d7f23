// Fuzz target: the engine gate's policy (deploy/gate/engine_policy.h), which judges requests from a
// deploy agent that may be compromised.
//
// The input is a method, a request target and a body, separated by NUL bytes. The "engine" knows
// containers by name: those starting with 'd' are dev's, the rest prod's. Promises: nothing
// crashes, a refusal always says why, and whatever is allowed stays inside dev: no prod container
// is acted on, and a created container is labelled dev, on dev's network, unprivileged.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "deploy/gate/engine_policy.h"

using namespace dreichor;
using namespace dreichor::deploy;

namespace {

class Facts final : public EngineFacts {
 public:
  Result<std::optional<std::string>> ContainerEnv(const std::string& name) override {
    if (name.empty()) return std::optional<std::string>();
    const std::string env = name[0] == 'd' ? "dev" : "prod";
    if (env == "prod") asked_prod = true;
    return std::optional<std::string>(env);
  }
  Result<std::optional<std::string>> ExecContainer(const std::string& id) override {
    return std::optional<std::string>(id);
  }
  bool asked_prod = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string parts[3];
  for (std::string& part : parts) {
    const size_t end = std::min(in.find('\0'), in.size());
    part = std::string(in.substr(0, end));
    in.remove_prefix(std::min(end + 1, in.size()));
  }
  Facts facts;
  const GateScope scope{"dev", "/opt/dreichor/dev"};
  const Verdict v = Authorize({parts[0], parts[1], parts[2]}, scope, &facts);
  if (!v.allowed) {
    if (v.reason.empty()) std::abort();
    return 0;
  }
  if (facts.asked_prod) std::abort();  // a prod container was named, and still allowed
  const std::string path = parts[1].substr(0, parts[1].find('?'));
  if (parts[0] == "POST" && path.ends_with("/containers/create")) {
    const nlohmann::json j = nlohmann::json::parse(parts[2], nullptr, false);
    if (!j.is_object() || !j.contains("HostConfig") || !j.contains("Labels")) std::abort();
    const nlohmann::json& host = j["HostConfig"];
    if (j["Labels"]["dreichor.env"] != "dev" || host["NetworkMode"] != "dreichor-dev" ||
        host.contains("Privileged") || host["CapDrop"] != nlohmann::json::array({"ALL"})) {
      std::abort();
    }
  }
  return 0;
}
