// The operator tool's commands for the audit log's copy in a second place (audit/log_copy.h,
// docs/audit-log-copy.md): `dreichor audit ship` keeps it up to date, `dreichor audit restore`
// rebuilds a log from it. Functions so that tests run them in-process; each returns the exit code
// (cli/commands.h).
#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace dreichor::cli {

struct ShipCommand {
  std::string audit_dir;
  std::string copy_dir;
  bool once = false;                           // one pass (verifying every copy), then exit
  std::chrono::milliseconds interval{10'000};  // between passes
  std::chrono::milliseconds verify_every{24 * 3600 * 1000};  // full re-check of the copy
  std::string metrics_file;                                  // empty: none
  std::string env;                                           // the metrics' env label
  // The runtime's newest signed checkpoint (<snapshots>/audit-tree/checkpoint); empty: none.
  // After each pass it is kept as <copy>/checkpoints/<tree size>.checkpoint, and in
  // `witness_dir` when given, once the copy holds every record it covers (docs/audit-proofs.md).
  std::string checkpoint_file;
  std::string witness_dir;
  // Sets the immutable attribute on each sealed segment and checkpoint kept (ext4/XFS, root);
  // where that cannot be done, every pass fails saying why.
  bool immutable = false;
};

// Runs passes until killed (or one, with `once`). A failed pass is reported and retried at the
// next interval; it never stops the loop. With `once`: kOk, kProblemFound (damage in the log or
// a copy of another log) or kCannotRead.
int AuditShip(const ShipCommand& command, std::ostream& out, std::ostream& err);

// Rebuilds `audit_dir` (absent or empty) from the copy; prints where the restored log ends.
int AuditRestore(const std::string& copy_dir, const std::string& audit_dir, std::ostream& out,
                 std::ostream& err);

}  // namespace dreichor::cli
