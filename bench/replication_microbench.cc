// What a standby costs the PostgreSQL log (infra/db/REPLICATION.md, docs/benchmarks.md): durable
// append throughput at batch 1024 and the latency of one command's append (batch 1: a command
// alone in its group commit), with no standby, an asynchronous one and a synchronous one, in one
// run. Each mode has its own primary (fsync on), its standby made by pg_basebackup, on loopback.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "audit/postgres_log.h"
#include "testing/commands.h"
#include "testing/test_database.h"
#include "testing/test_replication.h"

namespace dreichor::bench {
namespace {

struct Setup {
  std::unique_ptr<TestReplicatedPostgres> servers;
  std::string url;
  int logs = 0;
};

// The servers of `mode`, started once per run; a fresh schema for each log.
Result<std::unique_ptr<audit::PostgresLog>> FreshLog(ReplicationMode mode) {
  static std::map<ReplicationMode, Setup> setups;
  Setup& s = setups[mode];
  if (s.servers == nullptr) {
    auto servers = TestReplicatedPostgres::Start(mode);
    if (!servers.ok()) return servers.status();
    s.servers = std::move(servers).value();
    auto env = testing::ProvisionTestEnvironment(s.servers->primary(), "bench",
                                                 DREICHOR_SOURCE_DIR "/infra/db");
    if (!env.ok()) return env.status();
    s.url = env.value().admin_url;
    static std::vector<testing::TestEnvironment> kept;
    kept.push_back(env.value());
  }
  const std::string schema = "log" + std::to_string(++s.logs);
  testing::TestEnvironment env;
  env.admin_url = s.url;
  env.migrator_url = s.url;
  if (Status m = testing::MigrateTestEnvironment(env, DREICHOR_SOURCE_DIR "/infra/db/migrations",
                                                 {schema});
      !m.ok()) {
    return m;
  }
  audit::PostgresLogOptions options;
  options.schema = schema;
  return audit::PostgresLog::Open(s.url, options);
}

const char* Name(ReplicationMode mode) {
  switch (mode) {
    case ReplicationMode::kNone:
      return "no standby";
    case ReplicationMode::kAsynchronous:
      return "asynchronous standby";
    case ReplicationMode::kSynchronous:
      return "synchronous standby";
  }
  return "?";
}

// state.range(0): ReplicationMode; state.range(1): batch size. With batch 1, p50 and p99 of one
// append are counters.
void BM_ReplicatedAppend(benchmark::State& state) {
  const auto mode = static_cast<ReplicationMode>(state.range(0));
  auto log = FreshLog(mode);
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  std::vector<audit::PendingRecord> batch =
      runtime::RecordsForSequences(1000, static_cast<size_t>(state.range(1)));
  uint64_t next = 1;
  std::vector<double> micros;
  for (auto _ : state) {
    for (size_t i = 0; i < batch.size(); ++i) batch[i].sequence = next + i;
    const auto start = std::chrono::steady_clock::now();
    if (Status s = log.value()->Append(batch); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    next += batch.size();
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.SetItemsProcessed(static_cast<int64_t>(next - 1));
  state.SetLabel(Name(mode));
}
BENCHMARK(BM_ReplicatedAppend)
    ->ArgsProduct({{static_cast<int>(ReplicationMode::kNone),
                    static_cast<int>(ReplicationMode::kAsynchronous),
                    static_cast<int>(ReplicationMode::kSynchronous)},
                   {1, 1024}})
    ->ArgNames({"mode", "batch"})
    ->MinTime(2.0)
    ->UseRealTime();

}  // namespace
}  // namespace dreichor::bench
