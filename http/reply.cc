#include "http/reply.h"

namespace dreichor::http {

Response JsonTextReply(int status, std::string body) {
  Response res{static_cast<boost::beast::http::status>(status), 11};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.set(boost::beast::http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

Response ErrorReply(const ApiError& e) { return JsonTextReply(e.status, ErrorBody(e)); }

Response ErrorReply(const ErrorCode& code, const std::string& message) {
  return ErrorReply(ApiError::Of(code, message));
}

Response MetricsReply(const MetricsRegistry& metrics) {
  Response r{boost::beast::http::status::ok, 11};
  r.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  r.body() = metrics.Render();
  return r;
}

}  // namespace dreichor::http
