// The deploy agent's configuration: its own schema table (the runtime's rules: environment
// variables only, no defaults, every problem reported in one run, unknown DREICHOR_* variables
// rejected, secrets redacted), and the checks that go beyond one variable — loopback-only
// listening and an environment that is one environment throughout.
//
//   auto config = LoadAgentConfig(config::ProcessEnvironment(environ));
//   if (!config.ok()) ...   // the message lists every problem
//
// infra/deploy/AGENT_ENV_SCHEMA.md is generated from AgentSchema().
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/env_config.h"
#include "config/env_schema.h"
#include "deploy/engine/container_engine.h"
#include "util/status.h"

namespace dreichor::deploy {

const std::vector<config::VarSpec>& AgentSchema();
const config::SchemaHeading& AgentSchemaHeading();

struct AgentConfig {
  std::string env;  // "dev" or "prod"
  config::HostPort listen;
  std::string engine_socket;
  std::string image_repository;       // e.g. ghcr.io/example/dreichor/runtime
  std::string migrations_repository;  // empty: no migrations step
  std::string migrations_env_file;    // the migration role's DATABASE_URL; empty: no migrations
  std::string base_dir;               // /opt/dreichor/<env>
  std::string runtime_env_file;
  config::HostPort runtime_publish;  // loopback address the runtime's API is published on
  ContainerLimits runtime_limits;    // memory, CPU and pids of the runtime container
  std::string runtime_subnet;        // CIDR of network_name(), e.g. "10.89.1.0/24"
  std::chrono::milliseconds readiness_deadline{0};
  std::chrono::milliseconds stop_timeout{0};
  std::chrono::milliseconds migrations_deadline{0};
  std::string access_team_domain;  // "https://<team>.cloudflareaccess.com"
  std::string access_audience;
  std::vector<std::string> access_allowed;  // e-mail addresses or service-token common names
  std::string access_keys;                  // https://.../cdn-cgi/access/certs or file:/path
  std::string log_level;
  std::string otlp_traces_url;  // empty: no trace export

  // Derived paths, all under base_dir.
  std::string container_name() const { return "dreichor-runtime-" + env; }
  // The environment's own container network: its runtime and migrations containers, nothing else.
  std::string network_name() const { return "dreichor-" + env; }
  std::string audit_volume() const { return base_dir + "/volumes/audit-events"; }
  std::string snapshot_volume() const { return base_dir + "/volumes/snapshots"; }
  std::string history_dir() const { return base_dir + "/deploy-agent/history"; }
  // The database the runtime of this environment must use, and the two roles on it
  // (infra/db/provision-env.sql).
  std::string database_name() const { return "dreichor_" + env; }
  std::string runtime_role() const { return database_name() + "_runtime"; }
  std::string migrator_role() const { return database_name() + "_migrator"; }
};

// The port each environment's agent listens on in production (DESIGN.md).
inline constexpr uint16_t kDevAgentPort = 3005;
inline constexpr uint16_t kProdAgentPort = 3006;

// Validates the environment and derives the configuration. The error lists every problem, one
// per line, as "VAR: problem"; secret values never appear in it.
Result<AgentConfig> LoadAgentConfig(const config::EnvMap& env);

// The configuration as it may be logged (no secrets in it: the agent's only secret, the
// migration role's password, stays in its file).
std::string DescribeConfig(const AgentConfig& config);

}  // namespace dreichor::deploy
