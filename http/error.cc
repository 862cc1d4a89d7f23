#include "http/error.h"

#include <nlohmann/json.hpp>

#include "util/json_text.h"

namespace dreichor::http {

std::string ErrorBody(const ApiError& e) {
  nlohmann::ordered_json inner;
  inner["code"] = e.code;
  inner["message"] = e.message;
  if (!e.field.empty()) inner["field"] = e.field;
  nlohmann::ordered_json body;
  body["error"] = std::move(inner);
  return JsonText(body);
}

}  // namespace dreichor::http
