#include "cli/copy_commands.h"

#include <optional>
#include <thread>

#include "audit/log_copy.h"
#include "cli/commands.h"
#include "cli/textfile_metrics.h"
#include "evidence/checkpoint.h"
#include "util/atomic_file.h"
#include "util/immutable_file.h"
#include "util/sequence_file_name.h"
#include "util/sha256.h"

namespace dreichor::cli {

namespace {

int ExitCodeOf(const Status& s) {
  return s.code() == StatusCode::kCorruption ? kProblemFound : kCannotRead;
}

// Writes `note` as `dir`/<20-digit tree size>.checkpoint, read-only, unless it is there already.
// True when a new file was written.
Result<bool> KeepCheckpoint(Env* env, const std::string& dir, uint64_t tree_size,
                            const std::string& note, bool immutable) {
  if (Status s = env->CreateDirs(dir); !s.ok()) return s;
  const std::string path = dir + "/" + SequenceFileName("", tree_size, ".checkpoint");
  if (env->FileExists(path)) return false;
  Status s = WriteFileAtomically(env, path, note, {.sync = true, .read_only = true});
  if (s.ok() && immutable) s = SetImmutable(path, true);
  if (!s.ok()) return s;
  return true;
}

// Keeps the runtime's newest checkpoint beside the copy (and in the witness directory) when the
// copy holds every record it covers, so the copy always checks against its own checkpoints.
Status WitnessCheckpoint(const ShipCommand& c, uint64_t copy_through, std::ostream& out) {
  std::string note;
  if (Status s = Env::Default()->ReadFile(c.checkpoint_file, &note); !s.ok()) return s;
  const size_t split = note.find("\n\n");
  auto checkpoint = evidence::ParseCheckpointBody(
      split == std::string::npos ? note : std::string_view(note).substr(0, split + 1));
  if (!checkpoint.ok()) {
    return Status::Corruption(c.checkpoint_file + ": " + checkpoint.status().message());
  }
  const uint64_t size = checkpoint.value().tree_size;
  if (size > copy_through) return Status::Ok();  // the next pass, once the records are copied
  for (const std::string& dir : {c.copy_dir + "/checkpoints", c.witness_dir}) {
    if (dir.empty()) continue;
    auto kept = KeepCheckpoint(Env::Default(), dir, size, note, c.immutable);
    if (!kept.ok()) return kept.status();
    if (kept.value())
      out << "witnessed: checkpoint of " << size << " records in " << dir << std::endl;
  }
  return Status::Ok();
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
    auto pass = audit::ShipOnce(
        Env::Default(), audit::ShipOptions{c.audit_dir, c.copy_dir, verify, c.immutable}, clock);
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
      if (!c.checkpoint_file.empty()) {
        if (Status w = WitnessCheckpoint(c, r.partial_through, out); !w.ok()) {
          err << "ship: checkpoint: " << w.ToString() << std::endl;
          outcome.ok = false;
        }
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
    if (c.once) return !pass.ok() ? ExitCodeOf(pass.status()) : outcome.ok ? kOk : kCannotRead;
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
