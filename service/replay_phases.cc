#include <future>

#include "service/runtime_service.h"

namespace dreichor::service {

namespace {

constexpr uint64_t kReplayHealthEvery = 1 << 16;  // records between health updates
constexpr uint64_t kReplayLogEvery = 1 << 20;     // records between progress log lines
// The audit tree's directory inside the snapshot directory, and its newest checkpoint there
// (docs/audit-proofs.md).
constexpr char kAuditTreeDir[] = "audit-tree";
constexpr char kCheckpointFile[] = "checkpoint";

}  // namespace

Result<PhaseReport> RuntimeService::Snapshot() {
  auto best = ChooseSnapshot();
  if (!best.ok()) return best.status();
  start_ = std::move(best).value();
  if (start_.sequence == 0) {
    return PhaseReport{{{"sequence", 0}, {"note", "no usable snapshot: replaying from genesis"}},
                       ""};
  }
  return PhaseReport{{{"sequence", start_.sequence}}, ""};
}

// The newest snapshot that verifies against the log. A snapshot that proves the log lost
// acknowledged records fails the phase, unless the operator acknowledged exactly this log end
// (DREICHOR_ACCEPT_AUDIT_LOSS_AT): then every contradicting snapshot is quarantined, logged at
// error level, and the search runs again.
Result<runtime::VerifiedSnapshot> RuntimeService::ChooseSnapshot() {
  std::vector<std::string> warnings;
  auto best =
      runtime::BestStart(*log_store_, snapshots_.get(), runtime::ReplayOptions{}, &warnings);
  for (const std::string& w : warnings) log_->Warn("snapshot skipped", {{"reason", w}});
  if (best.ok() || best.status().code() != StatusCode::kDataLoss) return best;
  const uint64_t end = log_store_->last_sequence();
  const std::string ack = "DREICHOR_ACCEPT_AUDIT_LOSS_AT=" + std::to_string(end);
  if (!config_.Has("DREICHOR_ACCEPT_AUDIT_LOSS_AT")) {
    return Status::DataLoss(best.status().message() + ". Refusing to start without the lost " +
                            "records: restore them, or acknowledge the loss with " + ack);
  }
  const int64_t accepted = config_.Integer("DREICHOR_ACCEPT_AUDIT_LOSS_AT");
  if (static_cast<uint64_t>(accepted) != end) {
    return Status::DataLoss(best.status().message() + ". DREICHOR_ACCEPT_AUDIT_LOSS_AT is " +
                            std::to_string(accepted) + " but the log ends at " +
                            std::to_string(end) + "; the acknowledgement is for " + ack);
  }
  log_->Error("audit loss acknowledged",
              {{"log_last_sequence", end}, {"evidence", best.status().message()}});
  if (Status q = QuarantineContradictingSnapshots(end); !q.ok()) return q;
  warnings.clear();
  best = runtime::BestStart(*log_store_, snapshots_.get(), runtime::ReplayOptions{}, &warnings);
  for (const std::string& w : warnings) log_->Warn("snapshot skipped", {{"reason", w}});
  return best;
}

Status RuntimeService::QuarantineContradictingSnapshots(uint64_t log_end) {
  auto files = snapshots_->List();
  if (!files.ok()) return files.status();
  for (const snapshot::SnapshotFile& f : files.value()) {
    auto checked = runtime::LoadVerifiedSnapshot(*log_store_, *snapshots_, f);
    if (checked.ok() || checked.status().code() != StatusCode::kDataLoss) continue;
    if (Status q = snapshots_->Quarantine(f.name); !q.ok()) return q;
    log_->Error("audit loss acknowledged: snapshot quarantined",
                {{"snapshot", f.name},
                 {"snapshot_sequence", f.sequence},
                 {"log_last_sequence", log_end},
                 {"reason", checked.status().message()},
                 {"moved_to", snapshots_->dir() + "/quarantine/" + f.name}});
  }
  return Status::Ok();
}

Result<PhaseReport> RuntimeService::Replay() {
  const uint64_t from = start_.sequence;
  health_->SetReplayProgress(0, log_store_->last_sequence() - from);
  runtime::ReplayOptions options;
  options.progress_every = kReplayHealthEvery;
  uint64_t next_log = kReplayLogEvery;
  options.progress = [&](uint64_t done, uint64_t total) {
    health_->SetReplayProgress(done, total);
    if (done >= next_log) {
      log_->Info("replay progress", {{"records", done}, {"total", total}});
      next_log = (done / kReplayLogEvery + 1) * kReplayLogEvery;
    }
  };
  // The audit tree needs only the log. With the file backend it is opened beside the replay (each
  // reader of the log is independent); a database connection serves one reader at a time.
  const std::string tree_dir = config_.String("DREICHOR_SNAPSHOT_DIR") + "/" + kAuditTreeDir;
  evidence::TreeOpenReport opened;
  auto open_tree = [this, &tree_dir, &opened] {
    return evidence::TreeStore::Open(env_, tree_dir, *log_store_, &opened);
  };
  std::future<Result<std::unique_ptr<evidence::TreeStore>>> beside;
  if (file_ != nullptr) beside = std::async(std::launch::async, open_tree);
  auto result = runtime::ReplayFrom(*log_store_, std::move(start_), options);
  auto tree = beside.valid() ? beside.get() : open_tree();
  if (!result.ok()) return result.status();
  replayed_ = std::move(result).value();
  PhaseReport report{{{"records", replayed_.records_replayed},
                      {"from_sequence", from},
                      {"last_sequence", replayed_.last_sequence},
                      {"chain_hash", ToHex(replayed_.last_chain)},
                      {"state_hash", ToHex(replayed_.engine->StateHash())}},
                     ""};
  if (tree.ok()) {
    StartNotary(std::move(tree).value(), opened, tree_dir, &report.facts);
  } else {
    // The tree is derived: the log, not the tree, decides whether the runtime may serve. Without
    // it commands are answered without a tree head and nothing is signed (docs/audit-proofs.md).
    log_->Error("audit tree unavailable", {{"dir", tree_dir}, {"reason", tree.status().message()}});
    report.facts["checkpoints"] = "unavailable";
  }
  return report;
}

void RuntimeService::StartNotary(std::unique_ptr<evidence::TreeStore> tree,
                                 const evidence::TreeOpenReport& opened, const std::string& dir,
                                 LogFields* facts) {
  if (!opened.rebuilt_because.empty()) {
    log_->Warn("audit tree rebuilt", {{"dir", dir}, {"because", opened.rebuilt_because}});
  }
  (*facts)["tree_size"] = tree->head().size;
  (*facts)["tree_root"] = ToHex(tree->head().root);
  (*facts)["tree_loaded"] = opened.loaded;
  (*facts)["tree_extended"] = opened.extended;
  evidence::NotaryOptions options;
  options.signer = std::move(checkpoint_signer_);
  options.checkpoint_file = dir + "/" + kCheckpointFile;
  (*facts)["checkpoints"] = options.signer ? options.signer->VerifierKey() : "unsigned";
  notary_ = std::make_unique<evidence::Notary>(env_, std::move(tree), replayed_.last_chain,
                                               std::move(options));
}

}  // namespace dreichor::service
