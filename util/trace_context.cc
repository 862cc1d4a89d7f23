#include "util/trace_context.h"

#include <algorithm>

namespace dreichor {

namespace {

thread_local std::optional<TraceContext> current_trace;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is invalid too
}

// Decodes exactly 2 * N lowercase hex digits.
template <size_t N>
bool DecodeHex(std::string_view text, std::array<uint8_t, N>* out) {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int high = HexValue(text[2 * i]);
    const int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*out)[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return true;
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <size_t N>
std::string EncodeHex(const std::array<uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (uint8_t b : bytes) {
    text.push_back(kDigits[b >> 4]);
    text.push_back(kDigits[b & 15]);
  }
  return text;
}

void RandomNonZero(RandomSource* random, uint8_t* out, size_t n) {
  do {
    random->Fill(out, n);
  } while (std::all_of(out, out + n, [](uint8_t b) { return b == 0; }));
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(std::string_view value) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
  constexpr size_t kLength = 55;
  if (value.size() < kLength) return std::nullopt;
  std::array<uint8_t, 1> version{};
  std::array<uint8_t, 1> flags{};
  TraceContext context;
  if (!DecodeHex(value.substr(0, 2), &version) || version[0] == 0xff || value[2] != '-' ||
      !DecodeHex(value.substr(3, 32), &context.trace_id) || value[35] != '-' ||
      !DecodeHex(value.substr(36, 16), &context.span_id) || value[52] != '-' ||
      !DecodeHex(value.substr(53, 2), &flags)) {
    return std::nullopt;
  }
  // Version 00 is exactly 55 characters; a later version may append "-..." fields.
  if (value.size() > kLength && (version[0] == 0 || value[kLength] != '-')) return std::nullopt;
  if (AllZero(context.trace_id) || AllZero(context.span_id)) return std::nullopt;
  context.flags = flags[0];
  return context;
}

std::string FormatTraceparent(const TraceContext& context) {
  return "00-" + TraceIdHex(context) + "-" + SpanIdHex(context) + "-" +
         EncodeHex(std::array<uint8_t, 1>{context.flags});
}

std::string TraceIdHex(const TraceContext& context) { return EncodeHex(context.trace_id); }
std::string SpanIdHex(const TraceContext& context) { return EncodeHex(context.span_id); }

TraceContext NewTrace(RandomSource* random) {
  TraceContext context;
  RandomNonZero(random, context.trace_id.data(), context.trace_id.size());
  RandomNonZero(random, context.span_id.data(), context.span_id.size());
  context.flags = 1;
  return context;
}

TraceContext ChildSpan(const TraceContext& parent, RandomSource* random) {
  TraceContext context = parent;
  do {
    RandomNonZero(random, context.span_id.data(), context.span_id.size());
  } while (context.span_id == parent.span_id);
  return context;
}

TraceScope::TraceScope(const TraceContext& context) : previous_(current_trace) {
  current_trace = context;
}

TraceScope::~TraceScope() { current_trace = previous_; }

std::optional<TraceContext> CurrentTrace() { return current_trace; }

}  // namespace dreichor
