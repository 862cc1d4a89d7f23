// The gateway's configuration: its own schema table, with the runtime's rules (environment
// variables only, no defaults, every problem reported in one run, unknown DREICHOR_* variables
// rejected). infra/env/GATEWAY_ENV_SCHEMA.md is generated from it.
//
//   auto config = LoadGatewayConfig(config::ProcessEnvironment(environ));
//   if (!config.ok()) ...   // the message lists every problem
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/env_config.h"
#include "config/env_schema.h"

namespace dreichor::gateway {

const std::vector<config::VarSpec>& GatewaySchema();
const config::SchemaHeading& GatewaySchemaHeading();

// A token bucket: `rate` tokens a second, at most `burst` saved up.
struct RateLimit {
  uint32_t rate = 0;
  uint32_t burst = 0;
};

struct GatewayConfig {
  std::string env;
  config::HostPort listen;           // the public side
  config::HostPort internal_listen;  // health and metrics
  config::HostPort runtime;          // the runtime's internal address
  std::string trading_token;         // "" in dev without one
  size_t runtime_connections = 0;
  std::chrono::milliseconds signature_window{0};
  RateLimit key_limit;
  RateLimit address_limit;
  std::chrono::milliseconds max_lag{0};
  size_t max_connections = 0;
  size_t max_body_bytes = 0;
  size_t session_queue_bytes = 0;
  std::chrono::milliseconds logon_deadline{0};
  std::string tls_cert_file;  // both empty: plain HTTP (TLS terminated by the ingress)
  std::string tls_key_file;
  std::string log_level;
};

Result<GatewayConfig> LoadGatewayConfig(const config::EnvMap& env);

}  // namespace dreichor::gateway
