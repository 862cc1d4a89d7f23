#include "util/sequence_file_name.h"

#include <cstdio>

namespace dreichor {

std::string SequenceFileName(std::string_view prefix, uint64_t sequence, std::string_view suffix) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(sequence));
  return std::string(prefix) + digits + std::string(suffix);
}

bool ParseSequenceFileName(std::string_view name, std::string_view prefix, std::string_view suffix,
                           uint64_t* sequence) {
  constexpr size_t kDigits = 20;
  if (name.size() != prefix.size() + kDigits + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return false;
  }
  uint64_t v = 0;
  for (char c : name.substr(prefix.size(), kDigits)) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *sequence = v;
  return true;
}

}  // namespace dreichor
