// EnginePolicy: what one environment's deploy agent may ask of the shared container engine.
//
// The engine's API socket is root-equivalent, and both environments' agents need an engine. The
// engine gate (gate_server.h) holds the socket and lets each agent's requests through only when
// this policy allows them, so that a compromised dev agent can neither see nor touch prod's
// containers, nor create a container that escapes its own environment. An allow-list: every
// request the agent makes (deploy/engine/docker_engine.cc) is allowed when it stays inside the
// environment; everything else is refused with the reason.
//
// Inside the environment means:
//   - containers: named dreichor-<role>-<env>[-previous], labelled dreichor.env=<env>; an
//     existing container is judged by the label the engine reports, never by its name alone;
//   - a new container: only the keys the agent sets, its own network, no capability, no new
//     privileges, bind mounts only under <base>/volumes/, ports only on loopback, never root;
//   - networks: dreichor-<env> only; listings: filtered to the environment's label;
//   - images: pulled and inspected freely (an image is not an environment's state).
#pragma once

#include <optional>
#include <string>

#include "util/status.h"

namespace dreichor::deploy {

struct GateScope {
  std::string env;       // "dev" or "prod"
  std::string base_dir;  // /opt/dreichor/<env>: new containers may bind only <base>/volumes/...
  std::string network() const { return "dreichor-" + env; }
};

// What the policy must ask the engine about objects that already exist.
class EngineFacts {
 public:
  virtual ~EngineFacts() = default;
  // The dreichor.env label of container `name_or_id` ("" when it has none); nullopt when no such
  // container exists.
  virtual Result<std::optional<std::string>> ContainerEnv(const std::string& name_or_id) = 0;
  // The container an exec instance runs in; nullopt when there is no such exec instance.
  virtual Result<std::optional<std::string>> ExecContainer(const std::string& exec_id) = 0;
};

struct GateRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query, e.g. "/v1.41/containers/x/json?size=0"
  std::string body;
};

struct Verdict {
  bool allowed = false;
  std::string reason;  // why not; empty when allowed
};

inline constexpr size_t kMaxGateTargetBytes = 8 << 10;
inline constexpr size_t kMaxGateBodyBytes = 1 << 20;

Verdict Authorize(const GateRequest& request, const GateScope& scope, EngineFacts* facts);

}  // namespace dreichor::deploy
