// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header, and the
// trace a thread is working for, so that every log line written for a request carries its ids.
//
//   traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//                ^  ^ trace-id (16 bytes, hex)        ^ parent-id (8 bytes) ^ flags
//
//   auto incoming = ParseTraceparent(header);                // nullopt: absent or invalid
//   TraceContext ours = incoming ? ChildSpan(*incoming, RandomSource::System())
//                                : NewTrace(RandomSource::System());
//   TraceScope scope(ours);   // JsonLog adds trace_id and span_id to this thread's lines
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/random.h"

namespace dreichor {

struct TraceContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  uint8_t flags = 0;  // bit 0: sampled
  bool operator==(const TraceContext&) const = default;
};

// The header's value parsed by the specification's rules: version 00 exactly as specified; a
// higher version (not ff) by its first four fields, ignoring what follows; lowercase hex only;
// an all-zero trace or parent id is invalid. nullopt for anything invalid: the caller then
// starts a new trace, as the specification requires.
std::optional<TraceContext> ParseTraceparent(std::string_view value);

// "00-<trace-id>-<span-id>-<flags>".
std::string FormatTraceparent(const TraceContext& context);
std::string TraceIdHex(const TraceContext& context);
std::string SpanIdHex(const TraceContext& context);

// A new trace with a random trace id and span id, sampled.
TraceContext NewTrace(RandomSource* random);
// A span of `parent`'s trace: the same trace id and flags, a new random span id.
TraceContext ChildSpan(const TraceContext& parent, RandomSource* random);

// Makes `context` this thread's current trace until the scope ends (scopes nest).
class TraceScope {
 public:
  explicit TraceScope(const TraceContext& context);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  std::optional<TraceContext> previous_;
};

// This thread's current trace, if a TraceScope is open.
std::optional<TraceContext> CurrentTrace();

}  // namespace dreichor
