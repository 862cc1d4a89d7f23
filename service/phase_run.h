// One startup phase's log line (infra/runtime/STARTUP_CONTRACT.md): a phase reports its facts,
// or why it was skipped, or fails with its exit code and one reason, and each ends as exactly one
// JSON line with the phase, the outcome and the duration.
//
//   PhaseRun phase(&log, &health, runtime::Phase::kReplay);
//   auto report = RunReplay();
//   if (!report.ok()) return phase.Fail(kExitReplay, report.status().message());
//   phase.Report(report.value());
#pragma once

#include <chrono>
#include <string>

#include "runtime/health.h"
#include "util/json_log.h"

namespace dreichor::service {

using Steady = std::chrono::steady_clock;

double MillisecondsSince(Steady::time_point start);

// What a phase reports when it succeeds: the facts for its log line, or why it was skipped.
struct PhaseReport {
  LogFields facts = LogFields::object();
  std::string skipped_because;  // empty: the phase ran
};

// Times one phase (from construction) and logs its one line; also moves the health state's phase.
class PhaseRun {
 public:
  PhaseRun(JsonLog* log, runtime::HealthState* health, runtime::Phase phase);
  void Report(const PhaseReport& r);
  // Logs the failure at error level; returns `exit_code`.
  int Fail(int exit_code, const std::string& reason);

 private:
  void Line(LogLevel level, const char* outcome, const LogFields& fields);

  JsonLog* log_;
  runtime::Phase phase_;
  Steady::time_point start_;
};

}  // namespace dreichor::service
