// The engine gate's configuration: environment variables only, checked against one schema
// (the runtime's rules: no defaults, every problem at once, unknown DREICHOR_* refused).
// infra/deploy/GATE_ENV_SCHEMA.md is generated from GateSchema().
#pragma once

#include <string>
#include <vector>

#include "config/env_config.h"
#include "config/env_schema.h"
#include "deploy/gate/engine_policy.h"
#include "util/status.h"

namespace dreichor::deploy {

const std::vector<config::VarSpec>& GateSchema();
const config::SchemaHeading& GateSchemaHeading();

struct GateConfig {
  GateScope scope;            // env and base directory
  std::string listen_socket;  // the socket the environment's agent uses as its engine
  std::string socket_group;   // the group that may open it: the environment's agent's
  std::string engine_socket;  // the engine's own socket
  std::string log_level;
};

// Validates the environment; the error lists every problem, one per line, as "VAR: problem".
Result<GateConfig> LoadGateConfig(const config::EnvMap& env);

}  // namespace dreichor::deploy
