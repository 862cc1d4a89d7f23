#include "deploy/gate/gate_config.h"

namespace dreichor::deploy {

using config::VarSpec;
using config::VarType;

const std::vector<VarSpec>& GateSchema() {
  static const std::vector<VarSpec> kSchema = {
      {.name = "DREICHOR_GATE_ENV",
       .type = VarType::kEnum,
       .meaning = "The environment whose agent this gate serves; it lets through nothing of the "
                  "other one.",
       .example = "dev",
       .choices = {"dev", "staging", "prod"}},
      {.name = "DREICHOR_GATE_LISTEN_SOCKET",
       .type = VarType::kPath,
       .meaning = "Unix socket the gate serves, mode 0660: the environment's agent uses it as "
                  "its DREICHOR_AGENT_ENGINE_SOCKET.",
       .example = "/run/dreichor-gate-dev/engine.sock"},
      {.name = "DREICHOR_GATE_SOCKET_GROUP",
       .type = VarType::kString,
       .meaning = "Group given the served socket: the environment's agent's group, and no one "
                  "else's.",
       .example = "dreichor-deploy-dev",
       .min_length = 1},
      {.name = "DREICHOR_GATE_ENGINE_SOCKET",
       .type = VarType::kPath,
       .meaning = "Unix socket of the container engine's API; only the gates may open it.",
       .example = "/run/podman/podman.sock"},
      {.name = "DREICHOR_GATE_BASE_DIR",
       .type = VarType::kPath,
       .meaning = "The environment's directory; its last component is the environment's name. "
                  "New containers may bind only directories under its volumes/.",
       .example = "/opt/dreichor/dev"},
      {.name = "DREICHOR_GATE_LOG_LEVEL",
       .type = VarType::kEnum,
       .meaning = "Least severe log level written; every refused request is a warning.",
       .example = "info",
       .choices = {"debug", "info", "warn", "error"}},
  };
  return kSchema;
}

const config::SchemaHeading& GateSchemaHeading() {
  static const config::SchemaHeading kHeading{
      "Engine gate environment schema", "deploy/gate/gate_config.cc",
      "dreichor-engine-gate env-schema", "Every variable the engine gate reads"};
  return kHeading;
}

Result<GateConfig> LoadGateConfig(const config::EnvMap& env) {
  const config::Validation v = config::Validate(GateSchema(), env);
  std::vector<std::string> problems;
  for (const config::ConfigProblem& p : v.problems) problems.push_back(p.var + ": " + p.problem);
  GateConfig g;
  if (problems.empty()) {
    const config::Config& c = v.config;
    g.scope.env = c.String("DREICHOR_GATE_ENV");
    g.scope.base_dir = c.String("DREICHOR_GATE_BASE_DIR");
    while (g.scope.base_dir.size() > 1 && g.scope.base_dir.back() == '/')
      g.scope.base_dir.pop_back();
    g.listen_socket = c.String("DREICHOR_GATE_LISTEN_SOCKET");
    g.socket_group = c.String("DREICHOR_GATE_SOCKET_GROUP");
    g.engine_socket = c.String("DREICHOR_GATE_ENGINE_SOCKET");
    g.log_level = c.String("DREICHOR_GATE_LOG_LEVEL");
    const std::string& base = g.scope.base_dir;
    if (base.substr(base.rfind('/') + 1) != g.scope.env) {
      problems.push_back("DREICHOR_GATE_BASE_DIR: its last component must be '" + g.scope.env +
                         "', the gate's environment");
    }
    if (g.listen_socket == g.engine_socket) {
      problems.push_back("DREICHOR_GATE_LISTEN_SOCKET: must not be the engine's own socket");
    }
  }
  if (problems.empty()) return g;
  std::string message = std::to_string(problems.size()) + " configuration problem(s):";
  for (const std::string& p : problems) message += "\n  " + p;
  return Status::InvalidArgument(message);
}

}  // namespace dreichor::deploy
