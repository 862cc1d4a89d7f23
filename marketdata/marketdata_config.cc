#include "marketdata/marketdata_config.h"

namespace dreichor::marketdata {

using config::VarSpec;
using config::VarType;

const std::vector<VarSpec>& MarketDataSchema() {
  static const std::vector<VarSpec> kSchema = {
      {.name = "DREICHOR_ENV",
       .type = VarType::kEnum,
       .meaning = "The environment this follower belongs to (its leader's).",
       .example = "dev",
       .choices = {"dev", "staging", "prod"}},
      {.name = "DREICHOR_LISTEN",
       .type = VarType::kHostPort,
       .meaning = "IP address and port of the public side: market-data REST, the market-data "
                  "WebSocket, health and metrics (port 0: any free port, logged at startup).",
       .example = "0.0.0.0:8090"},
      {.name = "DREICHOR_LEADER_URL",
       .type = VarType::kUrl,
       .meaning = "The runtime's internal address, http://host:port (an IP address or a name "
                  "resolved at each subscription); the record stream is read from its "
                  "/v1/stream.",
       .example = "http://10.89.0.2:8080"},
      {.name = "DREICHOR_SNAPSHOT_DIR",
       .type = VarType::kPath,
       .meaning = "The follower's own snapshots: where it restarts from.",
       .example = "/var/lib/dreichor/marketdata/snapshots"},
      {.name = "DREICHOR_SNAPSHOT_EVERY",
       .type = VarType::kInteger,
       .meaning = "Records between the follower's snapshots (0: none; a restart then replays "
                  "the whole stream).",
       .example = "1000000",
       .min = 0,
       .max = 1'000'000'000},
      {.name = "DREICHOR_MAX_LAG",
       .type = VarType::kDuration,
       .meaning = "Ready only while the last heartbeat verified is at most this old (the "
                  "leader's clock against this host's): the follower serves a state this "
                  "fresh or says it is not ready.",
       .example = "5s",
       .min = 100,
       .max = 3'600'000},
      {.name = "DREICHOR_MAX_CONNECTIONS",
       .type = VarType::kInteger,
       .meaning = "Open connections, HTTP and WebSocket each, before new ones are refused.",
       .example = "4096",
       .min = 1,
       .max = 1'000'000},
      {.name = "DREICHOR_SUBSCRIBER_QUEUE_BYTES",
       .type = VarType::kInteger,
       .meaning = "Unsent bytes a market-data WebSocket client may fall behind by before it is "
                  "closed as too slow (4008); the other clients are unaffected.",
       .example = "16777216",
       .min = 65536,
       .max = 1 << 30},
      {.name = "DREICHOR_LOG_LEVEL",
       .type = VarType::kEnum,
       .meaning = "The lowest level logged.",
       .example = "info",
       .choices = {"debug", "info", "warn", "error"}},
  };
  return kSchema;
}

const config::SchemaHeading& MarketDataSchemaHeading() {
  static const config::SchemaHeading kHeading{
      "Market-data follower environment schema", "marketdata/marketdata_config.cc",
      "dreichor-marketdata env-schema", "Every variable the market-data follower reads"};
  return kHeading;
}

std::optional<config::HostPort> LeaderAddress(std::string url) {
  for (const char* scheme : {"http://", "ws://"}) {
    if (url.rfind(scheme, 0) == 0) {
      url = url.substr(std::string(scheme).size());
      if (!url.empty() && url.back() == '/') url.pop_back();
      auto hp = config::ParseHostPort(url);
      if (hp && hp->port != 0) return hp;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Result<MarketDataConfig> LoadMarketDataConfig(const config::EnvMap& env) {
  const config::Validation v = config::Validate(MarketDataSchema(), env);
  std::vector<std::string> problems;
  for (const config::ConfigProblem& p : v.problems) problems.push_back(p.var + ": " + p.problem);
  if (problems.empty()) {
    const config::Config& c = v.config;
    MarketDataConfig m;
    m.env = c.String("DREICHOR_ENV");
    m.listen = *config::ParseHostPort(c.String("DREICHOR_LISTEN"));
    m.snapshot_dir = c.String("DREICHOR_SNAPSHOT_DIR");
    m.snapshot_every = static_cast<uint64_t>(c.Integer("DREICHOR_SNAPSHOT_EVERY"));
    m.max_lag = std::chrono::milliseconds(c.DurationMs("DREICHOR_MAX_LAG"));
    m.max_connections = static_cast<size_t>(c.Integer("DREICHOR_MAX_CONNECTIONS"));
    m.log_level = c.String("DREICHOR_LOG_LEVEL");
    m.subscriber_queue_bytes = static_cast<size_t>(c.Integer("DREICHOR_SUBSCRIBER_QUEUE_BYTES"));
    const auto leader = LeaderAddress(c.String("DREICHOR_LEADER_URL"));
    if (!leader) {
      problems.push_back(
          "DREICHOR_LEADER_URL: must be http://<host>:<port> or ws://<host>:<port> with a "
          "non-zero port (the runtime's internal address)");
    } else {
      m.leader = *leader;
    }
    if (problems.empty()) return m;
  }
  std::string message = std::to_string(problems.size()) + " configuration problem(s):";
  for (const std::string& p : problems) message += "\n  " + p;
  return Status::InvalidArgument(message);
}

}  // namespace dreichor::marketdata
