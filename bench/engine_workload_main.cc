// dreichor-engine-bench: the standalone engine benchmark (docs/benchmarks.md).
//
// Generates the seeded workload, then measures on fresh engines:
//   throughput  commands per second over the whole timed stream, several runs, median reported;
//   latency     per-command latency percentiles by command kind (rdtsc around each Apply);
//   memory      resident memory growth for N resting orders.
// Every run's final state hash is printed; they must all be equal (determinism).
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "bench/workload.h"
#include "engine/engine.h"

namespace dreichor::bench {
namespace {

using namespace dreichor::engine;
using Clock = std::chrono::steady_clock;

struct Options {
  WorkloadParams workload;
  int runs = 5;
  size_t memory_orders = 1'000'000;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto next = [&](const char* name) -> uint64_t {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", name);
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (!std::strcmp(argv[i], "--commands")) {
      o.workload.commands = next("--commands");
    } else if (!std::strcmp(argv[i], "--runs")) {
      o.runs = static_cast<int>(next("--runs"));
    } else if (!std::strcmp(argv[i], "--seed")) {
      o.workload.seed = next("--seed");
    } else if (!std::strcmp(argv[i], "--memory-orders")) {
      o.memory_orders = next("--memory-orders");
    } else {
      std::fprintf(stderr, "usage: %s [--commands N] [--runs R] [--seed S] [--memory-orders M]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  return o;
}

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total = 0, resident = 0;
  statm >> total >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::unique_ptr<Engine> AfterSetup(const Workload& w) {
  auto e = std::make_unique<Engine>();
  for (size_t i = 0; i < w.setup.size(); ++i) (void)e->Apply(w.setup[i], w.stamps[i]);
  return e;
}

double ThroughputRun(const Workload& w, std::string* hash) {
  auto e = AfterSetup(w);
  const TimestampNs* stamps = w.stamps.data() + w.setup.size();
  size_t accepted = 0;
  const auto start = Clock::now();
  for (size_t i = 0; i < w.commands.size(); ++i) {
    accepted += e->Apply(w.commands[i], stamps[i]).accepted;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  *hash = ToHex(e->StateHash());
  if (accepted == 0) std::fprintf(stderr, "warning: nothing was accepted\n");
  return static_cast<double>(w.commands.size()) / seconds;
}

double Percentile(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]);
}

void LatencyRun(const Workload& w) {
  auto e = AfterSetup(w);
  const TimestampNs* stamps = w.stamps.data() + w.setup.size();
  std::vector<uint64_t> cycles(w.commands.size());
  const auto wall_start = Clock::now();
  const uint64_t tsc_start = __rdtsc();
  for (size_t i = 0; i < w.commands.size(); ++i) {
    _mm_lfence();
    const uint64_t t0 = __rdtsc();
    (void)e->Apply(w.commands[i], stamps[i]);
    _mm_lfence();
    cycles[i] = __rdtsc() - t0;
  }
  const double ns_per_cycle =
      std::chrono::duration<double, std::nano>(Clock::now() - wall_start).count() /
      static_cast<double>(__rdtsc() - tsc_start);

  std::map<WorkloadKind, std::vector<uint64_t>> by_kind;
  for (size_t i = 0; i < cycles.size(); ++i) by_kind[w.kinds[i]].push_back(cycles[i]);
  by_kind[WorkloadKind::kSetup] = cycles;  // reported as "all"
  std::printf("\nlatency (ns, rdtsc around each Apply, includes ~10 ns of measurement)\n");
  std::printf("%-8s %10s %8s %8s %8s %8s %8s\n", "kind", "count", "p50", "p99", "p99.9", "p99.99",
              "max");
  for (auto& [kind, v] : by_kind) {
    const char* name = kind == WorkloadKind::kSetup ? "all" : WorkloadKindName(kind);
    std::printf("%-8s %10zu %8.0f %8.0f %8.0f %8.0f %8.0f\n", name, v.size(),
                Percentile(v, 50) * ns_per_cycle, Percentile(v, 99) * ns_per_cycle,
                Percentile(v, 99.9) * ns_per_cycle, Percentile(v, 99.99) * ns_per_cycle,
                static_cast<double>(*std::max_element(v.begin(), v.end())) * ns_per_cycle);
  }
}

void MemoryRun(size_t orders) {
  const size_t before = ResidentBytes();
  {
    Engine e;
    TimestampNs t = 1;
    (void)e.Apply(CreateMarket{1, "BTC-USD", "BTC", "USD", 1, 1, 1, 1'000'000, 10, 20}, t++);
    constexpr AccountId kAccounts = 1500;
    for (AccountId a = 1; a <= kAccounts; ++a) {
      (void)e.Apply(Deposit{a, "USD", 4'000'000'000'000'000}, t++);
      (void)e.Apply(Deposit{a, "BTC", 4'000'000'000'000}, t++);
    }
    // Bids below 1,000,000 and asks above, spread over 100,000 levels per side.
    for (size_t i = 0; i < orders; ++i) {
      const bool buy = i % 2 == 0;
      const Price offset = 1 + static_cast<Price>((i * 7919) % 100'000);
      PlaceOrder p{1 + i % kAccounts,
                   1,
                   0,
                   buy ? Side::kBuy : Side::kSell,
                   OrderKind::kLimit,
                   buy ? 1'000'000 - offset : 1'000'000 + offset,
                   10,
                   0};
      (void)e.Apply(p, t++);
    }
    const size_t after = ResidentBytes();
    std::printf(
        "\nmemory: %zu resting orders over %zu levels: %.1f MiB resident growth, %.0f "
        "bytes per order\n",
        e.open_order_count(),
        e.GetDepth(1, SIZE_MAX)->bids.size() + e.GetDepth(1, SIZE_MAX)->asks.size(),
        static_cast<double>(after - before) / (1 << 20),
        static_cast<double>(after - before) / static_cast<double>(orders));
  }
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  auto gen_start = Clock::now();
  const Workload w = GenerateWorkload(o.workload);
  std::map<WorkloadKind, size_t> mix;
  for (WorkloadKind k : w.kinds) ++mix[k];
  std::printf("workload: seed %llu, %zu accounts, %zu timed commands (generated in %.1f s)\n",
              static_cast<unsigned long long>(o.workload.seed),
              static_cast<size_t>(o.workload.accounts), w.commands.size(),
              std::chrono::duration<double>(Clock::now() - gen_start).count());
  std::printf("  book after setup: %zu resting orders over %zu levels; at end: %zu resting\n",
              w.resting_after_setup, w.levels_after_setup, w.resting_at_end);
  std::printf("  mix:");
  for (auto& [k, n] : mix) {
    std::printf(" %s %.1f%%", WorkloadKindName(k),
                100.0 * static_cast<double>(n) / static_cast<double>(w.commands.size()));
  }
  std::printf("; trades during generation %zu\n", w.trades);

  std::vector<double> rates;
  std::string first_hash;
  for (int r = 0; r < o.runs; ++r) {
    std::string hash;
    rates.push_back(ThroughputRun(w, &hash));
    std::printf("run %d: %.2f M commands/s, state %s\n", r + 1, rates.back() / 1e6,
                hash.substr(0, 16).c_str());
    if (r == 0) first_hash = hash;
    if (hash != first_hash) {
      std::fprintf(stderr, "state hashes differ between runs: determinism is broken\n");
      return 1;
    }
  }
  std::sort(rates.begin(), rates.end());
  std::printf("throughput: median %.2f M commands/s (min %.2f, max %.2f) over %d runs\n",
              rates[rates.size() / 2] / 1e6, rates.front() / 1e6, rates.back() / 1e6, o.runs);
  LatencyRun(w);
  if (o.memory_orders > 0) MemoryRun(o.memory_orders);
  return 0;
}

}  // namespace
}  // namespace dreichor::bench

int main(int argc, char** argv) { return dreichor::bench::Main(argc, argv); }
