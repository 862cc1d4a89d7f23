// Building answers: every JSON reply of every service goes through these, so that the headers
// (Content-Type, Cache-Control: no-store) and the error shape (http/error.h) are one thing.
//
//   respond(JsonReply(200, ordered_json{{"ready", true}}));
//   respond(ErrorReply(ApiError::BadField("price", "must be an integer")));
//   respond(ErrorReply(kNotFound, "no route /v2/x"));
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/error.h"
#include "http/metrics.h"
#include "http/server.h"
#include "util/json_text.h"

namespace dreichor::http {

// A reply whose body is already JSON text.
Response JsonTextReply(int status, std::string body);

template <typename Json>
Response JsonReply(int status, const Json& body) {
  return JsonTextReply(status, JsonText(body));
}

Response ErrorReply(const ApiError& e);
Response ErrorReply(const ErrorCode& code, const std::string& message);

// GET /metrics: the registry in Prometheus' text exposition format (version 0.0.4).
Response MetricsReply(const MetricsRegistry& metrics);

}  // namespace dreichor::http
