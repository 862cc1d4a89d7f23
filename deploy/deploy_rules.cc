#include "deploy/deploy_rules.h"

#include <regex>

#include "config/env_config.h"
#include "config/env_schema.h"
#include "util/sha256.h"

namespace dreichor::deploy {

bool IsImmutableTag(const std::string& tag) {
  static const std::regex kSha("sha-[0-9a-f]{7,64}");
  static const std::regex kSemver("v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.]+)?");
  static const std::regex kNamedVersion("[a-z0-9]+(-[a-z0-9]+)*-v[0-9]+(\\.[0-9]+){0,2}");
  return std::regex_match(tag, kSha) || std::regex_match(tag, kSemver) ||
         std::regex_match(tag, kNamedVersion);
}

Status CheckTag(const std::string& tag, const std::string& env) {
  static const std::regex kSyntax("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  if (!std::regex_match(tag, kSyntax)) {
    return Status::InvalidArgument("tag: not a valid image tag");
  }
  if (env != "dev" && !IsImmutableTag(tag)) {
    return Status::InvalidArgument("tag: '" + tag +
                                   "' is not immutable (sha-<hex> or a version); " + env +
                                   " refuses moving tags such as latest");
  }
  return Status::Ok();
}

bool IsImageDigest(const std::string& digest) {
  static const std::regex kDigest("sha256:[0-9a-f]{64}");
  return std::regex_match(digest, kDigest);
}

std::string DatabaseName(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "";
  return url.substr(slash + 1, url.find('?', slash) - slash - 1);
}

std::string DatabaseUser(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t at = url.find('@', start);
  const size_t slash = url.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return "";
  return url.substr(start, std::min(url.find(':', start), at) - start);
}

std::string EnvHash(const std::vector<std::string>& variables) {
  Sha256 h;
  for (const std::string& v : variables) {
    h.Update(v);
    h.Update("\n");
  }
  return ToHex(h.Finish());
}

namespace {

// The variables of env file `path`; `what` names the file in errors ("runtime env file").
Result<config::EnvMap> ReadEnvFile(Env* files, const std::string& path, const std::string& what) {
  std::string text;
  if (Status s = files->ReadFile(path, &text); !s.ok()) {
    return Status::NotFound(what + " " + path + " cannot be read: " + s.message());
  }
  auto parsed = config::ParseEnvFile(text);
  if (!parsed.ok()) return Status::InvalidArgument(path + ": " + parsed.status().message());
  return parsed;
}

}  // namespace

Result<RuntimeEnv> LoadRuntimeEnv(Env* files, const AgentConfig& config) {
  auto parsed = ReadEnvFile(files, config.runtime_env_file, "runtime env file");
  if (!parsed.ok()) return parsed.status();
  const config::EnvMap& env = parsed.value();

  std::vector<std::string> problems;
  const config::Validation v = config::Validate(config::RuntimeSchema(), env);
  for (const config::ConfigProblem& p : v.problems) problems.push_back(p.var + " " + p.problem);
  RuntimeEnv out;
  if (v.ok()) {
    const config::Config& c = v.config;
    if (c.String("DREICHOR_ENV") != config.env) {
      problems.push_back("DREICHOR_ENV is '" + c.String("DREICHOR_ENV") + "', not this agent's '" +
                         config.env + "'");
    }
    if (c.Has("DREICHOR_DATABASE_URL")) {
      out.database_url = c.String("DREICHOR_DATABASE_URL");
      out.database_schema = c.String("DREICHOR_DATABASE_SCHEMA");
      if (DatabaseName(out.database_url) != config.database_name()) {
        problems.push_back("DREICHOR_DATABASE_URL names database '" +
                           DatabaseName(out.database_url) + "', not '" + config.database_name() +
                           "'");
      }
      if (DatabaseUser(out.database_url) != config.runtime_role()) {
        problems.push_back("DREICHOR_DATABASE_URL names user '" + DatabaseUser(out.database_url) +
                           "', not the runtime role '" + config.runtime_role() + "'");
      }
    }
    if (c.Has("DREICHOR_AUDIT_DIR") && c.String("DREICHOR_AUDIT_DIR") != kContainerAuditDir) {
      problems.push_back(std::string("DREICHOR_AUDIT_DIR must be ") + kContainerAuditDir +
                         ", the mounted audit-events volume");
    }
    if (c.String("DREICHOR_SNAPSHOT_DIR") != kContainerSnapshotDir) {
      problems.push_back(std::string("DREICHOR_SNAPSHOT_DIR must be ") + kContainerSnapshotDir +
                         ", the mounted snapshots volume");
    }
    const auto listen = config::ParseHostPort(c.String("DREICHOR_LISTEN"));
    if ((listen->host != "0.0.0.0" && listen->host != "::") || listen->port == 0) {
      problems.push_back(
          "DREICHOR_LISTEN must be 0.0.0.0:<port> or [::]:<port> with a fixed port: the "
          "container is reached only through its published loopback port");
    }
    out.container_port = listen->port;
  }
  if (!problems.empty()) {
    std::string message =
        config.runtime_env_file + ": " + std::to_string(problems.size()) + " problem(s):";
    for (const std::string& p : problems) message += " " + p + ";";
    message.pop_back();
    return Status::InvalidArgument(message);
  }
  for (const auto& [k, value] : env) out.variables.push_back(k + "=" + value);
  return out;
}

Result<std::string> LoadMigrationsUrl(Env* files, const AgentConfig& config) {
  const std::string& path = config.migrations_env_file;
  auto parsed = ReadEnvFile(files, path, "migrations env file");
  if (!parsed.ok()) return parsed.status();
  const config::EnvMap& env = parsed.value();
  const auto url = env.find("DATABASE_URL");
  if (env.size() != 1 || url == env.end()) {
    return Status::InvalidArgument(path + ": must hold exactly one variable, DATABASE_URL");
  }
  std::vector<std::string> problems;
  if (DatabaseName(url->second) != config.database_name()) {
    problems.push_back("names database '" + DatabaseName(url->second) + "', not '" +
                       config.database_name() + "'");
  }
  if (DatabaseUser(url->second) != config.migrator_role()) {
    problems.push_back("names user '" + DatabaseUser(url->second) + "', not the migration role '" +
                       config.migrator_role() + "'");
  }
  if (!problems.empty()) {
    std::string message = path + ": DATABASE_URL";
    for (const std::string& p : problems) message += " " + p + ";";
    message.pop_back();
    return Status::InvalidArgument(message);
  }
  return url->second;
}

}  // namespace dreichor::deploy
