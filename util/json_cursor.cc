#include "util/json_cursor.h"

#include <cmath>
#include <limits>

namespace dreichor {

namespace {

using nlohmann::json;

// 2^63 as a double: every double strictly below it (and at least -2^63) converts to int64.
constexpr double kTwoPow63 = 9223372036854775808.0;

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

}  // namespace

std::optional<int64_t> JsonInt64(const json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}

std::optional<int64_t> JsonInt64Floor(const json& v) {
  if (!v.is_number_float()) return JsonInt64(v);
  const double d = std::floor(v.get<double>());
  if (!std::isfinite(d) || d < -kTwoPow63 || d >= kTwoPow63) return std::nullopt;
  return static_cast<int64_t>(d);
}

const char* JsonKindName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a fractional number";
    case json::value_t::binary:
      return "binary data";
    case json::value_t::discarded:
      return "invalid JSON";
  }
  return "an unknown value";
}

void JsonCursor::Problem(const std::string& what) const {
  problems_->Add((path_.empty() ? std::string("the document") : path_) + ": " + what);
}

JsonCursor JsonCursor::operator[](std::string_view key) const {
  const std::string child = Join(path_, key);
  if (!present()) return JsonCursor(nullptr, child, problems_);
  if (!value_->is_object()) {
    Problem(std::string("expected an object, got ") + JsonKindName(*value_));
    return JsonCursor(nullptr, child, problems_);
  }
  const auto it = value_->find(key);
  return JsonCursor(it == value_->end() ? nullptr : &*it, child, problems_);
}

const json* JsonCursor::Expect(bool (json::*is)() const noexcept, const char* kind,
                               Presence presence) const {
  if (!present()) {
    if (presence == Presence::kRequired) Problem("missing");
    return nullptr;
  }
  if (!(value_->*is)()) {
    Problem(std::string("expected ") + kind + ", got " + JsonKindName(*value_));
    return nullptr;
  }
  return value_;
}

std::string JsonCursor::String(Presence presence) const {
  const json* v = Expect(&json::is_string, "a string", presence);
  return v == nullptr ? std::string() : v->get_ref<const std::string&>();
}

int64_t JsonCursor::Int(int64_t min, int64_t max, Presence presence) const {
  const json* v = Expect(&json::is_number, "an integer", presence);
  if (v == nullptr) return 0;
  const std::optional<int64_t> n = JsonInt64(*v);
  if (!n || *n < min || *n > max) {
    Problem("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
            ", got " + v->dump());
    return 0;
  }
  return *n;
}

bool JsonCursor::Bool(Presence presence) const {
  const json* v = Expect(&json::is_boolean, "a boolean", presence);
  return v != nullptr && v->get<bool>();
}

std::vector<JsonCursor> JsonCursor::Elements(Presence presence) const {
  std::vector<JsonCursor> out;
  const json* v = Expect(&json::is_array, "an array", presence);
  if (v == nullptr) return out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    out.push_back(JsonCursor(&(*v)[i], path_ + "[" + std::to_string(i) + "]", problems_));
  }
  return out;
}

std::vector<std::pair<std::string, JsonCursor>> JsonCursor::Members(Presence presence) const {
  std::vector<std::pair<std::string, JsonCursor>> out;
  const json* v = Expect(&json::is_object, "an object", presence);
  if (v == nullptr) return out;
  for (auto it = v->begin(); it != v->end(); ++it) {
    out.emplace_back(it.key(), JsonCursor(&it.value(), Join(path_, it.key()), problems_));
  }
  return out;
}

}  // namespace dreichor
