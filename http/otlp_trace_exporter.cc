#include "http/otlp_trace_exporter.h"

#include <nlohmann/json.hpp>

#include "http/curl_client.h"
#include "util/json_text.h"
#include "util/sha256.h"

namespace dreichor::http {

namespace {

using nlohmann::ordered_json;

ordered_json StringAttribute(const char* key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

// OTLP's JSON encoding: ids as lowercase hex, 64-bit integers as decimal strings, enums as
// numbers (SPAN_KIND_SERVER = 2; STATUS_CODE_UNSET = 0, STATUS_CODE_ERROR = 2).
ordered_json SpanJson(const FinishedSpan& s) {
  ordered_json span;
  span["traceId"] = TraceIdHex(s.context);
  span["spanId"] = SpanIdHex(s.context);
  if (s.parent_span_id) span["parentSpanId"] = ToHex(s.parent_span_id->data(), 8);
  span["flags"] = s.context.flags;
  span["name"] = s.name;
  span["kind"] = 2;
  span["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
  span["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
  span["attributes"] =
      ordered_json::array({StringAttribute("http.request.method", s.method),
                           StringAttribute("url.path", s.path),
                           {{"key", "http.response.status_code"},
                            {"value", {{"intValue", std::to_string(s.status_code)}}}}});
  span["status"] = {{"code", s.status_code >= 500 ? 2 : 0}};
  return span;
}

}  // namespace

std::string OtlpTraceRequestJson(const std::vector<FinishedSpan>& spans,
                                 const std::string& service_name, const std::string& env) {
  ordered_json list = ordered_json::array();
  for (const FinishedSpan& s : spans) list.push_back(SpanJson(s));
  ordered_json resource = {
      {"attributes", ordered_json::array({StringAttribute("service.name", service_name),
                                          StringAttribute("service.namespace", "dreichor"),
                                          StringAttribute("deployment.environment", env)})}};
  ordered_json body = {
      {"resourceSpans",
       ordered_json::array({{{"resource", resource},
                             {"scopeSpans", ordered_json::array({{{"scope", {{"name", "dreichor"}}},
                                                                  {"spans", list}}})}}})}};
  return JsonText(body);
}

OtlpTraceExporter::OtlpTraceExporter(OtlpExporterOptions options, MetricsRegistry* metrics)
    : options_(std::move(options)) {
  if (metrics != nullptr) {
    metrics->AddCounterFunction("dreichor_trace_spans_exported_total",
                                "Spans the trace collector accepted.",
                                [this] { return static_cast<double>(exported_.load()); });
    metrics->AddCounterFunction("dreichor_trace_spans_dropped_total", "Spans dropped, by reason.",
                                [this] { return static_cast<double>(dropped_queue_full_.load()); },
                                {{"reason", "queue_full"}});
    metrics->AddCounterFunction(
        "dreichor_trace_spans_dropped_total", "Spans dropped, by reason.",
        [this] { return static_cast<double>(dropped_export_failed_.load()); },
        {{"reason", "export_failed"}});
  }
  thread_ = std::thread([this] { Run(); });
}

OtlpTraceExporter::~OtlpTraceExporter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void OtlpTraceExporter::Export(FinishedSpan span) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      dropped_queue_full_.fetch_add(1);
      return;
    }
    queue_.push_back(std::move(span));
    if (queue_.size() < options_.max_batch) return;
  }
  wake_.notify_one();
}

void OtlpTraceExporter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait_for(lock, options_.interval,
                   [this] { return stopping_ || queue_.size() >= options_.max_batch; });
    while (!queue_.empty()) {
      const size_t n = std::min(queue_.size(), options_.max_batch);
      std::vector<FinishedSpan> batch(std::make_move_iterator(queue_.begin()),
                                      std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      lock.unlock();
      Send(std::move(batch));
      lock.lock();
      if (!stopping_ && queue_.size() < options_.max_batch) break;
    }
    if (stopping_ && queue_.empty()) return;
  }
}

void OtlpTraceExporter::Send(std::vector<FinishedSpan> batch) {
  HttpCall call;
  call.method = "POST";
  call.url = options_.url;
  call.body = OtlpTraceRequestJson(batch, options_.service_name, options_.env);
  call.timeout = options_.timeout;
  call.max_reply_bytes = 64 << 10;
  auto reply = CurlPerform(call);
  if (reply.ok() && reply.value().status >= 200 && reply.value().status < 300) {
    exported_.fetch_add(batch.size());
  } else {
    dropped_export_failed_.fetch_add(batch.size());
  }
}

}  // namespace dreichor::http
