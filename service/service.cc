#include "service/service.h"

#include <unistd.h>

#include "config/env_schema.h"
#include "service/exit_codes.h"
#include "service/runtime_service.h"

namespace dreichor::service {

namespace {

using json = LogFields;
using runtime::Phase;

json RedactedConfig(const config::EnvMap& env) {
  json out = json::object();
  for (const config::VarSpec& spec : config::RuntimeSchema()) {
    auto it = env.find(std::string(spec.name));
    if (it != env.end()) out[std::string(spec.name)] = config::Redact(spec, it->second);
  }
  return out;
}

// The startup phases after configuration, in order, with the exit code each fails with.
struct Step {
  Phase phase;
  int exit_code;
  Result<PhaseReport> (RuntimeService::*run)();
};
constexpr Step kSteps[] = {
    {Phase::kPersistence, kExitPersistence, &RuntimeService::Persistence},
    {Phase::kSchema, kExitSchema, &RuntimeService::Schema},
    {Phase::kSnapshot, kExitSnapshot, &RuntimeService::Snapshot},
    {Phase::kReplay, kExitReplay, &RuntimeService::Replay},
    {Phase::kListen, kExitListen, &RuntimeService::Listen},
    {Phase::kReady, kExitInternal, &RuntimeService::Ready},
};

// The configuration phase: every problem logged on its own line, then the phase's line.
int CheckConfiguration(const config::Validation& validation, const config::EnvMap& env_map,
                       JsonLog* log, runtime::HealthState* health) {
  PhaseRun phase(log, health, Phase::kConfiguration);
  if (!validation.ok()) {
    for (const config::ConfigProblem& p : validation.problems) {
      log->Error("configuration problem", {{"var", p.var}, {"problem", p.problem}});
    }
    return phase.Fail(kExitConfiguration,
                      std::to_string(validation.problems.size()) +
                          " configuration problem(s); the first: " + validation.problems[0].var +
                          " " + validation.problems[0].problem);
  }
  phase.Report(PhaseReport{{{"config", RedactedConfig(env_map)}}, ""});
  return kExitOk;
}

}  // namespace

int RunService(const config::EnvMap& env_map) {
  const config::Validation validation = config::Validate(config::RuntimeSchema(), env_map);
  LogLevel level = LogLevel::kInfo;
  if (validation.config.Has("DREICHOR_LOG_LEVEL")) {
    level = ParseLogLevel(validation.config.String("DREICHOR_LOG_LEVEL")).value_or(level);
  }
  // Every line names its program and, once the configuration gives it, its environment: the
  // labels the log shippers read (infra/monitoring/promtail/promtail-config.yml).
  LogFields every_line = {{"component", "runtime"}};
  if (validation.config.Has("DREICHOR_ENV")) {
    every_line["env"] = validation.config.String("DREICHOR_ENV");
  }
  JsonLog log(stdout, level, dreichor::Clock::Real(), std::move(every_line));
  runtime::HealthState health;
  SignalWatcher signals(&log);
  log.Info("starting", {{"pid", getpid()}});
  if (int code = CheckConfiguration(validation, env_map, &log, &health); code != kExitOk) {
    return code;
  }
  const config::Config& config = validation.config;
  signals.SetDeadline(std::chrono::milliseconds(config.DurationMs("DREICHOR_SHUTDOWN_DEADLINE")));

  RuntimeService service(config, Env::Default(), &log, &health, &signals);
  if (Status bound = service.Bind(); !bound.ok()) {
    return PhaseRun(&log, &health, Phase::kListen).Fail(kExitListen, bound.message());
  }
  log.Info("health endpoints open", {{"address", service.address()}});
  for (const Step& step : kSteps) {
    PhaseRun phase(&log, &health, step.phase);
    auto report = (service.*step.run)();
    if (!report.ok()) return phase.Fail(step.exit_code, report.status().message());
    phase.Report(report.value());
  }
  return service.ServeUntilStopped();
}

}  // namespace dreichor::service
