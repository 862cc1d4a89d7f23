#include "runtime/replay.h"

#include "audit/chain_checker.h"
#include "engine/command_codec.h"

namespace dreichor::runtime {

namespace {

struct Start {
  std::unique_ptr<engine::Engine> engine;
  uint64_t sequence = 0;
  audit::Digest chain{};
  int64_t timestamp_ns = 0;
};

// Checks one snapshot against the log and loads it; the error says why it cannot be used.
Result<Start> TrySnapshot(audit::AuditLog& log, const snapshot::SnapshotStore& store,
                          const snapshot::SnapshotFile& file, const ReplayOptions& options) {
  if (file.sequence > log.last_sequence()) {
    return Status::FailedPrecondition("it is ahead of the log (which ends at sequence " +
                                      std::to_string(log.last_sequence()) + ")");
  }
  auto loaded = store.Read(file.name);
  if (!loaded.ok()) return loaded.status();
  const snapshot::SnapshotMeta& meta = loaded.value().meta;
  if (meta.sequence != file.sequence || meta.sequence == 0) {
    return Status::Corruption("its header names sequence " + std::to_string(meta.sequence));
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
    return Status::Corruption("its chain hash differs from the log's at sequence " +
                              std::to_string(meta.sequence));
  }
  if (at.timestamp_ns > options.until_time_ns) {
    return Status::FailedPrecondition("it is later than the requested time");
  }
  auto engine = engine::Engine::Deserialize(loaded.value().state);
  if (!engine.ok()) return engine.status();
  if (engine.value()->StateHash() != meta.state_hash) {
    return Status::Corruption("the loaded state's hash differs from the one recorded");
  }
  return Start{std::move(engine).value(), meta.sequence, meta.chain, at.timestamp_ns};
}

Result<Start> BestStart(audit::AuditLog& log, const snapshot::SnapshotStore* store,
                        const ReplayOptions& options, std::vector<std::string>* warnings) {
  if (store != nullptr) {
    auto files = store->List();
    if (!files.ok()) {
      warnings->push_back("snapshots unreadable, replaying from genesis: " +
                          files.status().message());
    } else {
      for (const snapshot::SnapshotFile& f : files.value()) {
        if (f.sequence > options.until_sequence) continue;
        auto start = TrySnapshot(log, *store, f, options);
        if (start.ok()) return start;
        warnings->push_back("snapshot " + f.name + " skipped: " + start.status().message());
      }
    }
  }
  return Start{std::make_unique<engine::Engine>(), 0, log.genesis(), 0};
}

}  // namespace

Result<ReplayResult> Replay(audit::AuditLog& log, const snapshot::SnapshotStore* snapshots,
                            const ReplayOptions& options) {
  ReplayResult result;
  auto start = BestStart(log, snapshots, options, &result.warnings);
  if (!start.ok()) return start.status();
  result.engine = std::move(start.value().engine);
  result.snapshot_sequence = start.value().sequence;
  result.last_timestamp_ns = start.value().timestamp_ns;

  const uint64_t end = std::min(log.last_sequence(), options.until_sequence);
  const uint64_t total = end > result.snapshot_sequence ? end - result.snapshot_sequence : 0;
  audit::ChainChecker chain(start.value().sequence, start.value().chain);
  auto reader = log.ReadFrom(start.value().sequence + 1);
  if (!reader.ok()) return reader.status();
  audit::Record r;
  while (chain.sequence() < end) {
    auto more = reader.value()->Next(&r);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    if (r.timestamp_ns > options.until_time_ns) break;
    if (Status s = chain.Check(r); !s.ok()) {
      return Status::Corruption(reader.value()->Where() + ": " + s.message());
    }
    auto command = engine::DecodeCommand(r.payload);
    if (!command.ok()) {
      return Status::Corruption(reader.value()->Where() + " (sequence " +
                                std::to_string(r.sequence) + "): " + command.status().message());
    }
    if (static_cast<uint16_t>(engine::TypeOf(command.value())) != r.type) {
      return Status::Corruption("sequence " + std::to_string(r.sequence) +
                                ": record type differs from its command's");
    }
    (void)result.engine->Apply(command.value(), r.timestamp_ns);
    result.last_timestamp_ns = r.timestamp_ns;
    ++result.records_replayed;
    if (options.progress && result.records_replayed % options.progress_every == 0) {
      options.progress(result.records_replayed, total);
    }
  }
  if (options.progress) options.progress(result.records_replayed, total);
  result.last_sequence = chain.sequence();
  result.last_chain = chain.chain();
  return result;
}

}  // namespace dreichor::runtime
