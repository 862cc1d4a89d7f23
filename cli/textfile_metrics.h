// Outcomes of the operator tool's scheduled commands as Prometheus text-format files for
// node_exporter's textfile collector, so they are watched like any other metric (docs/cli.md,
// "Metrics files"): `audit verify` (alerts DreichorAuditVerifyFailed, DreichorAuditVerifyStale)
// and `audit ship` (DreichorAuditCopyBehind).
//
//   VerifyOutcome outcome{.exit_code = kOk, .records = 600, ...};
//   Status s = WriteTextfile("/var/lib/prometheus/node-exporter/dreichor-prod.prom",
//                            FormatVerifyMetrics("prod", outcome));
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "util/status.h"

namespace dreichor::cli {

// True for a name usable as the `env` label: 1..32 of [a-z0-9_-]. Anything else could break out
// of the label's quotes.
bool IsMetricsEnvName(const std::string& env);
// IsMetricsEnvName, and when not, the --env option's problem written to `err`.
bool CheckMetricsEnvOption(const std::string& env, std::ostream& err);

struct TextfileGauge {
  const char* name;
  const char* help;
  double value;
};

// The file's text: each gauge labelled {env="<env>"}. `env` must satisfy IsMetricsEnvName.
std::string FormatTextfile(const std::string& env, const std::vector<TextfileGauge>& gauges);

// Replaces `path` atomically: writes and syncs `<path>.tmp`, then renames it over `path`, so the
// collector never reads half a file.
Status WriteTextfile(const std::string& path, const std::string& text);

struct VerifyOutcome {
  int exit_code = 0;  // cli::ExitCode of the verification
  uint64_t records = 0;
  double duration_seconds = 0;
  double finished_unix_seconds = 0;
};

// dreichor_audit_verify_{ok,exit_code,records,duration_seconds,last_run_timestamp_seconds}.
std::string FormatVerifyMetrics(const std::string& env, const VerifyOutcome& outcome);

struct ShipOutcome {
  bool ok = false;
  uint64_t sealed_through = 0;           // of the last successful pass
  uint64_t partial_through = 0;          // of the last successful pass
  double last_success_unix_seconds = 0;  // 0: none yet
};

// dreichor_audit_ship_{ok,sealed_through_sequence,partial_through_sequence,
// last_success_timestamp_seconds}.
std::string FormatShipMetrics(const std::string& env, const ShipOutcome& outcome);

}  // namespace dreichor::cli
