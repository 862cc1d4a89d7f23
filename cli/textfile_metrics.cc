#include "cli/textfile_metrics.h"

#include <cstdio>

#include "cli/commands.h"
#include "util/env.h"

namespace dreichor::cli {

bool IsMetricsEnvName(const std::string& env) {
  if (env.empty() || env.size() > 32) return false;
  for (char c : env) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool CheckMetricsEnvOption(const std::string& env, std::ostream& err) {
  if (IsMetricsEnvName(env)) return true;
  err << "--env: expected 1 to 32 of a-z, 0-9, _ and -, got \"" << env << "\"\n";
  return false;
}

std::string FormatTextfile(const std::string& env, const std::vector<TextfileGauge>& gauges) {
  std::string text;
  for (const TextfileGauge& g : gauges) {
    char number[64];
    std::snprintf(number, sizeof(number), "%.17g", g.value);
    text += std::string("# HELP ") + g.name + " " + g.help + "\n";
    text += std::string("# TYPE ") + g.name + " gauge\n";
    text += std::string(g.name) + "{env=\"" + env + "\"} " + number + "\n";
  }
  return text;
}

Status WriteTextfile(const std::string& path, const std::string& text) {
  Env* env = Env::Default();
  const std::string tmp = path + ".tmp";
  auto file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  Status s = file.value()->Append(text);
  if (s.ok()) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  if (s.ok()) s = env->RenameFile(tmp, path);
  // Best effort: the write's own error is the one worth reporting.
  if (!s.ok()) static_cast<void>(env->RemoveFile(tmp));
  return s;
}

std::string FormatVerifyMetrics(const std::string& env, const VerifyOutcome& outcome) {
  return FormatTextfile(
      env, {{"dreichor_audit_verify_ok",
             "1 if the last scheduled verification found the whole chain intact, else 0.",
             outcome.exit_code == kOk ? 1.0 : 0.0},
            {"dreichor_audit_verify_exit_code",
             "Exit code of the last verification (0 ok, 1 problem found, 3 cannot read).",
             static_cast<double>(outcome.exit_code)},
            {"dreichor_audit_verify_records", "Records the last verification read.",
             static_cast<double>(outcome.records)},
            {"dreichor_audit_verify_duration_seconds", "How long the last verification took.",
             outcome.duration_seconds},
            {"dreichor_audit_verify_last_run_timestamp_seconds",
             "Unix time at which the last verification finished.", outcome.finished_unix_seconds}});
}

std::string FormatShipMetrics(const std::string& env, const ShipOutcome& outcome) {
  return FormatTextfile(
      env, {{"dreichor_audit_ship_ok", "1 if the last pass of the audit log's copy succeeded.",
             outcome.ok ? 1.0 : 0.0},
            {"dreichor_audit_ship_sealed_through_sequence",
             "Last sequence the copy holds in sealed segments.",
             static_cast<double>(outcome.sealed_through)},
            {"dreichor_audit_ship_partial_through_sequence",
             "Last sequence the copy holds, the active segment's prefix included.",
             static_cast<double>(outcome.partial_through)},
            {"dreichor_audit_ship_last_success_timestamp_seconds",
             "Unix time of the last successful pass (0: none yet).",
             outcome.last_success_unix_seconds}});
}

}  // namespace dreichor::cli
