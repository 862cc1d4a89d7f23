// TracedHandler: W3C trace context at a service's HTTP entry (util/trace_context.h).
//
// A request's valid `traceparent` makes this request a new span of that trace; an absent or
// invalid one starts a new trace. The request is handed on with its `traceparent` replaced by
// this span's (so a handler that works on, on another thread, can take the trace along), the
// inner handler runs with this span as the thread's trace (its log lines carry the ids), and the
// answer, from whatever thread, carries this span's `traceparent` header back to the caller.
//
//   TracedHandler traced(&api_handler, RandomSource::System());
//   Server::Start(options, &traced);
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "http/server.h"
#include "util/clock.h"
#include "util/random.h"
#include "util/trace_context.h"

namespace dreichor::http {

inline constexpr char kTraceparentHeader[] = "traceparent";

// A request's server span, once its answer is built.
struct FinishedSpan {
  TraceContext context;
  std::optional<std::array<uint8_t, 8>> parent_span_id;  // the caller's span, when continued
  std::string name;  // "POST /v1/orders", numbers in the path as {n}: "GET /v1/orders/{n}"
  std::string method;
  std::string path;  // without the query
  int status_code = 0;
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
};

// Receives finished spans (http/otlp_trace_exporter.h). Export is called on I/O threads: it must
// be quick and thread-safe.
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void Export(FinishedSpan span) = 0;
};

// "GET /v1/markets/12/depth?levels=5" -> "GET /v1/markets/{n}/depth": a span name of few values.
std::string SpanName(std::string_view method, std::string_view target);

class TracedHandler final : public Handler {
 public:
  // With `sink`, every request's span is handed to it when the answer is built, timed by `clock`.
  TracedHandler(Handler* inner, RandomSource* random, SpanSink* sink = nullptr,
                Clock* clock = Clock::Real())
      : inner_(inner), random_(random), sink_(sink), clock_(clock) {}
  void Handle(Request&& request, Respond respond) override;
  // Handed on untraced: a stream is not one request.
  std::optional<Response> Upgrade(Request& request, boost::beast::tcp_stream& stream) override {
    return inner_->Upgrade(request, stream);
  }

 private:
  Handler* const inner_;
  RandomSource* const random_;
  SpanSink* const sink_;
  Clock* const clock_;
};

// The trace a request handed on by TracedHandler belongs to (its `traceparent`), if any.
std::optional<TraceContext> RequestTrace(const Request& request);

}  // namespace dreichor::http
