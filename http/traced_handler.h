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

#include "http/server.h"
#include "util/random.h"
#include "util/trace_context.h"

namespace dreichor::http {

inline constexpr char kTraceparentHeader[] = "traceparent";

class TracedHandler final : public Handler {
 public:
  TracedHandler(Handler* inner, RandomSource* random) : inner_(inner), random_(random) {}
  void Handle(Request&& request, Respond respond) override;

 private:
  Handler* const inner_;
  RandomSource* const random_;
};

// The trace a request handed on by TracedHandler belongs to (its `traceparent`), if any.
std::optional<TraceContext> RequestTrace(const Request& request);

}  // namespace dreichor::http
