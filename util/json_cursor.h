// JsonCursor: reads a JSON document that came from outside (a container engine's answer, a
// token's claims, a record written by an older build) field by field, without exceptions and
// without silent conversions. A missing required field, a field of the wrong type or a number
// outside the wanted range records a problem that names the field by its path
// ("State.ExitCode: expected an integer, got a string"); reading goes on with empty values, and
// the caller checks the first problem once at the end.
//
//   JsonProblems problems;
//   JsonCursor root(doc, &problems);
//   const std::string id = root["Id"].String();
//   const int64_t code = root["State"]["ExitCode"].Int(INT32_MIN, INT32_MAX);
//   const bool ro = root["HostConfig"]["ReadonlyRootfs"].Bool(Presence::kOptional);
//   if (!problems.ok()) return Status::IoError("inspect: " + problems.first());
//
// A cursor refers into the document and the problem list: both must outlive it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dreichor {

// The value of a JSON number as int64 when it is an integer in range; nullopt for anything
// else (floats, integers beyond int64, non-numbers). Never wraps.
std::optional<int64_t> JsonInt64(const nlohmann::json& v);
// Like JsonInt64, but a finite float within int64's range is accepted and rounded down (for
// values such as RFC 7519 NumericDate that may carry a fraction).
std::optional<int64_t> JsonInt64Floor(const nlohmann::json& v);

// A JSON value kind in words, for messages: "a string", "an integer", "null", ...
const char* JsonKindName(const nlohmann::json& v);

class JsonProblems {
 public:
  bool ok() const { return problems_.empty(); }
  const std::string& first() const { return problems_.front(); }
  const std::vector<std::string>& all() const { return problems_; }
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }

 private:
  std::vector<std::string> problems_;
};

enum class Presence { kRequired, kOptional };

class JsonCursor {
 public:
  JsonCursor(const nlohmann::json& root, JsonProblems* problems)
      : value_(&root), problems_(problems) {}

  // A member of an object. Absent when this cursor is absent or the key is missing; a present
  // value that is not an object is a problem.
  JsonCursor operator[](std::string_view key) const;
  // Present and not null.
  bool present() const { return value_ != nullptr && !value_->is_null(); }
  const std::string& path() const { return path_; }

  // Each reader returns its value, or an empty one (after recording a problem when the field
  // is required or has the wrong type).
  std::string String(Presence presence = Presence::kRequired) const;
  int64_t Int(int64_t min, int64_t max, Presence presence = Presence::kRequired) const;
  bool Bool(Presence presence = Presence::kRequired) const;
  // The elements of an array; an absent optional array has none.
  std::vector<JsonCursor> Elements(Presence presence = Presence::kRequired) const;
  // The members of an object, in the document's order.
  std::vector<std::pair<std::string, JsonCursor>> Members(
      Presence presence = Presence::kRequired) const;

 private:
  JsonCursor(const nlohmann::json* value, std::string path, JsonProblems* problems)
      : value_(value), path_(std::move(path)), problems_(problems) {}
  // The value when present with the wanted kind; nullptr otherwise (recording why).
  const nlohmann::json* Expect(bool (nlohmann::json::*is)() const noexcept, const char* kind,
                               Presence presence) const;
  void Problem(const std::string& what) const;

  const nlohmann::json* value_;  // null when absent
  std::string path_;             // "" for the root
  JsonProblems* problems_;
};

}  // namespace dreichor
