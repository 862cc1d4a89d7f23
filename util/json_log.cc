#include "util/json_log.h"

#include <ctime>

#include "util/json_text.h"
#include "util/trace_context.h"

namespace dreichor {

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string FormatUtc(int64_t unix_nanos, int fraction_digits) {
  const time_t seconds = static_cast<time_t>(unix_nanos / 1'000'000'000);
  int fraction = static_cast<int>(unix_nanos % 1'000'000'000);
  for (int d = 9; d > fraction_digits; --d) fraction /= 10;
  struct tm utc;
  gmtime_r(&seconds, &utc);
  char buf[96];
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%0*dZ", utc.tm_year + 1900,
           utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction_digits,
           fraction);
  return buf;
}

JsonLog::JsonLog(FILE* out, LogLevel min_level, Clock* clock, LogFields every_line)
    : out_(out), min_level_(min_level), clock_(clock), every_line_(std::move(every_line)) {}

void JsonLog::Log(LogLevel level, std::string_view msg, const LogFields& fields) {
  if (level < min_level_) return;
  nlohmann::ordered_json line;
  line["ts"] = FormatUtc(clock_->NowUnixNanos());
  line["level"] = LogLevelName(level);
  line["msg"] = msg;
  if (every_line_.is_object()) {
    for (auto it = every_line_.begin(); it != every_line_.end(); ++it) line[it.key()] = it.value();
  }
  if (const std::optional<TraceContext> trace = CurrentTrace()) {
    line["trace_id"] = TraceIdHex(*trace);
    line["span_id"] = SpanIdHex(*trace);
  }
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  }
  // Invalid UTF-8 in a field is replaced rather than thrown on: a log line must never fail.
  std::string text = JsonText(line);
  text.push_back('\n');
  std::lock_guard<std::mutex> guard(mu_);
  fwrite(text.data(), 1, text.size(), out_);
  fflush(out_);
}

}  // namespace dreichor
