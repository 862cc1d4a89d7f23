#include "monitoring/promql_names.h"

#include <cctype>

namespace dreichor::monitoring {

namespace {

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

const std::set<std::string>& NotMetrics() {
  static const std::set<std::string> words = {
      // aggregations
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
      "topk", "quantile",
      // keywords and binary operators spelled as words
      "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN"};
  return words;
}

const std::set<std::string>& LabelListKeywords() {
  static const std::set<std::string> words = {"by",       "without",    "on",
                                              "ignoring", "group_left", "group_right"};
  return words;
}

// Index just past the quoted string starting at `i`.
size_t SkipString(const std::string& s, size_t i) {
  const char quote = s[i++];
  while (i < s.size() && s[i] != quote) i += (s[i] == '\\' && quote != '`') ? 2 : 1;
  return i + 1;
}

// Index just past the bracket group opening at `i` ("{...}", "[...]" or "(...)"), strings inside
// skipped.
size_t SkipGroup(const std::string& s, size_t i) {
  const char open = s[i];
  const char close = open == '{' ? '}' : open == '[' ? ']' : ')';
  int depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(s, i);
      continue;
    }
    if (c == open) ++depth;
    if (c == close && --depth == 0) return i + 1;
    ++i;
  }
  return i;
}

size_t SkipSpaces(const std::string& s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

std::set<std::string> PromqlMetricNames(const std::string& expr) {
  std::set<std::string> names;
  size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(expr, i);
    } else if (c == '{' || c == '[') {
      i = SkipGroup(expr, i);
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      while (i < expr.size() && (IsNameChar(expr[i]) || expr[i] == '.')) ++i;  // 0.99, 1e-3
    } else if (IsNameStart(c)) {
      const size_t start = i;
      while (i < expr.size() && IsNameChar(expr[i])) ++i;
      const std::string word = expr.substr(start, i - start);
      const size_t next = SkipSpaces(expr, i);
      const bool call = next < expr.size() && expr[next] == '(';
      if (LabelListKeywords().count(word) != 0) {
        if (call) i = SkipGroup(expr, next);
      } else if (!call && NotMetrics().count(word) == 0) {
        names.insert(word);
      }
    } else {
      ++i;
    }
  }
  return names;
}

}  // namespace dreichor::monitoring
