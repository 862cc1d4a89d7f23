#include "service/phase_run.h"

namespace dreichor::service {

double MillisecondsSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

PhaseRun::PhaseRun(JsonLog* log, runtime::HealthState* health, runtime::Phase phase)
    : log_(log), phase_(phase), start_(Steady::now()) {
  health->SetPhase(phase);
}

void PhaseRun::Report(const PhaseReport& r) {
  if (r.skipped_because.empty()) {
    Line(LogLevel::kInfo, "ok", r.facts);
  } else {
    Line(LogLevel::kInfo, "skipped", LogFields{{"reason", r.skipped_because}});
  }
}

int PhaseRun::Fail(int exit_code, const std::string& reason) {
  Line(LogLevel::kError, "failed", LogFields{{"reason", reason}, {"exit_code", exit_code}});
  return exit_code;
}

void PhaseRun::Line(LogLevel level, const char* outcome, const LogFields& fields) {
  LogFields line{{"phase", runtime::PhaseName(phase_)},
                 {"outcome", outcome},
                 {"duration_ms", MillisecondsSince(start_)}};
  for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  log_->Log(level, "phase", line);
}

}  // namespace dreichor::service
