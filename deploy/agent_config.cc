#include "deploy/agent_config.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace dreichor::deploy {

using config::VarSpec;
using config::VarType;

const std::vector<VarSpec>& AgentSchema() {
  static const std::vector<VarSpec> kSchema = {
      {.name = "DREICHOR_AGENT_ENV",
       .type = VarType::kEnum,
       .meaning = "The environment this agent deploys; it touches nothing of the others.",
       .example = "dev",
       .choices = {"dev", "staging", "prod"}},
      {.name = "DREICHOR_AGENT_LISTEN",
       .type = VarType::kHostPort,
       .meaning = "Loopback address and port of the agent's API (dev 127.0.0.1:3005, staging "
                  "127.0.0.1:3007, prod 127.0.0.1:3006); any other address, or another "
                  "environment's port, is refused.",
       .example = "127.0.0.1:3005"},
      {.name = "DREICHOR_AGENT_ENGINE_SOCKET",
       .type = VarType::kPath,
       .meaning = "Unix socket of the Docker Engine API (Docker, or Podman's API service).",
       .example = "/run/docker.sock"},
      {.name = "DREICHOR_AGENT_IMAGE_REPOSITORY",
       .type = VarType::kString,
       .meaning = "Repository of the runtime image, without a tag; deploys name only the tag.",
       .example = "ghcr.io/example/dreichor/runtime",
       .min_length = 1},
      {.name = "DREICHOR_AGENT_MIGRATIONS_REPOSITORY",
       .type = VarType::kString,
       .meaning = "Repository of the migrations image, run once with the deployed tag before the "
                  "runtime is replaced; `none` skips the step.",
       .example = "ghcr.io/example/dreichor/migrations",
       .min_length = 1},
      {.name = "DREICHOR_AGENT_MIGRATIONS_ENV_FILE",
       .type = VarType::kString,
       .meaning = "File under the base directory holding the migration role's connection, one "
                  "line DATABASE_URL=postgresql://dreichor_<env>_migrator:...@host/dreichor_<env>; "
                  "read before every migrations run and given only to the migrations container, "
                  "never to the runtime. `none` when there is no migrations step.",
       .example = "/opt/dreichor/dev/migrations.env",
       .min_length = 1},
      {.name = "DREICHOR_AGENT_BASE_DIR",
       .type = VarType::kPath,
       .meaning = "The environment's directory; its last component is the environment's name. "
                  "Holds volumes/ and deploy-agent/history/.",
       .example = "/opt/dreichor/dev"},
      {.name = "DREICHOR_AGENT_RUNTIME_ENV_FILE",
       .type = VarType::kPath,
       .meaning = "The runtime's env file (KEY=VALUE lines), under the base directory; checked "
                  "against the runtime's schema before every deploy.",
       .example = "/opt/dreichor/dev/runtime.env"},
      {.name = "DREICHOR_AGENT_RUNTIME_PUBLISH",
       .type = VarType::kHostPort,
       .meaning = "Loopback address and port on which the runtime container's API is published.",
       .example = "127.0.0.1:8080"},
      {.name = "DREICHOR_AGENT_RUNTIME_SUBNET",
       .type = VarType::kString,
       .meaning =
           "IPv4 subnet (CIDR, private, /16 to /28) of the environment's own container "
           "network dreichor-<env>, which the agent creates if missing and attaches the "
           "runtime and migrations containers to, and to nothing else. Each environment "
           "has its own; pg_hba.conf admits this subnet to this environment's database only.",
       .example = "10.89.1.0/24"},
      {.name = "DREICHOR_AGENT_RUNTIME_MEMORY_MIB",
       .type = VarType::kInteger,
       .meaning = "Memory limit of the runtime container in MiB (memory and swap together); the "
                  "kernel ends the runtime if it goes beyond.",
       .example = "2048",
       .min = 64,
       .max = 1'048'576},
      {.name = "DREICHOR_AGENT_RUNTIME_CPU_MILLIS",
       .type = VarType::kInteger,
       .meaning = "CPU limit of the runtime container in thousandths of a CPU (1000 = one CPU).",
       .example = "2000",
       .min = 100,
       .max = 1'024'000},
      {.name = "DREICHOR_AGENT_RUNTIME_PIDS",
       .type = VarType::kInteger,
       .meaning = "Most processes and threads the runtime container may hold.",
       .example = "256",
       .min = 16,
       .max = 65'536},
      {.name = "DREICHOR_AGENT_READINESS_DEADLINE",
       .type = VarType::kDuration,
       .meaning = "How long a new runtime container may take to become ready before the deploy "
                  "fails.",
       .example = "120s",
       .min = 1000,
       .max = 3'600'000},
      {.name = "DREICHOR_AGENT_STOP_TIMEOUT",
       .type = VarType::kDuration,
       .meaning = "How long the engine waits after SIGTERM before SIGKILL when stopping the "
                  "runtime; at least the runtime's DREICHOR_SHUTDOWN_DEADLINE.",
       .example = "30s",
       .min = 1000,
       .max = 600'000},
      {.name = "DREICHOR_AGENT_MIGRATIONS_DEADLINE",
       .type = VarType::kDuration,
       .meaning = "How long the migrations container may run.",
       .example = "300s",
       .min = 1000,
       .max = 3'600'000},
      {.name = "DREICHOR_AGENT_ACCESS_TEAM_DOMAIN",
       .type = VarType::kUrl,
       .meaning = "The Cloudflare Access team domain; tokens must name it as their issuer.",
       .example = "https://example.cloudflareaccess.com"},
      {.name = "DREICHOR_AGENT_ACCESS_AUDIENCE",
       .type = VarType::kString,
       .meaning = "The Access application's audience tag for this environment's agent.",
       .example = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2",
       .min_length = 8},
      {.name = "DREICHOR_AGENT_ACCESS_ALLOWED",
       .type = VarType::kString,
       .meaning = "Comma-separated identities allowed to act: e-mail addresses, or service "
                  "tokens' common names.",
       .example = "alice@example.com,deploy-bot.access",
       .min_length = 1},
      {.name = "DREICHOR_AGENT_ACCESS_KEYS",
       .type = VarType::kString,
       .meaning = "Where the signing keys come from: the team's certs URL "
                  "(<team domain>/cdn-cgi/access/certs), or file:/path to a JWKS file.",
       .example = "https://example.cloudflareaccess.com/cdn-cgi/access/certs",
       .min_length = 1},
      {.name = "DREICHOR_AGENT_OTLP_TRACES_URL",
       .type = VarType::kUrl,
       .meaning = "Where the agent sends its request spans: an OpenTelemetry collector's "
                  "OTLP/HTTP traces endpoint (infra/monitoring/otel/collector.yaml), or `none`.",
       .example = "http://127.0.0.1:4318/v1/traces",
       .none_allowed = true},
      {.name = "DREICHOR_AGENT_PROMOTE_FROM",
       .type = VarType::kUrl,
       .meaning = "The deploy agent of the environment before this one (staging: dev's, prod: "
                  "staging's), as a loopback http:// URL: POST /v1/promote asks it which digest "
                  "runs there and deploys exactly that. `none` in dev, where nothing is promoted "
                  "in.",
       .example = "http://127.0.0.1:3005",
       .none_allowed = true},
      {.name = "DREICHOR_AGENT_PROMOTE_FROM_TOKEN",
       .type = VarType::kString,
       .secret = true,
       .meaning = "The credential this agent presents (Authorization: Bearer) to the agent named "
                  "by DREICHOR_AGENT_PROMOTE_FROM; that agent holds it as its "
                  "DREICHOR_AGENT_PROMOTE_TO_TOKEN. At least 32 characters; `none` exactly when "
                  "DREICHOR_AGENT_PROMOTE_FROM is `none`.",
       .example = "one-link-one-token-at-least-32-random-characters",
       .min_length = 32,
       .none_allowed = true},
      {.name = "DREICHOR_AGENT_PROMOTE_TO_TOKEN",
       .type = VarType::kString,
       .secret = true,
       .meaning = "The credential the next environment's agent (dev: staging's, staging: prod's) "
                  "presents to read this environment's promotable deployment and to record a "
                  "promotion in this history; nothing else is reachable with it. At least 32 "
                  "characters; `none` turns the link off (always in prod, the last environment).",
       .example = "another-link-another-token-at-least-32-characters",
       .min_length = 32,
       .none_allowed = true},
      {.name = "DREICHOR_AGENT_LOG_LEVEL",
       .type = VarType::kEnum,
       .meaning = "Least severe log level written.",
       .example = "info",
       .choices = {"debug", "info", "warn", "error"}},
  };
  return kSchema;
}

const config::SchemaHeading& AgentSchemaHeading() {
  static const config::SchemaHeading kHeading{
      "Deploy agent environment schema", "deploy/agent_config.cc",
      "dreichor-deploy-agent env-schema", "Every variable the deploy agent reads"};
  return kHeading;
}

std::string PromotedFrom(const std::string& env) {
  const std::vector<std::string>& all = Environments();
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i] == env) return all[i - 1];
  }
  return "";
}

std::string PromotedTo(const std::string& env) {
  const std::vector<std::string>& all = Environments();
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    if (all[i] == env) return all[i + 1];
  }
  return "";
}

uint16_t AgentPort(const std::string& env) {
  if (env == "dev") return kDevAgentPort;
  if (env == "staging") return kStagingAgentPort;
  return kProdAgentPort;
}

namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t b = item.find_first_not_of(" \t");
    const size_t e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

bool UnderDir(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/' && path.find("/../") == std::string::npos;
}

std::string LastComponent(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path.substr(path.rfind('/') + 1);
}

// "registry:5000/team/runtime" yes; "team/runtime:latest" or "...@sha256:..." no. A colon may
// appear only in the registry's host:port, before the first slash.
bool IsBareRepository(const std::string& repo) {
  const size_t last_slash = repo.rfind('/');
  const size_t name_start = last_slash == std::string::npos ? 0 : last_slash + 1;
  return repo.find('@') == std::string::npos && repo.find(':', name_start) == std::string::npos &&
         name_start < repo.size();
}

// "http://127.0.0.1:3005" (an optional trailing slash) -> its host and port; nullopt for
// anything else, a non-loopback host included.
std::optional<config::HostPort> LoopbackHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return std::nullopt;
  std::optional<config::HostPort> hp = config::ParseHostPort(rest);
  if (!hp || hp->port == 0 || !config::IsLoopbackAddress(hp->host)) return std::nullopt;
  return hp;
}

std::string TrimSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Whether `text` is a private IPv4 network in canonical CIDR form with a /16 to /28 prefix.
bool IsPrivateSubnet(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  const std::string address = text.substr(0, slash), prefix_text = text.substr(slash + 1);
  if (prefix_text.empty() || prefix_text.size() > 2 ||
      prefix_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const int prefix = std::stoi(prefix_text);
  in_addr parsed{};
  if (prefix < 16 || prefix > 28 || ::inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
    return false;
  }
  char canonical[INET_ADDRSTRLEN];
  if (::inet_ntop(AF_INET, &parsed, canonical, sizeof canonical) == nullptr ||
      address != canonical) {
    return false;  // no leading zeros or other spellings: the engine reports the canonical one
  }
  const uint32_t ip = ntohl(parsed.s_addr);
  const uint32_t host_bits = (uint32_t{1} << (32 - prefix)) - 1;
  if ((ip & host_bits) != 0) return false;
  const auto within = [&](uint32_t net, int bits) {
    return prefix >= bits && (ip >> (32 - bits)) == (net >> (32 - bits));
  };
  return within(0x0A000000, 8) || within(0xAC100000, 12) || within(0xC0A80000, 16);
}

// The promotion links: only where the environment has one, on loopback, one token per link.
void CheckPromotion(const AgentConfig& c, std::vector<std::string>* problems) {
  if (PromotedFrom(c.env).empty() && !c.promote_from_url.empty()) {
    problems->push_back("DREICHOR_AGENT_PROMOTE_FROM: " + c.env +
                        " is the first environment; nothing is promoted into it (set `none`)");
  }
  if (c.promote_from_url.empty() != c.promote_from_token.empty()) {
    problems->push_back(
        "DREICHOR_AGENT_PROMOTE_FROM_TOKEN: must be `none` exactly when "
        "DREICHOR_AGENT_PROMOTE_FROM is `none`");
  }
  if (PromotedTo(c.env).empty() && !c.promote_to_token.empty()) {
    problems->push_back("DREICHOR_AGENT_PROMOTE_TO_TOKEN: " + c.env +
                        " is the last environment; nothing is promoted out of it (set `none`)");
  }
  if (!c.promote_from_url.empty()) {
    const std::optional<config::HostPort> from = LoopbackHttpUrl(c.promote_from_url);
    if (!from) {
      problems->push_back(
          "DREICHOR_AGENT_PROMOTE_FROM: must be http://<loopback address>:<port>, the " +
          PromotedFrom(c.env) + " agent (the agents talk on this server only)");
    } else if (from->port == c.listen.port && c.listen.port != 0) {
      problems->push_back("DREICHOR_AGENT_PROMOTE_FROM: names this agent itself");
    }
  }
  if (!c.promote_from_token.empty() && c.promote_from_token == c.promote_to_token) {
    problems->push_back(
        "DREICHOR_AGENT_PROMOTE_TO_TOKEN: must differ from DREICHOR_AGENT_PROMOTE_FROM_TOKEN "
        "(one token per link)");
  }
}

// Checks across variables; each problem is one line.
void CheckCoherence(const AgentConfig& c, std::vector<std::string>* problems) {
  if (!config::IsLoopbackAddress(c.listen.host)) {
    problems->push_back("DREICHOR_AGENT_LISTEN: must be a loopback address (127.0.0.0/8 or ::1)");
  }
  for (const std::string& other : Environments()) {
    if (other != c.env && c.listen.port == AgentPort(other)) {
      problems->push_back("DREICHOR_AGENT_LISTEN: port " + std::to_string(AgentPort(other)) +
                          " belongs to the " + other + " agent");
    }
  }
  CheckPromotion(c, problems);
  if (!config::IsLoopbackAddress(c.runtime_publish.host) || c.runtime_publish.port == 0) {
    problems->push_back(
        "DREICHOR_AGENT_RUNTIME_PUBLISH: must be a loopback address with a non-zero port");
  }
  if (LastComponent(c.base_dir) != c.env) {
    problems->push_back("DREICHOR_AGENT_BASE_DIR: its last component must be '" + c.env +
                        "', the agent's environment");
  }
  if (!UnderDir(c.runtime_env_file, c.base_dir)) {
    problems->push_back("DREICHOR_AGENT_RUNTIME_ENV_FILE: must be under DREICHOR_AGENT_BASE_DIR");
  }
  if (!IsPrivateSubnet(c.runtime_subnet)) {
    problems->push_back(
        "DREICHOR_AGENT_RUNTIME_SUBNET: must be a private IPv4 network in CIDR form "
        "(10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16; host bits zero) with a prefix of /16 to "
        "/28");
  }
  if (c.access_allowed.empty()) {
    problems->push_back("DREICHOR_AGENT_ACCESS_ALLOWED: names no identity");
  }
  if (c.access_team_domain.rfind("https://", 0) != 0) {
    problems->push_back("DREICHOR_AGENT_ACCESS_TEAM_DOMAIN: must be an https:// URL");
  }
  const bool file_keys = c.access_keys.rfind("file:/", 0) == 0;
  if (!file_keys && c.access_keys != c.access_team_domain + "/cdn-cgi/access/certs") {
    problems->push_back(
        "DREICHOR_AGENT_ACCESS_KEYS: must be the team domain's /cdn-cgi/access/certs or "
        "file:/path");
  }
  if (c.migrations_repository.empty() != c.migrations_env_file.empty()) {
    problems->push_back(
        "DREICHOR_AGENT_MIGRATIONS_ENV_FILE: must be `none` exactly when "
        "DREICHOR_AGENT_MIGRATIONS_REPOSITORY is `none`");
  }
  if (!c.migrations_env_file.empty() && (!UnderDir(c.migrations_env_file, c.base_dir) ||
                                         c.migrations_env_file == c.runtime_env_file)) {
    problems->push_back(
        "DREICHOR_AGENT_MIGRATIONS_ENV_FILE: must be under DREICHOR_AGENT_BASE_DIR and not the "
        "runtime's env file");
  }
  for (const std::string* repo : {&c.image_repository, &c.migrations_repository}) {
    if (!repo->empty() && !IsBareRepository(*repo)) {
      problems->push_back("DREICHOR_AGENT_*_REPOSITORY: '" + *repo +
                          "' must name a repository without a tag or digest");
    }
  }
}

}  // namespace

Result<AgentConfig> LoadAgentConfig(const config::EnvMap& env) {
  const config::Validation v = config::Validate(AgentSchema(), env);
  std::vector<std::string> problems;
  for (const config::ConfigProblem& p : v.problems) problems.push_back(p.var + ": " + p.problem);
  if (problems.empty()) {
    const config::Config& c = v.config;
    AgentConfig a;
    a.env = c.String("DREICHOR_AGENT_ENV");
    a.listen = *config::ParseHostPort(c.String("DREICHOR_AGENT_LISTEN"));
    a.engine_socket = c.String("DREICHOR_AGENT_ENGINE_SOCKET");
    a.image_repository = c.String("DREICHOR_AGENT_IMAGE_REPOSITORY");
    a.migrations_repository = c.String("DREICHOR_AGENT_MIGRATIONS_REPOSITORY");
    if (a.migrations_repository == "none") a.migrations_repository.clear();
    a.migrations_env_file = c.String("DREICHOR_AGENT_MIGRATIONS_ENV_FILE");
    if (a.migrations_env_file == "none") a.migrations_env_file.clear();
    a.base_dir = TrimSlash(c.String("DREICHOR_AGENT_BASE_DIR"));
    a.runtime_env_file = c.String("DREICHOR_AGENT_RUNTIME_ENV_FILE");
    a.runtime_publish = *config::ParseHostPort(c.String("DREICHOR_AGENT_RUNTIME_PUBLISH"));
    a.runtime_subnet = c.String("DREICHOR_AGENT_RUNTIME_SUBNET");
    a.runtime_limits.memory_bytes = c.Integer("DREICHOR_AGENT_RUNTIME_MEMORY_MIB") << 20;
    a.runtime_limits.nano_cpus = c.Integer("DREICHOR_AGENT_RUNTIME_CPU_MILLIS") * 1'000'000;
    a.runtime_limits.pids = c.Integer("DREICHOR_AGENT_RUNTIME_PIDS");
    a.readiness_deadline =
        std::chrono::milliseconds(c.DurationMs("DREICHOR_AGENT_READINESS_DEADLINE"));
    a.stop_timeout = std::chrono::milliseconds(c.DurationMs("DREICHOR_AGENT_STOP_TIMEOUT"));
    a.migrations_deadline =
        std::chrono::milliseconds(c.DurationMs("DREICHOR_AGENT_MIGRATIONS_DEADLINE"));
    a.access_team_domain = TrimSlash(c.String("DREICHOR_AGENT_ACCESS_TEAM_DOMAIN"));
    a.access_audience = c.String("DREICHOR_AGENT_ACCESS_AUDIENCE");
    a.access_allowed = SplitList(c.String("DREICHOR_AGENT_ACCESS_ALLOWED"));
    a.access_keys = c.String("DREICHOR_AGENT_ACCESS_KEYS");
    a.log_level = c.String("DREICHOR_AGENT_LOG_LEVEL");
    a.otlp_traces_url = c.String("DREICHOR_AGENT_OTLP_TRACES_URL");
    if (a.otlp_traces_url == "none") a.otlp_traces_url.clear();
    const auto unless_none = [&c](const char* name) {
      const std::string& value = c.String(name);
      return value == "none" ? std::string() : value;
    };
    a.promote_from_url = TrimSlash(unless_none("DREICHOR_AGENT_PROMOTE_FROM"));
    a.promote_from_token = unless_none("DREICHOR_AGENT_PROMOTE_FROM_TOKEN");
    a.promote_to_token = unless_none("DREICHOR_AGENT_PROMOTE_TO_TOKEN");
    CheckCoherence(a, &problems);
    if (problems.empty()) return a;
  }
  std::string message = std::to_string(problems.size()) + " configuration problem(s):";
  for (const std::string& p : problems) message += "\n  " + p;
  return Status::InvalidArgument(message);
}

std::string DescribeConfig(const AgentConfig& c) {
  nlohmann::ordered_json j;
  j["env"] = c.env;
  j["listen"] = c.listen.host + ":" + std::to_string(c.listen.port);
  j["engine_socket"] = c.engine_socket;
  j["image_repository"] = c.image_repository;
  j["migrations_repository"] = c.migrations_repository.empty() ? "none" : c.migrations_repository;
  j["migrations_env_file"] = c.migrations_env_file.empty() ? "none" : c.migrations_env_file;
  j["base_dir"] = c.base_dir;
  j["runtime_env_file"] = c.runtime_env_file;
  j["runtime_publish"] = c.runtime_publish.host + ":" + std::to_string(c.runtime_publish.port);
  j["runtime_limits"] = c.runtime_limits.ToString();
  j["network"] = c.network_name() + " " + c.runtime_subnet;
  j["readiness_deadline_ms"] = c.readiness_deadline.count();
  j["stop_timeout_ms"] = c.stop_timeout.count();
  j["access_team_domain"] = c.access_team_domain;
  j["access_audience"] = c.access_audience;
  j["access_allowed"] = c.access_allowed;
  j["access_keys"] = c.access_keys;
  j["otlp_traces_url"] = c.otlp_traces_url.empty() ? "none" : c.otlp_traces_url;
  j["promote_from"] = c.promote_from_url.empty() ? "none" : c.promote_from_url;
  j["promote_to"] = PromotedTo(c.env).empty() ? "none" : PromotedTo(c.env);
  return j.dump();
}

}  // namespace dreichor::deploy
