#include "cli/commands.h"

#include <chrono>
#include <ctime>
#include <deque>

#include "audit/file_log.h"
#include "audit/postgres_log.h"
#include "audit/verify.h"
#include "cli/describe.h"
#include "cli/textfile_metrics.h"
#include "config/env_config.h"
#include "engine/command_codec.h"
#include "runtime/replay.h"
#include "stream/cloudevents.h"

namespace dreichor::cli {

Status CheckDatabaseUrl(const std::string& url) {
  // postgres://user:password@host/...: a password on the command line is visible to every user
  // of the machine (ps), so it is refused.
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme != std::string::npos && at != std::string::npos) {
    const std::string userinfo = url.substr(scheme + 3, at - scheme - 3);
    if (userinfo.find(':') != std::string::npos) {
      return Status::InvalidArgument(
          "--database-url holds a password; give it in PGPASSWORD or ~/.pgpass instead");
    }
  }
  return Status::Ok();
}

std::unique_ptr<audit::AuditLog> OpenLog(const LogSource& source, std::ostream& out,
                                         std::ostream& err, int* code) {
  if (!source.database_url.empty()) {
    if (Status s = CheckDatabaseUrl(source.database_url); !s.ok()) {
      err << s.message() << "\n";
      *code = kUsage;
      return nullptr;
    }
    audit::PostgresLogOptions options;
    options.schema = source.schema;
    options.lock = false;  // read-only, beside a live runtime
    auto log = audit::PostgresLog::Open(source.database_url, options);
    if (!log.ok()) {
      err << "cannot open audit log " << RedactUrl(source.database_url) << " schema "
          << source.schema << ": " << log.status().ToString() << "\n";
      *code = log.status().code() == StatusCode::kCorruption ? kProblemFound : kCannotRead;
      return nullptr;
    }
    return std::move(log).value();
  }
  audit::FileLogOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), source.dir, options, &report);
  if (!log.ok()) {
    err << "cannot open audit log " << source.dir << ": " << log.status().ToString() << "\n";
    *code = log.status().code() == StatusCode::kCorruption ? kProblemFound : kCannotRead;
    return nullptr;
  }
  if (report.truncated_tail) {
    out << "note: torn tail in " << report.segment << " at offset " << report.offset << " ("
        << report.bytes_dropped << " bytes after the last whole record; never acknowledged, "
        << "removed by the runtime's next start)\n";
  }
  return std::move(log).value();
}

namespace {

std::string FormatTime(int64_t ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%09lldZ", static_cast<long long>(ns % 1'000'000'000));
  return std::string(buf, n) + frac;
}

}  // namespace

bool ParseUtcTime(const std::string& text, int64_t* ns) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return false;
  }
  std::string rest = text.substr(static_cast<size_t>(consumed));
  int64_t fraction = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    std::string f = rest.substr(1, digits - 1);
    if (f.empty() || f.size() > 9) return false;
    f.append(9 - f.size(), '0');
    fraction = std::stoll(f);
    rest = rest.substr(digits);
  }
  if (rest != "Z") return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return false;
  // Nanoseconds since the epoch reach only the year 2262: later times are refused, not wrapped.
  int64_t whole = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(seconds), int64_t{1'000'000'000}, &whole) ||
      __builtin_add_overflow(whole, fraction, ns)) {
    return false;
  }
  return true;
}

int AuditVerify(const LogSource& audit_dir, const std::string& snapshot_dir, std::ostream& out,
                std::ostream& err, uint64_t* records_read) {
  int code = kOk;
  auto log = OpenLog(audit_dir, out, err, &code);
  if (!log) return code;
  auto report = audit::VerifyLog(*log);
  if (!report.ok()) {
    err << "verification failed: " << report.status().message() << "\n";
    return kProblemFound;
  }
  if (records_read != nullptr) *records_read = report.value().records;
  out << "ok: " << report.value().records << " records, last sequence "
      << report.value().last_sequence << ", chain " << ToHex(report.value().last_chain) << "\n";
  if (snapshot_dir.empty()) return kOk;
  snapshot::SnapshotStore store(Env::Default(), snapshot_dir, snapshot::SnapshotOptions{});
  auto files = store.List();
  if (!files.ok()) {
    err << files.status().ToString() << "\n";
    return kCannotRead;
  }
  int result = kOk;
  for (const auto& f : files.value()) {
    auto checked = runtime::LoadVerifiedSnapshot(*log, store, f);
    if (checked.ok()) {
      out << "snapshot " << f.name << ": agrees with the log\n";
    } else if (checked.status().code() == StatusCode::kDataLoss) {
      err << "snapshot " << f.name << " proves lost records: " << checked.status().message()
          << "\n";
      result = kProblemFound;
    } else {
      out << "snapshot " << f.name << ": unusable (" << checked.status().message()
          << "); replay would skip it\n";
    }
  }
  return result;
}

namespace {}  // namespace

int AuditVerifyRecorded(const LogSource& audit_dir, const std::string& snapshot_dir,
                        const std::string& metrics_file, const std::string& env, std::ostream& out,
                        std::ostream& err) {
  if (!CheckMetricsEnvOption(env, err)) return kUsage;
  const auto started = std::chrono::steady_clock::now();
  VerifyOutcome outcome;
  outcome.exit_code = AuditVerify(audit_dir, snapshot_dir, out, err, &outcome.records);
  outcome.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.finished_unix_seconds =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const Status written = WriteTextfile(metrics_file, FormatVerifyMetrics(env, outcome));
  if (!written.ok()) {
    err << "cannot write the metrics file " << metrics_file << ": " << written.ToString() << "\n";
    return outcome.exit_code == kOk ? kCannotRead : outcome.exit_code;
  }
  return outcome.exit_code;
}

int AuditTail(const LogSource& audit_dir, uint64_t count, std::ostream& out, std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(audit_dir, out, err, &code);
  if (!log) return code;
  const uint64_t last = log->last_sequence();
  return ForEachRecord(*log, last > count ? last - count + 1 : 1, err, [&](const audit::Record& r) {
    auto command = engine::DecodeCommand(r.payload);
    out << r.sequence << " " << FormatTime(r.timestamp_ns) << " "
        << audit::EventIdToString(r.event_id) << " "
        << (command.ok() ? DescribeCommand(command.value())
                         : "undecodable: " + command.status().message())
        << "\n";
    return true;
  });
}

int AuditExport(const LogSource& audit_dir, uint64_t from, uint64_t until, std::ostream& out,
                std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(audit_dir, out, err, &code);
  if (!log) return code;
  const std::string source = stream::AuditSourceUri(log->Describe());
  return ForEachRecord(*log, from, err, [&](const audit::Record& r) {
    if (r.sequence > until) return false;
    out << stream::CloudEventLine(r, source) << "\n";
    return true;
  });
}

int Replay(const LogSource& audit_dir, const std::string& snapshot_dir, uint64_t until_sequence,
           int64_t until_time_ns, std::ostream& out, std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(audit_dir, out, err, &code);
  if (!log) return code;
  std::unique_ptr<snapshot::SnapshotStore> store;
  if (!snapshot_dir.empty()) {
    store = std::make_unique<snapshot::SnapshotStore>(Env::Default(), snapshot_dir,
                                                      snapshot::SnapshotOptions{});
  }
  runtime::ReplayOptions options;
  options.until_sequence = until_sequence;
  options.until_time_ns = until_time_ns;
  auto result = runtime::Replay(*log, store.get(), options);
  if (!result.ok()) {
    err << "replay failed: " << result.status().message() << "\n";
    return kProblemFound;
  }
  for (const std::string& w : result.value().warnings) out << "warning: " << w << "\n";
  const auto& r = result.value();
  out << "sequence " << r.last_sequence << "\n"
      << "time " << (r.last_sequence == 0 ? "-" : FormatTime(r.last_timestamp_ns)) << "\n"
      << "chain " << ToHex(r.last_chain) << "\n"
      << "state " << ToHex(r.engine->StateHash()) << "\n"
      << "started from "
      << (r.snapshot_sequence == 0 ? std::string("genesis")
                                   : "snapshot at " + std::to_string(r.snapshot_sequence))
      << ", " << r.records_replayed << " records replayed\n"
      << "markets " << r.engine->ListMarkets().size() << ", open orders "
      << r.engine->open_order_count() << "\n";
  return kOk;
}

int SnapshotList(const std::string& snapshot_dir, std::ostream& out, std::ostream& err) {
  snapshot::SnapshotStore store(Env::Default(), snapshot_dir, snapshot::SnapshotOptions{});
  auto files = store.List();
  if (!files.ok()) {
    err << files.status().ToString() << "\n";
    return kCannotRead;
  }
  for (const auto& f : files.value())
    out << f.name << " sequence " << f.sequence << " " << f.size << " bytes\n";
  return kOk;
}

int SnapshotVerify(const std::string& snapshot_dir, const LogSource& audit_dir, std::ostream& out,
                   std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(audit_dir, out, err, &code);
  if (!log) return code;
  snapshot::SnapshotStore store(Env::Default(), snapshot_dir, snapshot::SnapshotOptions{});
  auto files = store.List();
  if (!files.ok()) {
    err << files.status().ToString() << "\n";
    return kCannotRead;
  }
  int result = kOk;
  for (const auto& f : files.value()) {
    auto loaded = runtime::LoadVerifiedSnapshot(*log, store, f);
    if (loaded.ok()) {
      out << f.name << ": ok, state " << ToHex(loaded.value().engine->StateHash()) << "\n";
    } else if (loaded.status().code() == StatusCode::kDataLoss) {
      out << f.name << ": proves lost records: " << loaded.status().message() << "\n";
      result = kProblemFound;
    } else {
      out << f.name << ": unusable: " << loaded.status().message() << "\n";
      result = kProblemFound;
    }
  }
  return result;
}

int EnvCheck(const std::string& env_file, std::ostream& out, std::ostream& err) {
  std::string text;
  if (Status s = Env::Default()->ReadFile(env_file, &text); !s.ok()) {
    err << "cannot read " << env_file << ": " << s.message() << "\n";
    return kCannotRead;
  }
  auto env = config::ParseEnvFile(text);
  if (!env.ok()) {
    err << env_file << ": " << env.status().message() << "\n";
    return kProblemFound;
  }
  config::Validation v = config::Validate(config::RuntimeSchema(), env.value());
  for (const auto& p : v.problems) err << env_file << ": " << p.var << " " << p.problem << "\n";
  if (!v.ok()) return kProblemFound;
  out << env_file << ": ok (" << env.value().size() << " variables)\n";
  return kOk;
}

}  // namespace dreichor::cli
