#include "cli/copy_commands.h"

#include <optional>
#include <thread>

#include "audit/log_copy.h"
#include "cli/commands.h"
#include "cli/textfile_metrics.h"
#include "util/sha256.h"

namespace dreichor::cli {

namespace {

int ExitCodeOf(const Status& s) {
  return s.code() == StatusCode::kCorruption ? kProblemFound : kCannotRead;
}

}  // namespace

int AuditShip(const ShipCommand& c, std::ostream& out, std::ostream& err) {
  if (!c.metrics_file.empty() && !CheckMetricsEnvOption(c.env, err)) return kUsage;
  Clock* clock = Clock::Real();
  ShipOutcome outcome;
  std::optional<std::chrono::steady_clock::time_point> last_full_check;  // none yet
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const bool verify = c.once || !last_full_check || now - *last_full_check >= c.verify_every;
    auto pass =
        audit::ShipOnce(Env::Default(), audit::ShipOptions{c.audit_dir, c.copy_dir, verify}, clock);
    outcome.ok = pass.ok();
    if (pass.ok()) {
      if (verify) last_full_check = now;
      const audit::ShipReport& r = pass.value();
      outcome.sealed_through = r.sealed_through;
      outcome.partial_through = r.partial_through;
      outcome.last_success_unix_seconds = static_cast<double>(clock->NowUnixNanos()) / 1e9;
      if (c.once || r.segments_copied > 0 || r.segments_recopied > 0) {
        out << "shipped: " << r.segments_copied << " segments (" << r.segments_recopied
            << " damaged copies replaced, " << r.segments_checked << " checked), " << r.bytes_copied
            << " bytes; the copy holds records 1.." << r.partial_through << " (sealed through "
            << r.sealed_through << ")" << std::endl;
      }
    } else {
      err << "ship: " << pass.status().ToString() << std::endl;
    }
    if (!c.metrics_file.empty()) {
      if (Status s = WriteTextfile(c.metrics_file, FormatShipMetrics(c.env, outcome)); !s.ok()) {
        err << "cannot write the metrics file " << c.metrics_file << ": " << s.ToString()
            << std::endl;
        if (c.once) return kCannotRead;
      }
    }
    if (c.once) return pass.ok() ? kOk : ExitCodeOf(pass.status());
    std::this_thread::sleep_for(c.interval);
  }
}

int AuditRestore(const std::string& copy_dir, const std::string& audit_dir, std::ostream& out,
                 std::ostream& err) {
  auto restored = audit::RestoreLog(Env::Default(), copy_dir, audit_dir);
  if (!restored.ok()) {
    err << "restore: " << restored.status().ToString() << "\n";
    return restored.status().code() == StatusCode::kFailedPrecondition
               ? kUsage
               : ExitCodeOf(restored.status());
  }
  out << "restored: " << restored.value().segments << " segments, records 1.."
      << restored.value().last_sequence << ", chain " << ToHex(restored.value().last_chain) << "\n";
  return kOk;
}

}  // namespace dreichor::cli
