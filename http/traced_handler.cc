#include "http/traced_handler.h"

#include <memory>
#include <string>

namespace dreichor::http {

std::optional<TraceContext> RequestTrace(const Request& request) {
  // A repeated header is as good as none: which one is meant cannot be known.
  if (request.count(kTraceparentHeader) != 1) return std::nullopt;
  const auto value = request[kTraceparentHeader];
  return ParseTraceparent(std::string_view(value.data(), value.size()));
}

std::string SpanName(std::string_view method, std::string_view target) {
  std::string name(method);
  name += ' ';
  const std::string_view path = target.substr(0, target.find('?'));
  size_t i = 0;
  while (i < path.size()) {
    const size_t next = path.find('/', i + 1);
    const std::string_view segment =
        path.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
    const bool number =
        segment.size() > 1 && segment.find_first_not_of("0123456789", 1) == std::string_view::npos;
    name += number ? std::string_view("/{n}") : segment;
    if (next == std::string_view::npos) break;
    i = next;
  }
  return name;
}

void TracedHandler::Handle(Request&& request, Respond respond) {
  const std::optional<TraceContext> incoming = RequestTrace(request);
  const TraceContext span = incoming ? ChildSpan(*incoming, random_) : NewTrace(random_);
  const std::string header = FormatTraceparent(span);
  request.set(kTraceparentHeader, header);
  std::shared_ptr<FinishedSpan> finished;
  if (sink_ != nullptr) {
    finished = std::make_shared<FinishedSpan>();
    finished->context = span;
    if (incoming) finished->parent_span_id = incoming->span_id;
    const std::string_view method(request.method_string().data(), request.method_string().size());
    const std::string_view target(request.target().data(), request.target().size());
    finished->name = SpanName(method, target);
    finished->method = std::string(method);
    finished->path = std::string(target.substr(0, target.find('?')));
    finished->start_unix_ns = clock_->NowUnixNanos();
  }
  Respond traced([respond = std::move(respond), header, finished, sink = sink_,
                  clock = clock_](Respond::Builder build) {
    respond.Build([build = std::move(build), header, finished, sink, clock] {
      Response r = build();
      r.set(kTraceparentHeader, header);
      if (finished != nullptr) {
        finished->status_code = static_cast<int>(r.result_int());
        finished->end_unix_ns = clock->NowUnixNanos();
        sink->Export(std::move(*finished));
      }
      return r;
    });
  });
  TraceScope scope(span);
  inner_->Handle(std::move(request), std::move(traced));
}

}  // namespace dreichor::http
