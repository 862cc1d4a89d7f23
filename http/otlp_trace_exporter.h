// OtlpTraceExporter: sends the server spans of http/traced_handler.h to an OpenTelemetry
// collector over OTLP/HTTP with the JSON encoding (POST <url>, e.g.
// http://127.0.0.1:4318/v1/traces; infra/monitoring/otel/collector.yaml receives it). The
// OpenTelemetry C++ SDK is not in Debian 12's archive; OTLP's JSON encoding is a stable,
// documented protocol small enough to write here (docs/slo.md, Traces).
//
// Export never blocks a request: spans wait in a bounded queue, a background thread sends them in
// batches (every `interval`, or as soon as a batch is full), and a span that finds the queue full,
// or whose batch the collector refuses or does not answer within `timeout`, is dropped and
// counted. Metrics: dreichor_trace_spans_exported_total and
// dreichor_trace_spans_dropped_total{reason="queue_full"|"export_failed"}.
//
//   OtlpTraceExporter exporter({.url = url, .service_name = "dreichor-runtime", .env = "prod"},
//                              &registry);
//   TracedHandler traced(&handler, RandomSource::System(), &exporter);
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/traced_handler.h"

namespace dreichor::http {

struct OtlpExporterOptions {
  std::string url;
  std::string service_name;  // the resource's service.name
  std::string env;           // the resource's deployment.environment
  size_t max_queue = 2048;
  size_t max_batch = 512;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{2000};
};

class OtlpTraceExporter final : public SpanSink {
 public:
  // `metrics` may be null; its series read this exporter, so it must not be rendered after the
  // exporter is gone (stop the server first).
  OtlpTraceExporter(OtlpExporterOptions options, MetricsRegistry* metrics);
  // Sends what is still queued (one try), then stops.
  ~OtlpTraceExporter() override;

  void Export(FinishedSpan span) override;

  uint64_t exported() const { return exported_.load(); }
  uint64_t dropped() const { return dropped_queue_full_.load() + dropped_export_failed_.load(); }

 private:
  void Run();
  void Send(std::vector<FinishedSpan> batch);

  const OtlpExporterOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<FinishedSpan> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;           // GUARDED_BY(mu_)
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> dropped_queue_full_{0};
  std::atomic<uint64_t> dropped_export_failed_{0};
  std::thread thread_;
};

// The body of one OTLP/HTTP JSON export request holding `spans`.
std::string OtlpTraceRequestJson(const std::vector<FinishedSpan>& spans,
                                 const std::string& service_name, const std::string& env);

}  // namespace dreichor::http
