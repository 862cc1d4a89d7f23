// The one shape of every error answer, on every route of every service:
//
//   HTTP/1.1 400 Bad Request
//   {"error":{"code":"invalid_field","message":"price: must be an integer","field":"price"}}
//
// `field` is present when one request field is to blame. Codes are stable and each has one
// status: they are named constants (ErrorCode), never literals, so that the list a service
// documents (docs/api.md for the runtime) can be checked against the code. Messages are for
// people.
#pragma once

#include <string>
#include <string_view>

namespace dreichor::http {

struct ErrorCode {
  int status;
  std::string_view code;
};

// The codes the server itself and the strict JSON reader send.
inline constexpr ErrorCode kMalformedJson{400, "malformed_json"};
inline constexpr ErrorCode kInvalidField{400, "invalid_field"};
inline constexpr ErrorCode kUnknownField{400, "unknown_field"};
inline constexpr ErrorCode kMalformedHttp{400, "malformed_http"};
inline constexpr ErrorCode kNotFound{404, "not_found"};
inline constexpr ErrorCode kMethodNotAllowed{405, "method_not_allowed"};
inline constexpr ErrorCode kBodyTooLarge{413, "body_too_large"};
inline constexpr ErrorCode kUpgradeRequired{426, "upgrade_required"};
inline constexpr ErrorCode kHeadersTooLarge{431, "headers_too_large"};
inline constexpr ErrorCode kTooManyConnections{503, "too_many_connections"};
inline constexpr ErrorCode kInternal{500, "internal"};

struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
  std::string field;  // empty when no single field is to blame

  static ApiError Of(const ErrorCode& c, std::string message, std::string field = "") {
    return ApiError{c.status, std::string(c.code), std::move(message), std::move(field)};
  }
  static ApiError BadField(const std::string& field, const std::string& problem) {
    return Of(kInvalidField, field + ": " + problem, field);
  }
  static ApiError Malformed(const std::string& problem) { return Of(kMalformedJson, problem); }
};

// {"error":{"code":...,"message":...[,"field":...]}}
std::string ErrorBody(const ApiError& e);

}  // namespace dreichor::http
