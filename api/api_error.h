// ApiError: every error the HTTP API returns, in one shape:
//
//   HTTP/1.1 400 Bad Request
//   {"error":{"code":"invalid_field","message":"price: must be an integer","field":"price"}}
//
// `field` is present when one request field is to blame. Codes are stable (docs/api.md lists
// them); messages are for people.
#pragma once

#include <string>

namespace dreichor::api {

struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
  std::string field;  // empty when no single field is to blame

  static ApiError BadField(const std::string& field, const std::string& problem) {
    return ApiError{400, "invalid_field", field + ": " + problem, field};
  }
  static ApiError Malformed(const std::string& problem) {
    return ApiError{400, "malformed_json", problem, ""};
  }
};

// {"error":{"code":...,"message":...[,"field":...]}}
std::string ErrorBody(const ApiError& e);

}  // namespace dreichor::api
