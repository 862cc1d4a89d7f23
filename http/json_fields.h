// Strict reading of JSON request bodies.
//
// ParseObject accepts only a JSON object, nested at most kMaxJsonDepth deep. FieldReader then
// reads named fields with exact types and ranges (integers must be JSON integers, never floats
// or strings; enums must be one of their names) and, in Finish(), rejects any field that no
// getter asked for. The first problem wins and names its field.
//
//   nlohmann::json body;
//   if (auto e = ParseObject(text, &body)) return *e;
//   FieldReader f(body);
//   f.Uint("account", &c.account, Need::kRequired, 1, kMaxAccount);
//   if (auto e = f.Finish()) return *e;
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "http/error.h"

namespace dreichor::http {

inline constexpr int kMaxJsonDepth = 8;

std::optional<ApiError> ParseObject(std::string_view text, nlohmann::json* out);

enum class Need { kRequired, kOptional };

class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& object) : object_(object) {}

  // Each getter leaves *out unchanged when an optional field is absent.
  void Uint(const char* name, uint64_t* out, Need need, uint64_t min, uint64_t max);
  void Uint32(const char* name, uint32_t* out, Need need, uint32_t min, uint32_t max);
  void Int(const char* name, int64_t* out, Need need, int64_t min, int64_t max);
  void String(const char* name, std::string* out, Need need, size_t max_length);
  // Reads a string and maps it with parse(std::string_view) -> std::optional<E>.
  template <typename E, typename ParseFn>
  void Enum(const char* name, E* out, Need need, ParseFn parse, const char* allowed) {
    std::string text;
    if (!Find(name, need)) return;
    String(name, &text, need, 32);
    if (error_) return;
    if (auto v = parse(text)) {
      *out = *v;
    } else {
      Fail(name, std::string("must be one of ") + allowed);
    }
  }
  bool Has(const char* name) const { return object_.contains(name); }

  // The first problem, or the first field no getter read.
  std::optional<ApiError> Finish();

 private:
  const nlohmann::json* Find(const char* name, Need need);
  void Fail(const std::string& field, const std::string& problem);

  const nlohmann::json& object_;
  std::set<std::string, std::less<>> known_;
  std::optional<ApiError> error_;
};

}  // namespace dreichor::http
