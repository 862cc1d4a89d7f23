#include "runtime/replay.h"

#include "runtime/replay_pipeline.h"

namespace dreichor::runtime {

Result<VerifiedSnapshot> LoadVerifiedSnapshot(audit::AuditLog& log,
                                              const snapshot::SnapshotStore& store,
                                              const snapshot::SnapshotFile& file,
                                              int64_t until_time_ns) {
  // First the snapshot by itself: whether it is what its writer wrote.
  auto loaded = store.Read(file.name);
  if (!loaded.ok()) return loaded.status();
  const snapshot::SnapshotMeta& meta = loaded.value().meta;
  if (meta.sequence != file.sequence || meta.sequence == 0) {
    return Status::Corruption("its header names sequence " + std::to_string(meta.sequence));
  }
  auto engine = engine::Engine::Deserialize(loaded.value().state);
  if (!engine.ok()) return engine.status();
  if (engine.value()->StateHash() != meta.state_hash) {
    return Status::Corruption("the loaded state's hash differs from the one recorded");
  }
  // A snapshot that verifies by itself was written after its record was durable: if the log
  // cannot reach it, the log has lost acknowledged records.
  if (meta.sequence > log.last_sequence()) {
    return Status::DataLoss("it verifies and is at sequence " + std::to_string(meta.sequence) +
                            ", but the log ends at sequence " +
                            std::to_string(log.last_sequence()) + ": the log has lost " +
                            std::to_string(meta.sequence - log.last_sequence()) +
                            " or more acknowledged records");
  }
  auto reader = log.ReadFrom(meta.sequence);
  if (!reader.ok()) return reader.status();
  audit::Record at;
  auto found = reader.value()->Next(&at);
  if (!found.ok()) return found.status();
  if (!found.value() || at.sequence != meta.sequence) {
    return Status::Corruption("the log has no record " + std::to_string(meta.sequence));
  }
  if (at.chain != meta.chain) {
    return Status::DataLoss("it verifies, but its chain hash differs from the log's at sequence " +
                            std::to_string(meta.sequence) +
                            ": the log was rewritten since, or is not the log it was taken of");
  }
  if (at.timestamp_ns > until_time_ns) {
    return Status::FailedPrecondition("it is later than the requested time");
  }
  return VerifiedSnapshot{std::move(engine).value(), meta.sequence, meta.chain, at.timestamp_ns};
}

Result<VerifiedSnapshot> BestStart(audit::AuditLog& log, const snapshot::SnapshotStore* store,
                                   const ReplayOptions& options,
                                   std::vector<std::string>* warnings) {
  if (store != nullptr) {
    auto files = store->List();
    if (!files.ok()) {
      warnings->push_back("snapshots unreadable, replaying from genesis: " +
                          files.status().message());
    } else {
      for (const snapshot::SnapshotFile& f : files.value()) {
        if (f.sequence > options.until_sequence) continue;
        auto start = LoadVerifiedSnapshot(log, *store, f, options.until_time_ns);
        if (start.ok()) return start;
        if (start.status().code() == StatusCode::kDataLoss) {
          return Status::DataLoss("snapshot " + f.name +
                                  " contradicts the log: " + start.status().message());
        }
        warnings->push_back("snapshot " + f.name + " skipped: " + start.status().message());
      }
    }
  }
  return VerifiedSnapshot{std::make_unique<engine::Engine>(), 0, log.genesis(), 0};
}

Result<ReplayResult> Replay(audit::AuditLog& log, const snapshot::SnapshotStore* snapshots,
                            const ReplayOptions& options) {
  std::vector<std::string> warnings;
  auto start = BestStart(log, snapshots, options, &warnings);
  if (!start.ok()) return start.status();
  auto result = ReplayFrom(log, std::move(start).value(), options);
  if (result.ok()) result.value().warnings = std::move(warnings);
  return result;
}

Result<ReplayResult> ReplayFrom(audit::AuditLog& log, VerifiedSnapshot start,
                                const ReplayOptions& options) {
  ReplayResult result;
  result.engine = std::move(start.engine);
  result.snapshot_sequence = start.sequence;
  result.last_sequence = start.sequence;
  result.last_chain = start.chain;
  result.last_timestamp_ns = start.timestamp_ns;

  const uint64_t end = std::min(log.last_sequence(), options.until_sequence);
  const uint64_t total = end > result.snapshot_sequence ? end - result.snapshot_sequence : 0;
  ReplayPipeline pipeline(log, start.sequence, start.chain, end, options.until_time_ns);
  DecodedBatch batch;
  uint64_t next_progress = options.progress_every;
  uint64_t reported = UINT64_MAX;
  for (;;) {
    auto more = pipeline.Next(&batch);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    for (size_t i = 0; i < batch.commands.size(); ++i) {
      (void)result.engine->Apply(batch.commands[i], batch.timestamps[i]);
    }
    result.records_replayed += batch.commands.size();
    result.last_sequence = batch.last_sequence;
    result.last_chain = batch.last_chain;
    result.last_timestamp_ns = batch.timestamps.back();
    if (options.progress && result.records_replayed >= next_progress) {
      options.progress(result.records_replayed, total);
      reported = result.records_replayed;
      next_progress =
          (result.records_replayed / options.progress_every + 1) * options.progress_every;
    }
  }
  if (options.progress && reported != result.records_replayed) {
    options.progress(result.records_replayed, total);
  }
  return result;
}

}  // namespace dreichor::runtime
