// Fuzz target: the W3C `traceparent` header (util/trace_context.h), which every request to the
// runtime and the deploy agent may carry.
//
// Promises checked: an invalid value is refused (nullopt), never half-read; a valid one formats
// to a version-00 header that parses back to the same context, and a version-00 input is given
// back byte for byte; a child span keeps the trace id and flags with a different, non-zero span.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/trace_context.h"

using namespace dreichor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto parsed = ParseTraceparent(value);
  if (!parsed) return 0;
  const std::string formatted = FormatTraceparent(*parsed);
  const auto again = ParseTraceparent(formatted);
  if (!again || !(*again == *parsed)) std::abort();
  if (value.substr(0, 2) == "00" && formatted != value) std::abort();
  SeededRandom random(size);
  const TraceContext child = ChildSpan(*parsed, &random);
  if (child.trace_id != parsed->trace_id || child.flags != parsed->flags ||
      child.span_id == parsed->span_id || !ParseTraceparent(FormatTraceparent(child))) {
    std::abort();
  }
  return 0;
}
