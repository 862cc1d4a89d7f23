#include "cli/verify_metrics.h"

#include <cstdio>
#include <filesystem>

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

namespace {

void AppendGauge(std::string* text, const char* name, const char* help, const std::string& env,
                 double value) {
  char number[64];
  std::snprintf(number, sizeof(number), "%.17g", value);
  *text += std::string("# HELP ") + name + " " + help + "\n";
  *text += std::string("# TYPE ") + name + " gauge\n";
  *text += std::string(name) + "{env=\"" + env + "\"} " + number + "\n";
}

}  // namespace

std::string FormatVerifyMetrics(const std::string& env, const VerifyOutcome& outcome) {
  std::string text;
  AppendGauge(&text, "dreichor_audit_verify_ok",
              "1 if the last scheduled verification found the whole chain intact, else 0.", env,
              outcome.exit_code == kOk ? 1 : 0);
  AppendGauge(&text, "dreichor_audit_verify_exit_code",
              "Exit code of the last verification (0 ok, 1 problem found, 3 cannot read).", env,
              outcome.exit_code);
  AppendGauge(&text, "dreichor_audit_verify_records", "Records the last verification read.", env,
              static_cast<double>(outcome.records));
  AppendGauge(&text, "dreichor_audit_verify_duration_seconds",
              "How long the last verification took.", env, outcome.duration_seconds);
  AppendGauge(&text, "dreichor_audit_verify_last_run_timestamp_seconds",
              "Unix time at which the last verification finished.", env,
              outcome.finished_unix_seconds);
  return text;
}

Status WriteVerifyMetrics(const std::string& path, const std::string& text) {
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

}  // namespace dreichor::cli
