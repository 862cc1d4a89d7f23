// dreichor-audit-bench: builds an audit log of N records (default 10 million) of engine commands
// with a snapshot shortly before its end, then measures what starting the runtime costs:
//   - open (lock, check every segment's header and footer, read the active segment) and replay
//     from the newest snapshot;
//   - open and replay from genesis.
// It also reports the durable append throughput reached while building (batches of 4096), and
// what the audit log's Merkle tree adds to a start (docs/audit-proofs.md): built from the log
// when its derived files are absent (the first start of a build that keeps it), and opened from
// them when they are present (every later start).
//
//   dreichor-audit-bench [--records N] [--dir DIR]   (DIR defaults to a temporary directory)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>

#include "audit/file_log.h"
#include "evidence/tree_store.h"
#include "runtime/replay.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"

namespace dreichor::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double DirectoryGigabytes(const std::string& dir) {
  double bytes = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += static_cast<double>(e.file_size());
  }
  return bytes / 1e9;
}

// The chain hash the log stores for record `sequence`.
audit::Digest ChainAt(audit::AuditLog& log, uint64_t sequence) {
  auto reader = log.ReadFrom(sequence);
  audit::Record r;
  if (!reader.ok() || !reader.value()->Next(&r).ok()) std::abort();
  return r.chain;
}

int MeasureTree(const std::string& audit_dir, const std::string& tree_dir) {
  audit::FileLogOptions options;
  options.read_only = true;
  audit::RecoveryReport recovery;
  auto log = audit::FileLog::Open(Env::Default(), audit_dir, options, &recovery);
  if (!log.ok()) return 1;
  std::filesystem::remove_all(tree_dir);
  for (const char* files : {"absent", "present"}) {
    const auto t0 = Clock::now();
    evidence::TreeOpenReport report;
    auto tree = evidence::TreeStore::Open(Env::Default(), tree_dir, *log.value(), &report);
    if (!tree.ok()) {
      std::fprintf(stderr, "%s\n", tree.status().ToString().c_str());
      return 1;
    }
    std::printf("audit tree, derived files %s: %.3f s (%llu leaves loaded, %llu from the log)\n",
                files, Seconds(t0), static_cast<unsigned long long>(report.loaded),
                static_cast<unsigned long long>(report.extended));
    // A clean shutdown, as the runtime's: the next start checks the tree against EDGE.
    if (Status s = tree.value()->Close(log.value()->last_chain()); !s.ok()) return 1;
  }
  return 0;
}

// The runtime's replay phase with the file backend: the replay from the snapshot, and the audit
// tree (its files present) opened beside it on another thread.
int StartupWithTree(const std::string& audit_dir, const std::string& snap_dir) {
  const auto t0 = Clock::now();
  audit::RecoveryReport recovery;
  auto log = audit::FileLog::Open(Env::Default(), audit_dir, audit::FileLogOptions{}, &recovery);
  if (!log.ok()) return 1;
  snapshot::SnapshotStore store(Env::Default(), snap_dir, snapshot::SnapshotOptions{});
  evidence::TreeOpenReport report;
  auto tree = std::async(std::launch::async, [&] {
    return evidence::TreeStore::Open(Env::Default(), snap_dir + "/audit-tree", *log.value(),
                                     &report);
  });
  auto result = runtime::Replay(*log.value(), &store, runtime::ReplayOptions{});
  auto opened = tree.get();
  if (!result.ok() || !opened.ok()) return 1;
  std::printf("startup from the snapshot, the audit tree opened beside the replay: %.3f s\n",
              Seconds(t0));
  return 0;
}

int Main(int argc, char** argv) {
  uint64_t records = 10'000'000;
  std::string dir_arg;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records")) records = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--dir")) dir_arg = argv[i + 1];
  }
  TempDir temp;
  const std::string dir = dir_arg.empty() ? temp.path() : dir_arg;
  const std::string audit_dir = dir + "/audit-events", snap_dir = dir + "/snapshots";
  const uint64_t snapshot_at = records > 1000 ? records - 1000 : records;

  // Build: append in batches of 4096 while applying to an engine, snapshot near the end.
  double append_seconds = 0;
  {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), audit_dir, audit::FileLogOptions{}, &report);
    if (!log.ok()) {
      std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
      return 1;
    }
    engine::Engine engine;
    snapshot::SnapshotStore store(Env::Default(), snap_dir, snapshot::SnapshotOptions{});
    for (uint64_t s = 1; s <= records; s += 4096) {
      const uint64_t n = std::min<uint64_t>(4096, records - s + 1);
      auto batch = runtime::RecordsForSequences(s, n);
      const auto t0 = Clock::now();
      if (Status st = log.value()->Append(batch); !st.ok()) {
        std::fprintf(stderr, "%s\n", st.ToString().c_str());
        return 1;
      }
      append_seconds += Seconds(t0);
      for (uint64_t k = s; k < s + n; ++k) {
        (void)engine.Apply(runtime::CommandForSequence(k), runtime::TimestampForSequence(k));
        if (k == snapshot_at) {
          snapshot::SnapshotMeta meta{k, ChainAt(*log.value(), k), engine.StateHash(), 0};
          if (Status st = store.Write(meta, engine.SerializeToString()); !st.ok()) {
            std::fprintf(stderr, "%s\n", st.ToString().c_str());
            return 1;
          }
        }
      }
    }
    std::printf("log: %llu records, %.2f GB; durable append at batch 4096: %.2f M records/s\n",
                static_cast<unsigned long long>(records), DirectoryGigabytes(audit_dir),
                static_cast<double>(records) / append_seconds / 1e6);
  }

  for (bool with_snapshot : {true, false}) {
    const auto t0 = Clock::now();
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), audit_dir, audit::FileLogOptions{}, &report);
    const double open_seconds = Seconds(t0);
    snapshot::SnapshotStore store(Env::Default(), snap_dir, snapshot::SnapshotOptions{});
    auto result =
        runtime::Replay(*log.value(), with_snapshot ? &store : nullptr, runtime::ReplayOptions{});
    const double total = Seconds(t0);
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
      return 1;
    }
    const double replay_seconds = total - open_seconds;
    if (with_snapshot) {
      std::printf(
          "startup from the snapshot at %llu: %.3f s (open %.3f s; load the snapshot and "
          "replay %llu records %.3f s)\n",
          static_cast<unsigned long long>(result.value().snapshot_sequence), total, open_seconds,
          static_cast<unsigned long long>(result.value().records_replayed), replay_seconds);
    } else {
      std::printf("startup from genesis: %.3f s (open %.3f s; replay %llu records at %.2f M/s)\n",
                  total, open_seconds,
                  static_cast<unsigned long long>(result.value().records_replayed),
                  static_cast<double>(result.value().records_replayed) / replay_seconds / 1e6);
    }
  }
  if (int rc = MeasureTree(audit_dir, snap_dir + "/audit-tree"); rc != 0) return rc;
  return StartupWithTree(audit_dir, snap_dir);
}

}  // namespace
}  // namespace dreichor::bench

int main(int argc, char** argv) { return dreichor::bench::Main(argc, argv); }
