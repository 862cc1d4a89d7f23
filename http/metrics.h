// Metrics: counters, gauges and histograms, rendered in the Prometheus text exposition format
// (version 0.0.4). Updating a metric is lock-free (atomics), so the command path can record
// without contention; rendering takes a consistent-enough snapshot for scraping.
//
// Metrics are registered once, at startup, and live as long as the registry. Series of one
// family share name, help and type and differ by their labels.
//
//   MetricsRegistry m;
//   Counter* orders = m.AddCounter("dreichor_commands_total", "Commands...", {{"type",
//   "place_order"}}); orders->Add(); std::string text = m.Render();
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace dreichor::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Buckets are upper bounds (inclusive), ascending; +Inf is implicit.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Take() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Bounds growing by `factor` from `start`, `count` of them.
std::vector<double> ExponentialBuckets(double start, double factor, size_t count);

// One series of a family computed when scraped (MetricsRegistry::AddGaugeFamily).
struct Sample {
  Labels labels;
  double value = 0;
};
using SamplesFunction = std::function<std::vector<Sample>()>;

class MetricsRegistry {
 public:
  Counter* AddCounter(const std::string& name, const std::string& help, Labels labels = {});
  Gauge* AddGauge(const std::string& name, const std::string& help, Labels labels = {});
  // A gauge whose value is computed when scraped.
  void AddGaugeFunction(const std::string& name, const std::string& help,
                        std::function<double()> value, Labels labels = {});
  // A counter kept elsewhere, read when scraped; `value` must never decrease.
  void AddCounterFunction(const std::string& name, const std::string& help,
                          std::function<double()> value, Labels labels = {});
  // Families whose series are only known when scraped (one per market, say): `samples` returns
  // them all. A counter family's values must never decrease.
  void AddGaugeFamily(const std::string& name, const std::string& help, SamplesFunction samples);
  void AddCounterFamily(const std::string& name, const std::string& help, SamplesFunction samples);
  Histogram* AddHistogram(const std::string& name, const std::string& help,
                          std::vector<double> bounds, Labels labels = {});

  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    Counter* counter = nullptr;
    Gauge* gauge = nullptr;
    std::function<double()> value_function;  // a gauge or counter read when scraped
    SamplesFunction samples;                 // a whole family read when scraped
    Histogram* histogram = nullptr;
  };
  struct Family {
    std::string name;
    std::string help;
    Kind kind;
    std::vector<Series> series;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, Kind kind);

  mutable std::mutex mu_;        // guards the structure (registration vs rendering)
  std::deque<Family> families_;  // in registration order
  std::deque<Counter> counters_;
  std::deque<Gauge> gauges_;
  std::deque<Histogram> histograms_;
};

}  // namespace dreichor::http
