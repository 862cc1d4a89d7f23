// Audit log benchmarks (docs/benchmarks.md): durable append throughput by batch size, with
// the hash chain and one fdatasync per batch, and replay throughput (read, checksum, chain
// check, decode and engine apply).
#include <benchmark/benchmark.h>

#include <memory>

#include "audit/file_log.h"
#include "runtime/replay.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"

namespace dreichor::bench {
namespace {

// Appends batches of state.range(0) engine commands; every Append ends with an fdatasync.
void BM_DurableAppend(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  TempDir dir;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), dir.path(), audit::FileLogOptions{}, &report);
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  // Realistic records (place, cancel, amend commands), generated once; only the sequence
  // numbers change between batches.
  std::vector<audit::PendingRecord> batch = runtime::RecordsForSequences(1000, batch_size);
  uint64_t next = 1;
  for (auto _ : state) {
    for (size_t i = 0; i < batch.size(); ++i) batch[i].sequence = next + i;
    if (Status s = log.value()->Append(batch); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    next += batch.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(next - 1));
  state.counters["fsyncs_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DurableAppend)->Arg(1)->Arg(16)->Arg(256)->Arg(4096)->UseRealTime();

// Replays a one-million-record log from genesis: read, checksum, chain check, decode, apply.
void BM_ReplayFromGenesis(benchmark::State& state) {
  constexpr uint64_t kRecords = 1'000'000;
  TempDir dir;
  {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir.path(), audit::FileLogOptions{}, &report);
    for (uint64_t s = 1; s <= kRecords; s += 4096) {
      const uint64_t n = std::min<uint64_t>(4096, kRecords - s + 1);
      if (!log.value()->Append(runtime::RecordsForSequences(s, n)).ok()) {
        state.SkipWithError("could not build the log");
        return;
      }
    }
  }
  for (auto _ : state) {
    state.PauseTiming();  // opening is startup's cost (dreichor-audit-bench), not replay's
    audit::FileLogOptions options;
    options.read_only = true;
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir.path(), options, &report);
    state.ResumeTiming();
    auto result = runtime::Replay(*log.value(), nullptr, runtime::ReplayOptions{});
    if (!result.ok() || result.value().records_replayed != kRecords) {
      state.SkipWithError("replay failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords));
}
BENCHMARK(BM_ReplayFromGenesis)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace dreichor::bench
