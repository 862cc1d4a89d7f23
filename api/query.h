// Query parameters of the observer's GET routes: only the allowed names, each at most once, each
// a decimal integer; the first problem becomes the answer's error.
//
//   Query query(params.query(), {"from", "limit"});
//   const uint64_t from = query.Get("from", 1, 1, UINT64_MAX);
//   if (query.error()) return ErrorReply(*query.error());
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/errors.h"
#include "http/error.h"
#include "util/parse_number.h"

namespace dreichor::api {

class Query {
 public:
  Query(std::string_view text, std::initializer_list<const char*> allowed) {
    // Iterators rather than find(): GCC 12 at -O3 warns falsely on string_view::find here.
    auto next = text.begin();
    while (next != text.end() && !error_) {
      const auto amp = std::find(next, text.end(), '&');
      const std::string_view pair(next, amp);
      next = amp == text.end() ? amp : amp + 1;
      if (pair.empty()) continue;
      const auto eq = std::find(pair.begin(), pair.end(), '=');
      const std::string name(pair.begin(), eq);
      const std::string_view value = eq == pair.end() ? "" : std::string_view(eq + 1, pair.end());
      bool known = false;
      for (const char* a : allowed) known = known || name == a;
      if (!known) {
        error_ = http::ApiError::Of(kUnknownParameter, name + ": unknown query parameter", name);
      } else if (values_.count(name) != 0) {
        error_ = http::ApiError::BadField(name, "given more than once");
      } else if (auto v = ParseDecimal(value)) {
        values_[name] = *v;
      } else {
        error_ = http::ApiError::BadField(name, "must be a non-negative decimal integer");
      }
    }
  }
  const std::optional<http::ApiError>& error() const { return error_; }
  // The value, or `fallback` when absent; an error when outside [min, max].
  uint64_t Get(const char* name, uint64_t fallback, uint64_t min, uint64_t max) {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    if ((it->second < min || it->second > max) && !error_) {
      error_ = http::ApiError::BadField(
          name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return it->second;
  }

 private:
  std::map<std::string, uint64_t> values_;
  std::optional<http::ApiError> error_;
};

}  // namespace dreichor::api
