#include "runtime/service/service.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "api/api_handler.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "audit/file_log.h"
#include "audit/postgres_log.h"
#include "config/env_schema.h"
#include "runtime/audit_scrubber.h"
#include "runtime/health.h"
#include "runtime/replay.h"
#include "runtime/sequencer.h"
#include "runtime/service/exit_codes.h"
#include "runtime/service/required_schema.h"
#include "runtime/service/runtime_metrics.h"
#include "runtime/service/signal_watcher.h"
#include "snapshot/snapshot_store.h"
#include "util/json_log.h"
#include "util/sha256.h"

namespace dreichor::runtime {

namespace {

using Clock = std::chrono::steady_clock;
using json = LogFields;

constexpr size_t kHttpThreads = 2;
constexpr uint64_t kReplayHealthEvery = 1 << 16;  // records between health updates
constexpr uint64_t kReplayLogEvery = 1 << 20;     // records between progress log lines

// Times one startup phase and logs its one line: phase, outcome, duration, and either the
// phase's facts or the reason it failed.
class PhaseRun {
 public:
  PhaseRun(JsonLog* log, HealthState* health, Phase phase)
      : log_(log), phase_(phase), start_(Clock::now()) {
    health->SetPhase(phase);
  }
  void Ok(json fields = json::object()) { Line(LogLevel::kInfo, "ok", std::move(fields)); }
  void Skipped(const std::string& why) { Line(LogLevel::kInfo, "skipped", json{{"reason", why}}); }
  int Fail(int exit_code, const std::string& reason) {
    Line(LogLevel::kError, "failed", json{{"reason", reason}, {"exit_code", exit_code}});
    return exit_code;
  }

 private:
  void Line(LogLevel level, const char* outcome, json fields) {
    json line{
        {"phase", PhaseName(phase_)},
        {"outcome", outcome},
        {"duration_ms", std::chrono::duration<double, std::milli>(Clock::now() - start_).count()}};
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
    log_->Log(level, "phase", line);
  }

  JsonLog* log_;
  Phase phase_;
  Clock::time_point start_;
};

json RedactedConfig(const config::EnvMap& env) {
  json out = json::object();
  for (const config::VarSpec& spec : config::RuntimeSchema()) {
    auto it = env.find(std::string(spec.name));
    if (it != env.end()) out[std::string(spec.name)] = config::Redact(spec, it->second);
  }
  return out;
}

// Proves `dir` is writable by creating, syncing and removing a probe file.
Status CheckWritable(Env* env, const std::string& dir) {
  if (Status s = env->CreateDirs(dir); !s.ok()) return s;
  const std::string probe = dir + "/.write-probe";
  auto file = env->NewWritableFile(probe);
  if (!file.ok()) return file.status();
  Status s = file.value()->Append("probe");
  if (s.ok()) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  Status removed = env->RemoveFile(probe);
  return s.ok() ? removed : s;
}

// The required migrations missing from `schema`'s journal, as "0001_audit_events, ..."; empty
// when none is missing.
Result<std::string> MissingMigrations(PgConnection& conn, const std::string& schema) {
  auto exists = conn.Exec("SELECT to_regclass($1) IS NOT NULL",
                          {QuoteIdent(schema) + ".dreichor_migrations"});
  if (!exists.ok()) return exists.status();
  std::set<uint32_t> applied;
  if (exists.value().rows[0][0] == "t") {
    auto rows = conn.Exec("SELECT version FROM " + QuoteIdent(schema) + ".dreichor_migrations");
    if (!rows.ok()) return rows.status();
    for (const auto& r : rows.value().rows) applied.insert(static_cast<uint32_t>(std::stoul(r[0])));
  }
  std::string missing;
  for (const RequiredMigration& m : kRequiredMigrations) {
    if (applied.count(m.version) != 0) continue;
    char name[96];
    snprintf(name, sizeof(name), "%04u_%s", m.version, m.name);
    missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  return missing;
}

// Everything the serving runtime owns, in construction order (destroyed in reverse).
struct Services {
  std::unique_ptr<audit::AuditLog> log;
  audit::PostgresLog* postgres = nullptr;  // the same log, when the backend is postgres
  audit::FileLog* file = nullptr;          // the same log, when the backend is file
  std::unique_ptr<snapshot::SnapshotStore> snapshots;
  std::unique_ptr<RuntimeMetrics> metrics;
  std::unique_ptr<Sequencer> sequencer;
  std::unique_ptr<AuditScrubber> scrubber;
};

// The newest snapshot that verifies against the log. A snapshot that proves the log lost
// acknowledged records fails the phase, unless the operator acknowledged exactly this log end
// (DREICHOR_ACCEPT_AUDIT_LOSS_AT): then every contradicting snapshot is quarantined, logged at
// error level, and the search runs again.
Result<VerifiedSnapshot> ChooseSnapshot(const config::Config& config, Services& s, JsonLog* log) {
  std::vector<std::string> warnings;
  auto best = BestStart(*s.log, s.snapshots.get(), ReplayOptions{}, &warnings);
  for (const std::string& w : warnings) log->Warn("snapshot skipped", {{"reason", w}});
  if (best.ok() || best.status().code() != StatusCode::kDataLoss) return best;
  const uint64_t end = s.log->last_sequence();
  const std::string ack = "DREICHOR_ACCEPT_AUDIT_LOSS_AT=" + std::to_string(end);
  if (!config.Has("DREICHOR_ACCEPT_AUDIT_LOSS_AT")) {
    return Status::DataLoss(best.status().message() + ". Refusing to start without the lost " +
                            "records: restore them, or acknowledge the loss with " + ack);
  }
  const int64_t accepted = config.Integer("DREICHOR_ACCEPT_AUDIT_LOSS_AT");
  if (static_cast<uint64_t>(accepted) != end) {
    return Status::DataLoss(best.status().message() + ". DREICHOR_ACCEPT_AUDIT_LOSS_AT is " +
                            std::to_string(accepted) + " but the log ends at " +
                            std::to_string(end) + "; the acknowledgement is for " + ack);
  }
  log->Error("audit loss acknowledged",
             {{"log_last_sequence", end}, {"evidence", best.status().message()}});
  auto files = s.snapshots->List();
  if (!files.ok()) return files.status();
  for (const snapshot::SnapshotFile& f : files.value()) {
    auto checked = LoadVerifiedSnapshot(*s.log, *s.snapshots, f);
    if (checked.ok() || checked.status().code() != StatusCode::kDataLoss) continue;
    if (Status q = s.snapshots->Quarantine(f.name); !q.ok()) return q;
    log->Error("audit loss acknowledged: snapshot quarantined",
               {{"snapshot", f.name},
                {"snapshot_sequence", f.sequence},
                {"log_last_sequence", end},
                {"reason", checked.status().message()},
                {"moved_to", s.snapshots->dir() + "/quarantine/" + f.name}});
  }
  warnings.clear();
  best = BestStart(*s.log, s.snapshots.get(), ReplayOptions{}, &warnings);
  for (const std::string& w : warnings) log->Warn("snapshot skipped", {{"reason", w}});
  return best;
}

}  // namespace

int RunService(const config::EnvMap& env_map) {
  Env* env = Env::Default();
  const config::Validation validation = config::Validate(config::RuntimeSchema(), env_map);
  LogLevel level = LogLevel::kInfo;
  if (validation.config.Has("DREICHOR_LOG_LEVEL")) {
    level = ParseLogLevel(validation.config.String("DREICHOR_LOG_LEVEL")).value_or(level);
  }
  JsonLog log(stdout, level, env);
  HealthState health;
  SignalWatcher signals(&log);
  const Clock::time_point started = Clock::now();
  log.Info("starting", {{"pid", getpid()}});

  // ---- configuration ----
  {
    PhaseRun phase(&log, &health, Phase::kConfiguration);
    if (!validation.ok()) {
      for (const config::ConfigProblem& p : validation.problems) {
        log.Error("configuration problem", {{"var", p.var}, {"problem", p.problem}});
      }
      return phase.Fail(kExitConfiguration,
                        std::to_string(validation.problems.size()) +
                            " configuration problem(s); the first: " + validation.problems[0].var +
                            " " + validation.problems[0].problem);
    }
    phase.Ok({{"config", RedactedConfig(env_map)}});
  }
  const config::Config& config = validation.config;
  signals.SetDeadline(std::chrono::milliseconds(config.DurationMs("DREICHOR_SHUTDOWN_DEADLINE")));

  // The socket is bound now so that the health endpoints can report the phases that follow;
  // everything else answers 503 until the listen phase opens the API.
  api::MetricsRegistry registry;
  api::ApiHandler handler(&health, &registry,
                          api::ApiOptions{config.String("DREICHOR_ADMIN_TOKEN")});
  std::unique_ptr<api::HttpServer> server;
  {
    const auto listen = config::ParseHostPort(config.String("DREICHOR_LISTEN"));
    api::HttpServerOptions options;
    options.address = listen->host;
    options.port = listen->port;
    options.max_body_bytes = static_cast<size_t>(config.Integer("DREICHOR_MAX_BODY_BYTES"));
    options.max_connections = static_cast<size_t>(config.Integer("DREICHOR_MAX_CONNECTIONS"));
    options.threads = kHttpThreads;
    auto started_server = api::HttpServer::Start(options, &handler);
    if (!started_server.ok()) {
      PhaseRun phase(&log, &health, Phase::kListen);
      return phase.Fail(kExitListen, started_server.status().message());
    }
    server = std::move(started_server).value();
    log.Info("health endpoints open", {{"address", server->address()}});
  }

  Services s;
  // ---- persistence ----
  {
    PhaseRun phase(&log, &health, Phase::kPersistence);
    const std::string snapshot_dir = config.String("DREICHOR_SNAPSHOT_DIR");
    LogFields facts;
    if (config.String("DREICHOR_AUDIT_BACKEND") == "postgres") {
      audit::PostgresLogOptions options;
      options.schema = config.String("DREICHOR_DATABASE_SCHEMA");
      auto connected = audit::PostgresLog::Connect(config.String("DREICHOR_DATABASE_URL"), options);
      if (!connected.ok()) {
        return phase.Fail(kExitPersistence, "audit log: " + connected.status().message());
      }
      s.postgres = connected.value().get();
      s.log = std::move(connected).value();
      facts["audit"] = s.log->Describe();
    } else {
      const std::string audit_dir = config.String("DREICHOR_AUDIT_DIR");
      audit::FileLogOptions options;
      options.segment_bytes = static_cast<uint64_t>(config.Integer("DREICHOR_AUDIT_SEGMENT_BYTES"));
      audit::RecoveryReport report;
      auto opened = audit::FileLog::Open(env, audit_dir, options, &report);
      if (!opened.ok()) {
        return phase.Fail(kExitPersistence,
                          "audit log " + audit_dir + ": " + opened.status().message());
      }
      s.file = opened.value().get();
      s.log = std::move(opened).value();
      if (report.truncated_tail) {
        log.Warn("torn tail truncated", {{"segment", report.segment},
                                         {"offset", report.offset},
                                         {"bytes_dropped", report.bytes_dropped}});
      }
      facts["audit"] = s.log->Describe();
      facts["created"] = report.created;
      facts["segments"] = report.segments;
      facts["last_sequence"] = s.log->last_sequence();
    }
    if (Status w = CheckWritable(env, snapshot_dir); !w.ok()) {
      return phase.Fail(kExitPersistence,
                        "snapshot directory " + snapshot_dir + " is not writable: " + w.message());
    }
    snapshot::SnapshotOptions snapshot_options;
    snapshot_options.retain = static_cast<size_t>(config.Integer("DREICHOR_SNAPSHOT_RETAIN"));
    s.snapshots = std::make_unique<snapshot::SnapshotStore>(env, snapshot_dir, snapshot_options);
    facts["snapshots"] = snapshot_dir;
    phase.Ok(facts);
  }

  // ---- schema ----
  if (s.postgres == nullptr) {
    PhaseRun(&log, &health, Phase::kSchema).Skipped("file audit backend: no database schema");
  } else {
    PhaseRun phase(&log, &health, Phase::kSchema);
    const std::string schema = config.String("DREICHOR_DATABASE_SCHEMA");
    auto missing = MissingMigrations(s.postgres->connection(), schema);
    if (!missing.ok()) return phase.Fail(kExitSchema, missing.status().message());
    if (!missing.value().empty()) {
      return phase.Fail(kExitSchema, "schema " + schema + " is behind this build: pending " +
                                         missing.value() + " (run dreichor-migrate apply)");
    }
    if (Status loaded = s.postgres->Load(); !loaded.ok()) {
      return phase.Fail(kExitSchema, "audit tables of " + schema + ": " + loaded.message());
    }
    phase.Ok({{"schema", schema},
              {"required_migrations", std::size(kRequiredMigrations)},
              {"last_sequence", s.log->last_sequence()}});
  }

  // ---- snapshot ----
  VerifiedSnapshot start;
  {
    PhaseRun phase(&log, &health, Phase::kSnapshot);
    auto best = ChooseSnapshot(config, s, &log);
    if (!best.ok()) return phase.Fail(kExitSnapshot, best.status().message());
    start = std::move(best).value();
    if (start.sequence == 0) {
      phase.Ok({{"sequence", 0}, {"note", "no usable snapshot: replaying from genesis"}});
    } else {
      phase.Ok({{"sequence", start.sequence}});
    }
  }
  const uint64_t snapshot_sequence = start.sequence;

  // ---- replay ----
  ReplayResult replayed;
  {
    PhaseRun phase(&log, &health, Phase::kReplay);
    health.SetReplayProgress(0, s.log->last_sequence() - start.sequence);
    ReplayOptions options;
    options.progress_every = kReplayHealthEvery;
    uint64_t next_log = kReplayLogEvery;
    options.progress = [&](uint64_t done, uint64_t total) {
      health.SetReplayProgress(done, total);
      if (done >= next_log) {
        log.Info("replay progress", {{"records", done}, {"total", total}});
        next_log = (done / kReplayLogEvery + 1) * kReplayLogEvery;
      }
    };
    auto result = ReplayFrom(*s.log, std::move(start), options);
    if (!result.ok()) return phase.Fail(kExitReplay, result.status().message());
    replayed = std::move(result).value();
    phase.Ok({{"records", replayed.records_replayed},
              {"from_sequence", snapshot_sequence},
              {"last_sequence", replayed.last_sequence},
              {"chain_hash", ToHex(replayed.last_chain)},
              {"state_hash", ToHex(replayed.engine->StateHash())}});
  }

  // ---- listen ----
  {
    PhaseRun phase(&log, &health, Phase::kListen);
    s.metrics = std::make_unique<RuntimeMetrics>(&registry, &health, env, &log, snapshot_sequence);
    SequencerOptions options;
    options.snapshot_every = static_cast<uint64_t>(config.Integer("DREICHOR_SNAPSHOT_EVERY"));
    options.snapshots = s.snapshots.get();
    options.observer = s.metrics.get();
    s.sequencer = std::make_unique<Sequencer>(env, s.log.get(), std::move(replayed.engine),
                                              replayed.last_timestamp_ns, options);
    health.Publish(s.sequencer.get(), s.log.get());
    phase.Ok({{"address", server->address()}});
  }

  // ---- ready ----
  {
    PhaseRun phase(&log, &health, Phase::kReady);
    signals.SetServing();
    if (s.file != nullptr && config.Integer("DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND") > 0) {
      ScrubOptions scrub;
      scrub.bytes_per_second =
          static_cast<uint64_t>(config.Integer("DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND"));
      s.scrubber = std::make_unique<AuditScrubber>(env, s.file, scrub, s.metrics.get());
      s.scrubber->Start();
    }
    phase.Ok({{"startup_ms",
               std::chrono::duration<double, std::milli>(Clock::now() - started).count()}});
  }

  // ---- serve, then shut down ----
  const std::string signal = signals.WaitForStop();
  const Clock::time_point stop_started = Clock::now();
  const auto deadline =
      stop_started + std::chrono::milliseconds(config.DurationMs("DREICHOR_SHUTDOWN_DEADLINE"));
  health.BeginShutdown();
  health.SetPhase(Phase::kStopping);
  log.Info("shutdown", {{"step", "begin"}, {"signal", signal}});
  if (s.scrubber) s.scrubber->Stop();
  s.sequencer->Stop();  // answers everything already queued; refuses the rest
  log.Info("shutdown", {{"step", "commands finished"},
                        {"last_sequence", s.sequencer->last_sequence()},
                        {"in_flight", handler.commands_in_flight()}});
  const bool drained = server->Drain(deadline);
  log.Info("shutdown", {{"step", "connections drained"}, {"complete", drained}});
  if (config.Integer("DREICHOR_SNAPSHOT_EVERY") > 0 && s.sequencer->healthy() &&
      s.sequencer->last_sequence() > s.metrics->newest_snapshot_sequence()) {
    const Status snap = s.sequencer->SnapshotNow();
    log.Log(snap.ok() ? LogLevel::kInfo : LogLevel::kWarn, "shutdown",
            {{"step", "snapshot"},
             {"sequence", s.sequencer->last_sequence()},
             {"outcome", snap.ok() ? "ok" : snap.message()}});
  }
  server->Stop();
  const std::string state_hash =
      ToHex(s.sequencer->Read([](const engine::Engine& e) { return e.StateHash(); }));
  const bool healthy = s.sequencer->healthy();
  log.Info("stopped",
           {{"exit_code", kExitOk},
            {"last_sequence", s.sequencer->last_sequence()},
            {"state_hash", state_hash},
            {"persistence_healthy", healthy},
            {"duration_ms",
             std::chrono::duration<double, std::milli>(Clock::now() - stop_started).count()}});
  signals.Done();
  return kExitOk;
}

}  // namespace dreichor::runtime
