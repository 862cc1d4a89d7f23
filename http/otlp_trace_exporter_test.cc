// OTLP/HTTP JSON export: the request's shape, batches reaching a real HTTP receiver on loopback,
// and every way a span can be lost counted instead of blocking anything.
#include "http/otlp_trace_exporter.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/reply.h"
#include "testing/test_ports.h"

namespace dreichor::http {
namespace {

using nlohmann::json;

FinishedSpan Span(int status, bool with_parent) {
  FinishedSpan s;
  s.context = *ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  if (with_parent) s.parent_span_id = std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8};
  s.name = "POST /v1/orders";
  s.method = "POST";
  s.path = "/v1/orders";
  s.status_code = status;
  s.start_unix_ns = 1'795'342'530'000'000'000;
  s.end_unix_ns = 1'795'342'530'000'250'000;
  return s;
}

// Keeps the bodies POSTed to it, answering `status`.
class Collector final : public Handler {
 public:
  explicit Collector(int status) : status_(status) {}
  void Handle(Request&& request, Respond respond) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(request.body());
      targets_.push_back(std::string(request.target()));
      types_.push_back(std::string(request[boost::beast::http::field::content_type]));
    }
    respond(JsonReply(status_, nlohmann::ordered_json::object()));
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  std::string type(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return types_.at(i);
  }

 private:
  const int status_;
  std::mutex mu_;
  std::vector<std::string> bodies_, targets_, types_;
};

class ExporterTest : public ::testing::Test {
 protected:
  void Serve(int status) {
    collector_ = std::make_unique<Collector>(status);
    ServerOptions o;
    o.address = "127.0.0.1";
    server_ = std::move(Server::Start(o, collector_.get())).value();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  OtlpExporterOptions Options() const {
    OtlpExporterOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : FreeLoopbackPort()) +
            "/v1/traces";
    o.service_name = "dreichor-runtime";
    o.env = "prod";
    o.interval = std::chrono::milliseconds(20);
    return o;
  }
  static bool WaitFor(const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done();
  }
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<Server> server_;
};

TEST(OtlpJsonTest, TheRequestFollowsTheOtlpJsonEncoding) {
  const json body =
      json::parse(OtlpTraceRequestJson({Span(200, true), Span(503, false)}, "svc", "dev"));
  const json& resource = body["resourceSpans"][0]["resource"];
  EXPECT_EQ(resource["attributes"][0],
            json({{"key", "service.name"}, {"value", {{"stringValue", "svc"}}}}));
  EXPECT_EQ(resource["attributes"][2]["value"]["stringValue"], "dev");
  const json& spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(spans[0]["spanId"], "00f067aa0ba902b7");
  EXPECT_EQ(spans[0]["parentSpanId"], "0102030405060708");
  EXPECT_FALSE(spans[1].contains("parentSpanId"));
  EXPECT_EQ(spans[0]["kind"], 2) << "SPAN_KIND_SERVER";
  EXPECT_EQ(spans[0]["startTimeUnixNano"], "1795342530000000000") << "64-bit as a string";
  EXPECT_EQ(spans[0]["endTimeUnixNano"], "1795342530000250000");
  EXPECT_EQ(spans[0]["status"]["code"], 0);
  EXPECT_EQ(spans[1]["status"]["code"], 2) << "a 5xx is an error";
  EXPECT_EQ(spans[0]["attributes"][2],
            json({{"key", "http.response.status_code"}, {"value", {{"intValue", "200"}}}}));
}

TEST_F(ExporterTest, SpansReachTheCollectorInBatches) {
  Serve(200);
  MetricsRegistry metrics;
  std::string rendered;
  {
    OtlpTraceExporter exporter(Options(), &metrics);
    for (int i = 0; i < 5; ++i) exporter.Export(Span(200, true));
    ASSERT_TRUE(WaitFor([&] { return exporter.exported() == 5; }));
    rendered = metrics.Render();  // the exporter's series are read from it: while it lives
  }
  size_t spans = 0;
  for (const std::string& b : collector_->bodies()) {
    spans += json::parse(b)["resourceSpans"][0]["scopeSpans"][0]["spans"].size();
  }
  EXPECT_EQ(spans, 5u);
  EXPECT_EQ(collector_->type(0), "application/json");
  EXPECT_NE(rendered.find("dreichor_trace_spans_exported_total 5\n"), std::string::npos);
}

TEST_F(ExporterTest, ARefusedBatchIsDroppedAndCounted) {
  Serve(503);
  MetricsRegistry metrics;
  OtlpTraceExporter exporter(Options(), &metrics);
  exporter.Export(Span(200, false));
  exporter.Export(Span(200, false));
  ASSERT_TRUE(WaitFor([&] { return exporter.dropped() == 2; }));
  EXPECT_EQ(exporter.exported(), 0u);
  EXPECT_NE(metrics.Render().find("dreichor_trace_spans_dropped_total{reason=\"export_failed\"} 2"),
            std::string::npos);
}

TEST_F(ExporterTest, AFullQueueDropsInsteadOfWaiting) {
  OtlpExporterOptions o = Options();  // nothing listens there
  o.max_queue = 3;
  o.interval = std::chrono::hours(1);
  o.timeout = std::chrono::milliseconds(200);
  MetricsRegistry metrics;
  OtlpTraceExporter exporter(o, &metrics);
  // Nothing is sent for an hour: the seven spans beyond the queue are dropped at once.
  for (int i = 0; i < 10; ++i) exporter.Export(Span(200, false));
  EXPECT_NE(metrics.Render().find("dreichor_trace_spans_dropped_total{reason=\"queue_full\"} 7"),
            std::string::npos)
      << metrics.Render();
}

TEST_F(ExporterTest, WhatIsQueuedIsSentWhenTheExporterStops) {
  Serve(200);
  OtlpExporterOptions o = Options();
  o.interval = std::chrono::hours(1);
  {
    OtlpTraceExporter exporter(o, nullptr);
    exporter.Export(Span(200, false));
  }
  EXPECT_EQ(collector_->bodies().size(), 1u);
}

TEST(SpanNameTest, NumbersInThePathBecomeAPlaceholder) {
  EXPECT_EQ(SpanName("GET", "/v1/markets/12/depth?levels=5"), "GET /v1/markets/{n}/depth");
  EXPECT_EQ(SpanName("POST", "/v1/orders"), "POST /v1/orders");
  EXPECT_EQ(SpanName("GET", "/v1/orders/123456789"), "GET /v1/orders/{n}");
  EXPECT_EQ(SpanName("GET", "/"), "GET /");
  EXPECT_EQ(SpanName("GET", "/v1/a1"), "GET /v1/a1");
}

}  // namespace
}  // namespace dreichor::http
