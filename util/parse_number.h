// Strict parsing of decimal integers from outside text (headers, query strings, database
// values, file names, command-line arguments): digits only, no sign, no spaces, no trailing
// characters, and nothing that does not fit. Unlike std::stoul and strtoull, it never throws,
// never accepts "12abc" as 12 and never wraps.
//
//   std::optional<uint64_t> n = ParseDecimal("42");       // 42
//   ParseDecimal("-1"), ParseDecimal("1e3"), ParseDecimal("99999999999999999999")  // nullopt
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dreichor {

inline std::optional<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 20 || text[0] < '0' || text[0] > '9') return std::nullopt;
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// A decimal integer that may start with '-'; nullopt outside int64's range.
inline std::optional<int64_t> ParseSignedDecimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace dreichor
