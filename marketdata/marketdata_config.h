// The market-data follower's configuration: its own schema table, with the runtime's rules
// (environment variables only, no defaults, every problem reported in one run, unknown
// DREICHOR_* variables rejected). infra/env/MARKETDATA_ENV_SCHEMA.md is generated from it.
//
//   auto config = LoadMarketDataConfig(config::ProcessEnvironment(environ));
//   if (!config.ok()) ...   // the message lists every problem
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/env_config.h"
#include "config/env_schema.h"

namespace dreichor::marketdata {

const std::vector<config::VarSpec>& MarketDataSchema();
const config::SchemaHeading& MarketDataSchemaHeading();

struct MarketDataConfig {
  std::string env;
  config::HostPort listen;
  config::HostPort leader;  // the runtime's internal address, from DREICHOR_LEADER_URL
  std::string snapshot_dir;
  uint64_t snapshot_every = 0;  // records between snapshots; 0: none
  std::chrono::milliseconds max_lag{0};
  size_t max_connections = 0;
  size_t subscriber_queue_bytes = 0;
  std::string log_level;
};

Result<MarketDataConfig> LoadMarketDataConfig(const config::EnvMap& env);

// "http://10.0.0.2:8080" or "ws://[::1]:8080" (an optional trailing "/") -> host and port;
// nullopt for anything else or port 0. The runtime's internal address, for its followers.
std::optional<config::HostPort> LeaderAddress(std::string url);

}  // namespace dreichor::marketdata
