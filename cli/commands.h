// The operator CLI's commands (docs/cli.md), as functions so tests can run them in-process.
// Each writes its report to `out` and problems to `err`, and returns the process exit code.
// Every command opens the audit log read-only: it never repairs, locks or changes anything,
// and can run beside a live runtime.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>

#include "audit/audit_log.h"
#include "util/status.h"

namespace dreichor::cli {

// Where a command reads an audit log: a file log's directory, or a PostgreSQL log (`database_url`
// without a password: libpq takes it from PGPASSWORD or ~/.pgpass, so it never appears in the
// process list or a message; `schema`, "dreichor" by default).
struct LogSource {
  LogSource(std::string directory = "") : dir(std::move(directory)) {}  // NOLINT: implicit
  std::string dir;
  std::string database_url;
  std::string schema = "dreichor";
};

// Refuses a database URL holding a password (the process list would show it).
Status CheckDatabaseUrl(const std::string& url);

enum ExitCode : int {
  kOk = 0,
  kProblemFound = 1,  // verification failed, or a checked file is invalid
  kUsage = 2,         // bad arguments
  kCannotRead = 3,    // a path is missing or unreadable
};

// Opens a log read-only for a command; prints why not and sets *code when it cannot.
std::unique_ptr<audit::AuditLog> OpenLog(const LogSource& source, std::ostream& out,
                                         std::ostream& err, int* code);

// Calls write(record) for each record from `from` while write returns true; the exit code.
template <typename Write>
int ForEachRecord(audit::AuditLog& log, uint64_t from, std::ostream& err, Write write) {
  auto reader = log.ReadFrom(std::max<uint64_t>(from, 1));
  if (!reader.ok()) {
    err << reader.status().ToString() << "\n";
    return kCannotRead;
  }
  audit::Record r;
  for (;;) {
    auto more = reader.value()->Next(&r);
    if (!more.ok()) {
      err << "damaged: " << more.status().message() << "\n";
      return kProblemFound;
    }
    if (!more.value() || !write(r)) return kOk;
  }
}

// With `snapshot_dir` (may be empty), also checks every snapshot against the verified log: one
// that verifies by itself but that the log cannot reach proves lost records (kProblemFound).
int AuditVerify(const LogSource& audit_dir, const std::string& snapshot_dir, std::ostream& out,
                std::ostream& err, uint64_t* records_read = nullptr);
// AuditVerify, then its outcome written to `metrics_file` (cli/textfile_metrics.h) with the label
// env="<env>": the form a systemd timer runs (infra/deploy/dreichor-audit-verify@.timer). The
// verification's exit code, or kCannotRead if only the metrics file could not be written.
int AuditVerifyRecorded(const LogSource& audit_dir, const std::string& snapshot_dir,
                        const std::string& metrics_file, const std::string& env, std::ostream& out,
                        std::ostream& err);
int AuditTail(const LogSource& audit_dir, uint64_t count, std::ostream& out, std::ostream& err);
// Writes records from..until (inclusive) as CloudEvents JSON lines (stream/cloudevents.h).
int AuditExport(const LogSource& audit_dir, uint64_t from, uint64_t until, std::ostream& out,
                std::ostream& err);
// Rebuilds the state up to a sequence number or a time (ns since the epoch) and prints its hash.
// `snapshot_dir` may be empty (replay from genesis).
int Replay(const LogSource& audit_dir, const std::string& snapshot_dir, uint64_t until_sequence,
           int64_t until_time_ns, std::ostream& out, std::ostream& err);
int SnapshotList(const std::string& snapshot_dir, std::ostream& out, std::ostream& err);
int SnapshotVerify(const std::string& snapshot_dir, const LogSource& audit_dir, std::ostream& out,
                   std::ostream& err);
int EnvCheck(const std::string& env_file, std::ostream& out, std::ostream& err);

// Parses "2025-11-22T00:00:00Z" or "2025-11-22T00:00:00.123456789Z" (UTC only) to ns since the
// epoch; false if malformed.
bool ParseUtcTime(const std::string& text, int64_t* ns);

}  // namespace dreichor::cli
