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
  std::string env;  // "dev", "staging" or "prod" (kEnvironments)
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
  // Promotion (docs/deploy-agent.md, "Promotion"): the agent of the environment before this one,
  // and the credentials of the two links. Empty where the environment has no such link.
  std::string promote_from_url;    // e.g. "http://127.0.0.1:3005" (staging's: dev's agent)
  std::string promote_from_token;  // sent to that agent; secret
  std::string promote_to_token;    // accepted from the next environment's agent; secret

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

// The environments in promotion order: a digest goes from each to the next, never back.
inline const std::vector<std::string>& Environments() {
  static const std::vector<std::string> kEnvironments = {"dev", "staging", "prod"};
  return kEnvironments;
}
// The environment a digest is promoted into `env` from ("" for dev), and the one it goes to
// next ("" for prod).
std::string PromotedFrom(const std::string& env);
std::string PromotedTo(const std::string& env);

// The port each environment's agent listens on in production (DESIGN.md).
inline constexpr uint16_t kDevAgentPort = 3005;
inline constexpr uint16_t kProdAgentPort = 3006;
inline constexpr uint16_t kStagingAgentPort = 3007;
uint16_t AgentPort(const std::string& env);

// Validates the environment and derives the configuration. The error lists every problem, one
// per line, as "VAR: problem"; secret values never appear in it.
Result<AgentConfig> LoadAgentConfig(const config::EnvMap& env);

// The configuration as it may be logged (no secrets in it: the promotion tokens are left out,
// and the migration role's password stays in its file).
std::string DescribeConfig(const AgentConfig& config);

}  // namespace dreichor::deploy
