// JsonLog: structured logs, one JSON object per line, written whole (one write per line, under a
// mutex, so lines from different threads never interleave).
//
// Every line has "ts" (UTC, RFC 3339 with milliseconds), "level" and "msg", then the fields given
// for every line (which program and environment: "component", "env"), then "trace_id" and
// "span_id" when the writing thread works for a trace (util/trace_context.h), then the caller's
// fields. Callers must never pass secrets: redact first (config::Config::Redacted).
//
//   JsonLog log(stdout, LogLevel::kInfo, Clock::Real());
//   log.Info("phase", {{"phase", "replay"}, {"outcome", "ok"}, {"duration_ms", 12}});
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace dreichor {

// Fields of a log line, kept in the order given.
using LogFields = nlohmann::ordered_json;

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
const char* LogLevelName(LogLevel level);

class JsonLog {
 public:
  JsonLog(FILE* out, LogLevel min_level, Clock* clock, LogFields every_line = {});

  void Log(LogLevel level, std::string_view msg, const LogFields& fields = {});
  void Debug(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kError, msg, fields);
  }

 private:
  FILE* out_;
  LogLevel min_level_;
  Clock* clock_;
  const LogFields every_line_;
  std::mutex mu_;
};

// RFC 3339 UTC with `fraction_digits` (1-9) of the second, e.g. "2026-11-22T10:15:30.123Z".
std::string FormatUtc(int64_t unix_nanos, int fraction_digits = 3);

}  // namespace dreichor
