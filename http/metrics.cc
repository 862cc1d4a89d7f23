#include "http/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace dreichor::http {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    throw std::invalid_argument("histogram bounds must ascend");
  }
}

void Histogram::Observe(double v) {
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // Counted from the buckets so that +Inf and _count always agree within one scrape.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, size_t count) {
  std::vector<double> out;
  double v = start;
  for (size_t i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

namespace {

const char* KindName(int kind) {
  static const char* const kNames[] = {"counter", "gauge", "histogram"};
  return kNames[kind];
}

std::string FormatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatLabels(const Labels& labels, const std::string& le = "") {
  if (labels.empty() && le.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out.push_back(',');
    out.append(k).append("=\"").append(EscapeLabelValue(v)).append("\"");
  }
  if (!le.empty()) {
    if (out.size() > 1) out.push_back(',');
    out.append("le=\"").append(le).append("\"");
  }
  out.push_back('}');
  return out;
}

}  // namespace

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& help, Kind kind) {
  for (Family& f : families_) {
    if (f.name == name) {
      if (f.kind != kind) throw std::invalid_argument("metric " + name + " registered twice");
      return f;
    }
  }
  families_.push_back(Family{name, help, kind, {}});
  return families_.back();
}

Counter* MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                     Labels labels) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.labels = std::move(labels);
  series.counter = &counters_.emplace_back();
  FamilyFor(name, help, Kind::kCounter).series.push_back(series);
  return series.counter;
}

Gauge* MetricsRegistry::AddGauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.labels = std::move(labels);
  series.gauge = &gauges_.emplace_back();
  FamilyFor(name, help, Kind::kGauge).series.push_back(series);
  return series.gauge;
}

void MetricsRegistry::AddGaugeFunction(const std::string& name, const std::string& help,
                                       std::function<double()> value, Labels labels) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.labels = std::move(labels);
  series.value_function = std::move(value);
  FamilyFor(name, help, Kind::kGauge).series.push_back(std::move(series));
}

void MetricsRegistry::AddCounterFunction(const std::string& name, const std::string& help,
                                         std::function<double()> value, Labels labels) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.labels = std::move(labels);
  series.value_function = std::move(value);
  FamilyFor(name, help, Kind::kCounter).series.push_back(std::move(series));
}

void MetricsRegistry::AddGaugeFamily(const std::string& name, const std::string& help,
                                     SamplesFunction samples) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.samples = std::move(samples);
  FamilyFor(name, help, Kind::kGauge).series.push_back(std::move(series));
}

void MetricsRegistry::AddCounterFamily(const std::string& name, const std::string& help,
                                       SamplesFunction samples) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.samples = std::move(samples);
  FamilyFor(name, help, Kind::kCounter).series.push_back(std::move(series));
}

Histogram* MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                         std::vector<double> bounds, Labels labels) {
  std::lock_guard<std::mutex> guard(mu_);
  Series series;
  series.labels = std::move(labels);
  series.histogram = &histograms_.emplace_back(std::move(bounds));
  FamilyFor(name, help, Kind::kHistogram).series.push_back(series);
  return series.histogram;
}

std::string MetricsRegistry::Render() const {
  std::lock_guard<std::mutex> guard(mu_);
  std::string out;
  for (const Family& f : families_) {
    out.append("# HELP ").append(f.name).append(" ").append(f.help).append("\n");
    out.append("# TYPE ").append(f.name).append(" ").append(KindName(static_cast<int>(f.kind)));
    out.append("\n");
    for (const Series& s : f.series) {
      if (s.counter != nullptr) {
        out.append(f.name).append(FormatLabels(s.labels)).append(" ");
        out.append(std::to_string(s.counter->value())).append("\n");
      } else if (s.samples) {
        for (const Sample& sample : s.samples()) {
          out.append(f.name).append(FormatLabels(sample.labels)).append(" ");
          out.append(FormatNumber(sample.value)).append("\n");
        }
      } else if (s.gauge != nullptr || s.value_function) {
        const double v = s.gauge != nullptr ? s.gauge->value() : s.value_function();
        out.append(f.name).append(FormatLabels(s.labels)).append(" ");
        out.append(FormatNumber(v)).append("\n");
      } else {
        const Histogram::Snapshot snap = s.histogram->Take();
        const auto& bounds = s.histogram->bounds();
        for (size_t i = 0; i <= bounds.size(); ++i) {
          const std::string le = i < bounds.size() ? FormatNumber(bounds[i]) : "+Inf";
          out.append(f.name).append("_bucket").append(FormatLabels(s.labels, le)).append(" ");
          out.append(std::to_string(snap.cumulative[i])).append("\n");
        }
        out.append(f.name).append("_sum").append(FormatLabels(s.labels)).append(" ");
        out.append(FormatNumber(snap.sum)).append("\n");
        out.append(f.name).append("_count").append(FormatLabels(s.labels)).append(" ");
        out.append(std::to_string(snap.count)).append("\n");
      }
    }
  }
  return out;
}

}  // namespace dreichor::http
