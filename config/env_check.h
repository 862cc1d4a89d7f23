// `<program> env check FILE` and `<program> --version`, the same in every service.
//
// env check is the configuration loader of the seeds: FILE's KEY=VALUE lines (an EnvironmentFile,
// a compose env_file) checked by exactly the function the service runs on its environment at
// start — the schema (every problem in one run) and the service's own cross-variable rules.
// Nothing is started. Secret values never appear in what it prints.
//
//   return EnvFileCheck(file, [](const EnvMap& m) { return LoadGatewayConfig(m).status(); },
//                       std::cout, std::cerr);
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "config/env_config.h"
#include "config/env_schema.h"
#include "util/status.h"

namespace dreichor::config {

using EnvLoader = std::function<Status(const EnvMap&)>;

// Exit codes of env check.
inline constexpr int kEnvCheckOk = 0;
inline constexpr int kEnvCheckProblems = 1;  // the file parsed, its values did not pass
inline constexpr int kEnvCheckUnreadable = 3;

// Prints "<file>: ok (N variables)" to `out`, or each problem as "<file>: <problem>" to `err`.
int EnvFileCheck(const std::string& file, const EnvLoader& load, std::ostream& out,
                 std::ostream& err);

// The schema alone as a loader: every problem, one per line, as "VAR: problem".
Status ValidateAll(const std::vector<VarSpec>& schema, const EnvMap& env);

// "<program> <version>", what --version prints.
std::string VersionLine(const std::string& program);

}  // namespace dreichor::config
