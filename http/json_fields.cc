#include "http/json_fields.h"

#include "util/json_scan.h"

namespace dreichor::http {

std::optional<ApiError> ParseObject(std::string_view text, nlohmann::json* out) {
  if (text.empty())
    return ApiError::Malformed("the request body is empty; a JSON object is required");
  if (JsonNestingDepth(text) > kMaxJsonDepth) {
    return ApiError::Malformed("JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  try {
    *out = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return ApiError::Malformed("not valid JSON: at byte " + std::to_string(e.byte) + ": " +
                               (e.id == 101 ? "syntax error" : "parse error"));
  } catch (const nlohmann::json::out_of_range&) {
    // A number beyond what a double holds (1e309): the parser throws this, not a parse_error.
    return ApiError::Malformed("not valid JSON: a number is out of range");
  } catch (const nlohmann::json::exception&) {
    return ApiError::Malformed("not valid JSON");
  }
  if (!out->is_object()) return ApiError::Malformed("the request body must be a JSON object");
  return std::nullopt;
}

void FieldReader::Fail(const std::string& field, const std::string& problem) {
  if (!error_) error_ = ApiError::BadField(field, problem);
}

const nlohmann::json* FieldReader::Find(const char* name, Need need) {
  known_.insert(name);
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) {
    if (need == Need::kRequired) Fail(name, "is required");
    return nullptr;
  }
  return &*it;
}

void FieldReader::Uint(const char* name, uint64_t* out, Need need, uint64_t min, uint64_t max) {
  const nlohmann::json* v = Find(name, need);
  if (v == nullptr) return;
  if (!v->is_number_integer()) return Fail(name, "must be an integer");
  if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() < 0) {
    return Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  const uint64_t x = v->get<uint64_t>();
  if (x < min || x > max) {
    return Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = x;
}

void FieldReader::Uint32(const char* name, uint32_t* out, Need need, uint32_t min, uint32_t max) {
  uint64_t wide = *out;
  Uint(name, &wide, need, min, max);
  *out = static_cast<uint32_t>(wide);
}

void FieldReader::Int(const char* name, int64_t* out, Need need, int64_t min, int64_t max) {
  const nlohmann::json* v = Find(name, need);
  if (v == nullptr) return;
  auto range = [&] {
    Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  };
  if (!v->is_number_integer()) return Fail(name, "must be an integer");
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return range();
  }
  const int64_t x = v->get<int64_t>();
  if (x < min || x > max) return range();
  *out = x;
}

void FieldReader::String(const char* name, std::string* out, Need need, size_t max_length) {
  const nlohmann::json* v = Find(name, need);
  if (v == nullptr) return;
  if (!v->is_string()) return Fail(name, "must be a string");
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() > max_length) {
    return Fail(name, "longer than " + std::to_string(max_length) + " bytes");
  }
  *out = s;
}

std::optional<ApiError> FieldReader::Finish() {
  if (error_) return error_;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (known_.find(it.key()) == known_.end()) {
      return ApiError::Of(kUnknownField, it.key() + ": unknown field", it.key());
    }
  }
  return std::nullopt;
}

}  // namespace dreichor::http
