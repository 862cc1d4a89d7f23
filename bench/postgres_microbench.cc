// The two audit backends side by side (docs/benchmarks.md): durable append by batch size and
// replay from genesis, on the file backend and on a PostgreSQL server this benchmark starts
// (fsync and synchronous_commit on, as in production), in the same run.
#include <benchmark/benchmark.h>

#include <memory>

#include "audit/file_log.h"
#include "audit/postgres_log.h"
#include "runtime/replay.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"

namespace dreichor::bench {
namespace {

// A fresh database with the audit tables, on a server with fsync on.
std::string MigratedDatabase() {
  return testing::MigratedTestDatabase(DREICHOR_MIGRATIONS_DIR, {"audit"}, /*durable=*/true);
}

struct Backend {
  TempDir dir;
  std::unique_ptr<audit::AuditLog> log;
};

// Opens a fresh log of the backend named by `postgres`.
Status OpenBackend(bool postgres, Backend* b) {
  if (postgres) {
    const std::string url = MigratedDatabase();
    if (url.empty()) return Status::IoError("no PostgreSQL server");
    audit::PostgresLogOptions options;
    options.schema = "audit";
    auto log = audit::PostgresLog::Open(url, options);
    if (!log.ok()) return log.status();
    b->log = std::move(log).value();
    return Status::Ok();
  }
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), b->dir.path(), audit::FileLogOptions{}, &report);
  if (!log.ok()) return log.status();
  b->log = std::move(log).value();
  return Status::Ok();
}

// state.range(0): 0 file, 1 postgres; state.range(1): batch size.
void BM_BackendAppend(benchmark::State& state) {
  Backend b;
  if (Status s = OpenBackend(state.range(0) == 1, &b); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::vector<audit::PendingRecord> batch =
      runtime::RecordsForSequences(1000, static_cast<size_t>(state.range(1)));
  uint64_t next = 1;
  for (auto _ : state) {
    for (size_t i = 0; i < batch.size(); ++i) batch[i].sequence = next + i;
    if (Status s = b.log->Append(batch); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    next += batch.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(next - 1));
  state.SetLabel(state.range(0) == 1 ? "postgres" : "file");
}
BENCHMARK(BM_BackendAppend)
    ->ArgsProduct({{0, 1}, {1, 64, 1024}})
    ->ArgNames({"postgres", "batch"})
    ->UseRealTime();

// Replays 200,000 records from genesis through the engine.
void BM_BackendReplay(benchmark::State& state) {
  constexpr uint64_t kRecords = 200'000;
  Backend b;
  if (Status s = OpenBackend(state.range(0) == 1, &b); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  for (uint64_t s = 1; s <= kRecords; s += 4096) {
    const uint64_t n = std::min<uint64_t>(4096, kRecords - s + 1);
    if (!b.log->Append(runtime::RecordsForSequences(s, n)).ok()) {
      state.SkipWithError("could not build the log");
      return;
    }
  }
  for (auto _ : state) {
    auto replayed = runtime::Replay(*b.log, nullptr, runtime::ReplayOptions{});
    if (!replayed.ok() || replayed.value().last_sequence != kRecords) {
      state.SkipWithError("replay failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords));
  state.SetLabel(state.range(0) == 1 ? "postgres" : "file");
}
BENCHMARK(BM_BackendReplay)
    ->ArgsProduct({{0, 1}})
    ->ArgNames({"postgres"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dreichor::bench
