#include "http/traced_handler.h"

#include <string>

namespace dreichor::http {

std::optional<TraceContext> RequestTrace(const Request& request) {
  // A repeated header is as good as none: which one is meant cannot be known.
  if (request.count(kTraceparentHeader) != 1) return std::nullopt;
  const auto value = request[kTraceparentHeader];
  return ParseTraceparent(std::string_view(value.data(), value.size()));
}

void TracedHandler::Handle(Request&& request, Respond respond) {
  const std::optional<TraceContext> incoming = RequestTrace(request);
  const TraceContext span = incoming ? ChildSpan(*incoming, random_) : NewTrace(random_);
  const std::string header = FormatTraceparent(span);
  request.set(kTraceparentHeader, header);
  Respond traced([respond = std::move(respond), header](Respond::Builder build) {
    respond.Build([build = std::move(build), header] {
      Response r = build();
      r.set(kTraceparentHeader, header);
      return r;
    });
  });
  TraceScope scope(span);
  inner_->Handle(std::move(request), std::move(traced));
}

}  // namespace dreichor::http
