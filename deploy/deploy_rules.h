// The rules a deploy must satisfy before anything is touched: what an acceptable image tag is,
// and what the runtime env file must say for this environment.
#pragma once

#include <string>
#include <vector>

#include "deploy/agent_config.h"
#include "util/env.h"
#include "util/status.h"

namespace dreichor::deploy {

// Paths of the runtime's two volumes inside its container.
inline constexpr char kContainerAuditDir[] = "/var/lib/dreichor/audit-events";
inline constexpr char kContainerSnapshotDir[] = "/var/lib/dreichor/snapshots";

// True for tags that are immutable by convention: "sha-<7 to 64 hex digits>", a semantic version
// ("1.4.2", "v1.4.2", "v2.0.0-rc.1"), or a named release ("core-runtime-v1", "runtime-v1.2").
bool IsImmutableTag(const std::string& tag);

// A tag's syntax (Docker's: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}); in every environment but dev
// (staging has prod's rules) it must also be immutable. The error says which rule failed.
Status CheckTag(const std::string& tag, const std::string& env);

// "sha256:" and 64 lowercase hex digits: a registry manifest digest.
bool IsImageDigest(const std::string& digest);

// The runtime env file, checked for this environment.
struct RuntimeEnv {
  std::vector<std::string> variables;  // KEY=VALUE, as given to the container
  uint16_t container_port = 0;         // from DREICHOR_LISTEN
  std::string database_url;            // empty on the file backend
  std::string database_schema;
};

// Reads the file and checks it: the runtime's own schema (every problem listed); DREICHOR_ENV
// is this environment; a database URL names this environment's database (dreichor_<env>) and
// its runtime role (dreichor_<env>_runtime), never the migration role; the
// audit and snapshot directories are the two mounted volumes; DREICHOR_LISTEN is on all
// addresses (0.0.0.0 or ::) with a fixed port, since only the published port reaches it. Secret
// values never appear in the error.
Result<RuntimeEnv> LoadRuntimeEnv(Env* env, const AgentConfig& config);

// SHA-256 (hex) of a container's environment, KEY=VALUE lines in order: the label that makes a
// redeploy of the same digest with another env file a real deploy.
std::string EnvHash(const std::vector<std::string>& variables);

// "postgres://u:p@h:5432/dreichor_dev?sslmode=x" -> "dreichor_dev".
std::string DatabaseName(const std::string& url);
// "postgres://u:p@h:5432/dreichor_dev" -> "u"; "" when the URL names no user.
std::string DatabaseUser(const std::string& url);

// The migration role's connection URL from the migrations env file: exactly one variable,
// DATABASE_URL, naming this environment's database and its migration role. Secret values never
// appear in the error.
Result<std::string> LoadMigrationsUrl(Env* env, const AgentConfig& config);

}  // namespace dreichor::deploy
