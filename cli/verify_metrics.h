// The outcome of one `dreichor audit verify` as a Prometheus text-format file for
// node_exporter's textfile collector, so a scheduled verification is watched like any other
// metric (docs/cli.md, "Verification metrics"; the alerts DreichorAuditVerifyFailed and
// DreichorAuditVerifyStale).
//
//   VerifyOutcome outcome{.exit_code = kOk, .records = 600, ...};
//   Status s = WriteVerifyMetrics("/var/lib/prometheus/node-exporter/dreichor-prod.prom",
//                                 FormatVerifyMetrics("prod", outcome));
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace dreichor::cli {

struct VerifyOutcome {
  int exit_code = 0;  // cli::ExitCode of the verification
  uint64_t records = 0;
  double duration_seconds = 0;
  double finished_unix_seconds = 0;
};

// True for a name usable as the `env` label: 1..32 of [a-z0-9_-]. Anything else could break out
// of the label's quotes.
bool IsMetricsEnvName(const std::string& env);

// The file's text: five gauges labelled {env="<env>"}. `env` must satisfy IsMetricsEnvName.
std::string FormatVerifyMetrics(const std::string& env, const VerifyOutcome& outcome);

// Replaces `path` atomically: writes and syncs `<path>.tmp`, then renames it over `path`, so the
// collector never reads half a file.
Status WriteVerifyMetrics(const std::string& path, const std::string& text);

}  // namespace dreichor::cli
