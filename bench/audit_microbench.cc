// Audit log benchmarks (docs/benchmarks.md): durable append throughput by batch size, with
// the hash chain and one fdatasync per batch, and replay throughput (read, checksum, chain
// check, decode and engine apply).
#include <benchmark/benchmark.h>

#include <memory>

#include "audit/file_log.h"
#include "evidence/notary.h"
#include "runtime/replay.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"
#include "util/clock.h"

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

// BM_DurableAppend plus what the sequencer does with a notary for every batch
// (docs/audit-proofs.md): chain and leaf hashes, the tree extended (its files written), the root,
// and an Ed25519-signed checkpoint. Its ratio to BM_DurableAppend at the same batch is the cost.
void BM_DurableAppendWithCheckpoints(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  TempDir dir;
  audit::RecoveryReport report;
  auto log =
      audit::FileLog::Open(Env::Default(), dir.Sub("audit"), audit::FileLogOptions{}, &report);
  evidence::TreeOpenReport opened;
  auto tree = evidence::TreeStore::Open(Env::Default(), dir.Sub("tree"), *log.value(), &opened);
  if (!log.ok() || !tree.ok()) {
    state.SkipWithError("cannot open the log or the tree");
    return;
  }
  evidence::NotaryOptions options;
  options.signer = evidence::NoteSigner::Generate("dreichor.bench/audit").value();
  options.checkpoint_file = dir.Sub("checkpoint");
  evidence::Notary notary(Env::Default(), std::move(tree).value(), log.value()->last_chain(),
                          std::move(options));
  std::vector<audit::PendingRecord> batch = runtime::RecordsForSequences(1000, batch_size);
  uint64_t next = 1;
  for (auto _ : state) {
    const int64_t now = Clock::Real()->NowUnixNanos();  // the checkpoint file: once a second
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].sequence = next + i;
      batch[i].timestamp_ns = now;
    }
    notary.Start(&batch);
    const Status s = log.value()->Append(batch);
    benchmark::DoNotOptimize(notary.Finish(s.ok()));
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    notary.Answered();
    next += batch.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(next - 1));
  (void)notary.Flush();
  state.counters["checkpoints_skipped"] =
      static_cast<double>(notary.stats().checkpoints_skipped.load());
}
BENCHMARK(BM_DurableAppendWithCheckpoints)->Arg(1)->Arg(16)->Arg(256)->Arg(4096)->UseRealTime();

// A tree of one million records, built once, for the proof benchmarks.
evidence::TreeStore& MillionLeafTree() {
  static TempDir dir;
  static std::unique_ptr<evidence::TreeStore> tree = [] {
    audit::RecoveryReport report;
    auto log =
        audit::FileLog::Open(Env::Default(), dir.Sub("audit"), audit::FileLogOptions{}, &report);
    for (uint64_t s = 1; s <= 1'000'000; s += 4096) {
      (void)log.value()->Append(
          runtime::RecordsForSequences(s, std::min<uint64_t>(4096, 1'000'000 - s + 1)));
    }
    evidence::TreeOpenReport opened;
    return std::move(
        evidence::TreeStore::Open(Env::Default(), dir.Sub("tree"), *log.value(), &opened).value());
  }();
  return *tree;
}

// Inclusion proofs of records spread over a 1M-record tree, at its full size (the route's work
// without HTTP): leaves of older blocks are read from the tree's file.
void BM_InclusionProof(benchmark::State& state) {
  evidence::TreeStore& tree = MillionLeafTree();
  uint64_t index = 12345;
  for (auto _ : state) {
    auto proof = tree.InclusionProof(index, 1'000'000);
    if (!proof.ok()) state.SkipWithError("no proof");
    benchmark::DoNotOptimize(proof);
    index = (index * 7919 + 104729) % 1'000'000;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_InclusionProof)->UseRealTime();

// Consistency proofs from earlier sizes to the whole 1M-record tree.
void BM_ConsistencyProof(benchmark::State& state) {
  evidence::TreeStore& tree = MillionLeafTree();
  uint64_t first = 777;
  for (auto _ : state) {
    auto proof = tree.ConsistencyProof(first, 1'000'000);
    if (!proof.ok()) state.SkipWithError("no proof");
    benchmark::DoNotOptimize(proof);
    first = 1 + (first * 7919 + 104729) % 999'999;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ConsistencyProof)->UseRealTime();

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
