#include "gateway/gateway_config.h"

#include "marketdata/marketdata_config.h"

namespace dreichor::gateway {

using config::VarSpec;
using config::VarType;

const std::vector<VarSpec>& GatewaySchema() {
  static const std::vector<VarSpec> kSchema = {
      {.name = "DREICHOR_ENV",
       .type = VarType::kEnum,
       .meaning = "The environment this gateway belongs to (its runtime's).",
       .example = "dev",
       .choices = {"dev", "staging", "prod"}},
      {.name = "DREICHOR_LISTEN",
       .type = VarType::kHostPort,
       .meaning = "IP address and port of the public side: signed REST, the order-entry "
                  "WebSocket, public market data, /openapi.yaml (port 0: any free port, logged "
                  "at startup).",
       .example = "0.0.0.0:8443"},
      {.name = "DREICHOR_INTERNAL_LISTEN",
       .type = VarType::kHostPort,
       .meaning = "IP address and port of the internal side: health and metrics only (never "
                  "publish it).",
       .example = "127.0.0.1:9443"},
      {.name = "DREICHOR_RUNTIME_URL",
       .type = VarType::kUrl,
       .meaning = "The runtime's internal address, http://host:port: orders are forwarded to "
                  "it and the record stream (API keys, private updates) is read from it.",
       .example = "http://10.89.0.2:8080"},
      {.name = "DREICHOR_TRADING_TOKEN",
       .type = VarType::kString,
       .secret = true,
       .meaning = "The runtime's internal credential (its DREICHOR_TRADING_TOKEN), sent with "
                  "every forwarded order. Required in prod.",
       .example = "change-me-to-another-32-or-more-random-characters",
       .min_length = 32,
       .required = {"DREICHOR_ENV", "dev", config::kExcept}},
      {.name = "DREICHOR_RUNTIME_CONNECTIONS",
       .type = VarType::kInteger,
       .meaning = "Persistent, pipelined connections to the runtime; each API key's requests "
                  "always use the same one, so they reach the runtime in the order sent.",
       .example = "4",
       .min = 1,
       .max = 64},
      {.name = "DREICHOR_SIGNATURE_WINDOW",
       .type = VarType::kDuration,
       .meaning = "How far a request's DREICHOR-TIMESTAMP (or a logon's timestamp) may be from "
                  "this host's clock, either way; a signature or nonce is refused if seen again "
                  "within it.",
       .example = "5s",
       .min = 1000,
       .max = 60'000},
      {.name = "DREICHOR_KEY_RATE",
       .type = VarType::kInteger,
       .meaning = "Requests (REST calls and session messages) per second per API key, "
                  "sustained.",
       .example = "100",
       .min = 1,
       .max = 1'000'000},
      {.name = "DREICHOR_KEY_BURST",
       .type = VarType::kInteger,
       .meaning = "Requests an API key may send at once above its rate (the bucket's size).",
       .example = "200",
       .min = 1,
       .max = 1'000'000},
      {.name = "DREICHOR_ADDRESS_RATE",
       .type = VarType::kInteger,
       .meaning = "Requests per second per source address (every public request, signed or "
                  "not), sustained.",
       .example = "200",
       .min = 1,
       .max = 1'000'000},
      {.name = "DREICHOR_ADDRESS_BURST",
       .type = VarType::kInteger,
       .meaning = "Requests a source address may send at once above its rate.",
       .example = "400",
       .min = 1,
       .max = 1'000'000},
      {.name = "DREICHOR_MAX_LAG",
       .type = VarType::kDuration,
       .meaning = "Ready only while the runtime's last heartbeat verified is at most this old: "
                  "the keys the gateway checks are this fresh.",
       .example = "5s",
       .min = 100,
       .max = 3'600'000},
      {.name = "DREICHOR_MAX_CONNECTIONS",
       .type = VarType::kInteger,
       .meaning = "Open public connections, HTTP and WebSocket, before new ones are refused.",
       .example = "4096",
       .min = 1,
       .max = 1'000'000},
      {.name = "DREICHOR_MAX_BODY_BYTES",
       .type = VarType::kInteger,
       .meaning = "Largest request body (and session message) accepted, in bytes.",
       .example = "16384",
       .min = 1024,
       .max = 1 << 20},
      {.name = "DREICHOR_SESSION_QUEUE_BYTES",
       .type = VarType::kInteger,
       .meaning = "Unsent bytes a session may fall behind by before it is closed as too slow "
                  "(4008).",
       .example = "16777216",
       .min = 65536,
       .max = 1 << 30},
      {.name = "DREICHOR_LOGON_DEADLINE",
       .type = VarType::kDuration,
       .meaning = "How long a new session may take to log on before it is closed (4001), so that "
                  "idle connections cannot hold the session limit.",
       .example = "10s",
       .min = 500,
       .max = 600'000},
      {.name = "DREICHOR_TLS",
       .type = VarType::kEnum,
       .meaning = "on: the public side speaks TLS itself (certificate and key from files); off: "
                  "plain HTTP, TLS terminated by the ingress in front (Cloudflare Tunnel).",
       .example = "off",
       .choices = {"off", "on"}},
      {.name = "DREICHOR_TLS_CERT_FILE",
       .type = VarType::kPath,
       .meaning = "PEM certificate chain of the public side, when DREICHOR_TLS=on.",
       .example = "/etc/dreichor/gateway/tls.crt",
       .required = {"DREICHOR_TLS", "on"}},
      {.name = "DREICHOR_TLS_KEY_FILE",
       .type = VarType::kPath,
       .meaning = "PEM private key of that certificate, when DREICHOR_TLS=on (a file readable by "
                  "the gateway only; never in the repository).",
       .example = "/etc/dreichor/gateway/tls.key",
       .required = {"DREICHOR_TLS", "on"}},
      {.name = "DREICHOR_LOG_LEVEL",
       .type = VarType::kEnum,
       .meaning = "The lowest level logged.",
       .example = "info",
       .choices = {"debug", "info", "warn", "error"}},
  };
  return kSchema;
}

const config::SchemaHeading& GatewaySchemaHeading() {
  static const config::SchemaHeading kHeading{
      "Gateway environment schema", "gateway/gateway_config.cc", "dreichor-gateway env-schema",
      "Every variable the gateway reads"};
  return kHeading;
}

Result<GatewayConfig> LoadGatewayConfig(const config::EnvMap& env) {
  const config::Validation v = config::Validate(GatewaySchema(), env);
  std::vector<std::string> problems;
  for (const config::ConfigProblem& p : v.problems) problems.push_back(p.var + ": " + p.problem);
  if (problems.empty()) {
    const config::Config& c = v.config;
    GatewayConfig g;
    g.env = c.String("DREICHOR_ENV");
    g.listen = *config::ParseHostPort(c.String("DREICHOR_LISTEN"));
    g.internal_listen = *config::ParseHostPort(c.String("DREICHOR_INTERNAL_LISTEN"));
    if (c.Has("DREICHOR_TRADING_TOKEN")) g.trading_token = c.String("DREICHOR_TRADING_TOKEN");
    g.runtime_connections = static_cast<size_t>(c.Integer("DREICHOR_RUNTIME_CONNECTIONS"));
    g.signature_window = std::chrono::milliseconds(c.DurationMs("DREICHOR_SIGNATURE_WINDOW"));
    g.key_limit = {static_cast<uint32_t>(c.Integer("DREICHOR_KEY_RATE")),
                   static_cast<uint32_t>(c.Integer("DREICHOR_KEY_BURST"))};
    g.address_limit = {static_cast<uint32_t>(c.Integer("DREICHOR_ADDRESS_RATE")),
                       static_cast<uint32_t>(c.Integer("DREICHOR_ADDRESS_BURST"))};
    g.max_lag = std::chrono::milliseconds(c.DurationMs("DREICHOR_MAX_LAG"));
    g.max_connections = static_cast<size_t>(c.Integer("DREICHOR_MAX_CONNECTIONS"));
    g.max_body_bytes = static_cast<size_t>(c.Integer("DREICHOR_MAX_BODY_BYTES"));
    g.session_queue_bytes = static_cast<size_t>(c.Integer("DREICHOR_SESSION_QUEUE_BYTES"));
    g.logon_deadline = std::chrono::milliseconds(c.DurationMs("DREICHOR_LOGON_DEADLINE"));
    if (c.String("DREICHOR_TLS") == "on") {
      g.tls_cert_file = c.String("DREICHOR_TLS_CERT_FILE");
      g.tls_key_file = c.String("DREICHOR_TLS_KEY_FILE");
    }
    g.log_level = c.String("DREICHOR_LOG_LEVEL");
    const auto runtime = marketdata::LeaderAddress(c.String("DREICHOR_RUNTIME_URL"));
    if (!runtime) {
      problems.push_back(
          "DREICHOR_RUNTIME_URL: must be http://<host>:<port> with a non-zero port (the "
          "runtime's internal address)");
    } else {
      g.runtime = *runtime;
    }
    if (problems.empty()) return g;
  }
  std::string message = std::to_string(problems.size()) + " configuration problem(s):";
  for (const std::string& p : problems) message += "\n  " + p;
  return Status::InvalidArgument(message);
}

}  // namespace dreichor::gateway
