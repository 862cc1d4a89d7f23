// Checking an environment against the schema (config/env_schema.h).
//
// Validate reports every problem in one pass — each missing required variable, each malformed
// value, each DREICHOR_* variable the schema does not know — so an operator fixes them all at
// once. Problem messages never contain a secret's value. Variables without the DREICHOR_ prefix
// are ignored.
//
//   EnvMap env = ProcessEnvironment(environ);
//   Validation v = Validate(RuntimeSchema(), env);
//   if (!v.ok()) for (const auto& p : v.problems) log(p.var, p.problem);
//   int64_t every = v.config.Integer("DREICHOR_SNAPSHOT_EVERY");
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/env_schema.h"
#include "util/status.h"

namespace dreichor::config {

using EnvMap = std::map<std::string, std::string>;

struct HostPort {
  std::string host;  // without IPv6 brackets
  uint16_t port = 0;
};
// "host:port" or "[v6]:port"; port 0..65535 (0: any free port, for tests).
std::optional<HostPort> ParseHostPort(std::string_view s);
// "250ms", "10s", "5m", "1h" -> milliseconds; false for anything else or an overflow.
bool ParseDurationMs(std::string_view s, int64_t* ms);
// Whether `host` is an IPv4 address in 127.0.0.0/8 or the IPv6 loopback ::1.
bool IsLoopbackAddress(const std::string& host);

// The DREICHOR_* entries of a process environment (as `environ`).
EnvMap ProcessEnvironment(char** envp);

// Parses an env file: KEY=VALUE lines (LF or CRLF), blank lines and lines starting with '#'.
// Values are taken verbatim (no quoting) and may not hold control characters. The error names
// the line.
Result<EnvMap> ParseEnvFile(std::string_view text);

struct ConfigProblem {
  std::string var;
  std::string problem;
};

// Validated values. Accessors take a name the schema marks present in this configuration.
class Config {
 public:
  bool Has(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  const std::string& String(std::string_view name) const { return values_.at(std::string(name)); }
  int64_t Integer(std::string_view name) const { return numbers_.at(std::string(name)); }
  int64_t DurationMs(std::string_view name) const { return numbers_.at(std::string(name)); }

 private:
  friend struct Validator;
  std::map<std::string, std::string> values_;
  std::map<std::string, int64_t> numbers_;  // integers, and durations in milliseconds
};

struct Validation {
  Config config;
  std::vector<ConfigProblem> problems;  // in variable-name order
  bool ok() const { return problems.empty(); }
};

Validation Validate(const std::vector<VarSpec>& schema, const EnvMap& env);

// The value as it may be shown: secrets become "<redacted>", and a URL keeps everything but its
// password, which becomes "<redacted>" in place.
std::string Redact(const VarSpec& spec, std::string_view value);

// The schema as a Markdown document (infra/env/ENV_SCHEMA.md, infra/deploy/AGENT_ENV_SCHEMA.md).
std::string RenderSchemaDocument(const std::vector<VarSpec>& schema, const SchemaHeading& heading);

// The main of a service configured by one schema:
//   program [serve]            runs `serve` and returns its exit code
//   program env-schema         prints the schema document
//   program env check FILE     checks FILE with `load`, the service's own loader (env_check.h)
//   program --version          prints "<program> <version>"
// Anything else prints the usage and returns 2.
int ServiceMain(int argc, char** argv, const std::vector<VarSpec>& schema,
                const SchemaHeading& heading, const std::function<Status(const EnvMap&)>& load,
                const std::function<int()>& serve);

}  // namespace dreichor::config
