#include "service/service.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>

#include "api/api_handler.h"
#include "audit/file_log.h"
#include "audit/postgres_log.h"
#include "config/env_schema.h"
#include "http/metrics.h"
#include "http/server.h"
#include "migrate/journal.h"
#include "runtime/audit_scrubber.h"
#include "runtime/health.h"
#include "runtime/replay.h"
#include "runtime/sequencer.h"
#include "service/exit_codes.h"
#include "service/required_schema.h"
#include "service/runtime_metrics.h"
#include "service/signal_watcher.h"
#include "snapshot/snapshot_store.h"
#include "util/json_log.h"
#include "util/sha256.h"

namespace dreichor::service {

namespace {

using runtime::Phase;
using Steady = std::chrono::steady_clock;
using json = LogFields;

constexpr size_t kHttpThreads = 2;
constexpr uint64_t kReplayHealthEvery = 1 << 16;  // records between health updates
constexpr uint64_t kReplayLogEvery = 1 << 20;     // records between progress log lines

double MillisecondsSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

// What a phase reports when it succeeds: the facts for its log line, or why it was skipped.
struct PhaseReport {
  json facts = json::object();
  std::string skipped_because;  // empty: the phase ran
};

// Times one startup phase and logs its one line: phase, outcome, duration, and either the
// phase's facts or the reason it failed.
class PhaseRun {
 public:
  PhaseRun(JsonLog* log, runtime::HealthState* health, Phase phase)
      : log_(log), phase_(phase), start_(Steady::now()) {
    health->SetPhase(phase);
  }
  void Report(const PhaseReport& r) {
    if (r.skipped_because.empty()) {
      Line(LogLevel::kInfo, "ok", r.facts);
    } else {
      Line(LogLevel::kInfo, "skipped", json{{"reason", r.skipped_because}});
    }
  }
  int Fail(int exit_code, const std::string& reason) {
    Line(LogLevel::kError, "failed", json{{"reason", reason}, {"exit_code", exit_code}});
    return exit_code;
  }

 private:
  void Line(LogLevel level, const char* outcome, const json& fields) {
    json line{{"phase", runtime::PhaseName(phase_)},
              {"outcome", outcome},
              {"duration_ms", MillisecondsSince(start_)}};
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
    log_->Log(level, "phase", line);
  }

  JsonLog* log_;
  Phase phase_;
  Steady::time_point start_;
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
  auto journal = migrate::ReadJournal(conn, schema);
  if (!journal.ok()) return journal.status();
  std::set<uint32_t> applied;
  for (const migrate::JournalEntry& e : journal.value()) applied.insert(e.version);
  std::string missing;
  for (const RequiredMigration& m : kRequiredMigrations) {
    if (applied.count(m.version) != 0) continue;
    char name[96];
    snprintf(name, sizeof(name), "%04u_%s", m.version, m.name);
    missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  return missing;
}

// The serving runtime: what the startup phases build, in construction order (destroyed in
// reverse), one method per phase (infra/runtime/STARTUP_CONTRACT.md), then serving and shutdown.
class Service {
 public:
  Service(const config::Config& config, Env* env, JsonLog* log, runtime::HealthState* health,
          SignalWatcher* signals)
      : config_(config), env_(env), log_(log), health_(health), signals_(signals) {}

  // Binds the listen address so that /health/* can report the phases that follow; everything
  // else answers 503 until Listen opens the API.
  Status Bind();
  Result<PhaseReport> Persistence();
  Result<PhaseReport> Schema();
  Result<PhaseReport> Snapshot();
  Result<PhaseReport> Replay();
  Result<PhaseReport> Listen();
  Result<PhaseReport> Ready();
  // Serves until SIGTERM/SIGINT, then shuts down (infra/runtime/SHUTDOWN_CONTRACT.md).
  int ServeUntilStopped();

  const std::string& address() const { return address_; }

 private:
  Result<runtime::VerifiedSnapshot> ChooseSnapshot();
  Status QuarantineContradictingSnapshots(uint64_t log_end);
  void FinalSnapshot();

  const config::Config& config_;
  Env* const env_;
  JsonLog* const log_;
  runtime::HealthState* const health_;
  SignalWatcher* const signals_;
  const Steady::time_point started_ = Steady::now();

  http::MetricsRegistry registry_;
  std::unique_ptr<api::ApiHandler> handler_;
  std::unique_ptr<http::Server> server_;
  std::string address_;
  std::unique_ptr<audit::AuditLog> log_store_;
  audit::PostgresLog* postgres_ = nullptr;  // the same log, with the postgres backend
  audit::FileLog* file_ = nullptr;          // the same log, with the file backend
  std::unique_ptr<snapshot::SnapshotStore> snapshots_;
  runtime::VerifiedSnapshot start_;
  runtime::ReplayResult replayed_;
  std::unique_ptr<RuntimeMetrics> metrics_;
  std::unique_ptr<runtime::Sequencer> sequencer_;
  std::unique_ptr<runtime::AuditScrubber> scrubber_;
};

Status Service::Bind() {
  handler_ = std::make_unique<api::ApiHandler>(
      health_, &registry_, api::ApiOptions{config_.String("DREICHOR_ADMIN_TOKEN")});
  const auto listen = config::ParseHostPort(config_.String("DREICHOR_LISTEN"));
  http::ServerOptions options;
  options.address = listen->host;
  options.port = listen->port;
  options.max_body_bytes = static_cast<size_t>(config_.Integer("DREICHOR_MAX_BODY_BYTES"));
  options.max_connections = static_cast<size_t>(config_.Integer("DREICHOR_MAX_CONNECTIONS"));
  options.threads = kHttpThreads;
  options.reads_wait_for_earlier_requests = true;
  auto server = http::Server::Start(options, handler_.get());
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  address_ = server_->address();
  return Status::Ok();
}

Result<PhaseReport> Service::Persistence() {
  PhaseReport report;
  json& facts = report.facts;
  if (config_.String("DREICHOR_AUDIT_BACKEND") == "postgres") {
    audit::PostgresLogOptions options;
    options.schema = config_.String("DREICHOR_DATABASE_SCHEMA");
    auto connected = audit::PostgresLog::Connect(config_.String("DREICHOR_DATABASE_URL"), options);
    if (!connected.ok()) return Status::IoError("audit log: " + connected.status().message());
    postgres_ = connected.value().get();
    log_store_ = std::move(connected).value();
    facts["audit"] = log_store_->Describe();
  } else {
    const std::string dir = config_.String("DREICHOR_AUDIT_DIR");
    audit::FileLogOptions options;
    options.segment_bytes = static_cast<uint64_t>(config_.Integer("DREICHOR_AUDIT_SEGMENT_BYTES"));
    audit::RecoveryReport recovery;
    auto opened = audit::FileLog::Open(env_, dir, options, &recovery);
    if (!opened.ok()) return Status::IoError("audit log " + dir + ": " + opened.status().message());
    file_ = opened.value().get();
    log_store_ = std::move(opened).value();
    if (recovery.truncated_tail) {
      log_->Warn("torn tail truncated", {{"segment", recovery.segment},
                                         {"offset", recovery.offset},
                                         {"bytes_dropped", recovery.bytes_dropped}});
    }
    facts["audit"] = log_store_->Describe();
    facts["created"] = recovery.created;
    facts["segments"] = recovery.segments;
    facts["last_sequence"] = log_store_->last_sequence();
  }
  const std::string snapshot_dir = config_.String("DREICHOR_SNAPSHOT_DIR");
  if (Status w = CheckWritable(env_, snapshot_dir); !w.ok()) {
    return Status::IoError("snapshot directory " + snapshot_dir +
                           " is not writable: " + w.message());
  }
  snapshot::SnapshotOptions snapshot_options;
  snapshot_options.retain = static_cast<size_t>(config_.Integer("DREICHOR_SNAPSHOT_RETAIN"));
  snapshots_ = std::make_unique<snapshot::SnapshotStore>(env_, snapshot_dir, snapshot_options);
  facts["snapshots"] = snapshot_dir;
  return report;
}

Result<PhaseReport> Service::Schema() {
  if (postgres_ == nullptr) return PhaseReport{{}, "file audit backend: no database schema"};
  const std::string schema = config_.String("DREICHOR_DATABASE_SCHEMA");
  auto missing = MissingMigrations(postgres_->connection(), schema);
  if (!missing.ok()) return missing.status();
  if (!missing.value().empty()) {
    return Status::FailedPrecondition("schema " + schema + " is behind this build: pending " +
                                      missing.value() + " (run dreichor-migrate apply)");
  }
  if (Status loaded = postgres_->Load(); !loaded.ok()) {
    return Status::IoError("audit tables of " + schema + ": " + loaded.message());
  }
  return PhaseReport{{{"schema", schema},
                      {"required_migrations", std::size(kRequiredMigrations)},
                      {"last_sequence", log_store_->last_sequence()}},
                     ""};
}

Result<PhaseReport> Service::Snapshot() {
  auto best = ChooseSnapshot();
  if (!best.ok()) return best.status();
  start_ = std::move(best).value();
  if (start_.sequence == 0) {
    return PhaseReport{{{"sequence", 0}, {"note", "no usable snapshot: replaying from genesis"}},
                       ""};
  }
  return PhaseReport{{{"sequence", start_.sequence}}, ""};
}

// The newest snapshot that verifies against the log. A snapshot that proves the log lost
// acknowledged records fails the phase, unless the operator acknowledged exactly this log end
// (DREICHOR_ACCEPT_AUDIT_LOSS_AT): then every contradicting snapshot is quarantined, logged at
// error level, and the search runs again.
Result<runtime::VerifiedSnapshot> Service::ChooseSnapshot() {
  std::vector<std::string> warnings;
  auto best =
      runtime::BestStart(*log_store_, snapshots_.get(), runtime::ReplayOptions{}, &warnings);
  for (const std::string& w : warnings) log_->Warn("snapshot skipped", {{"reason", w}});
  if (best.ok() || best.status().code() != StatusCode::kDataLoss) return best;
  const uint64_t end = log_store_->last_sequence();
  const std::string ack = "DREICHOR_ACCEPT_AUDIT_LOSS_AT=" + std::to_string(end);
  if (!config_.Has("DREICHOR_ACCEPT_AUDIT_LOSS_AT")) {
    return Status::DataLoss(best.status().message() + ". Refusing to start without the lost " +
                            "records: restore them, or acknowledge the loss with " + ack);
  }
  const int64_t accepted = config_.Integer("DREICHOR_ACCEPT_AUDIT_LOSS_AT");
  if (static_cast<uint64_t>(accepted) != end) {
    return Status::DataLoss(best.status().message() + ". DREICHOR_ACCEPT_AUDIT_LOSS_AT is " +
                            std::to_string(accepted) + " but the log ends at " +
                            std::to_string(end) + "; the acknowledgement is for " + ack);
  }
  log_->Error("audit loss acknowledged",
              {{"log_last_sequence", end}, {"evidence", best.status().message()}});
  if (Status q = QuarantineContradictingSnapshots(end); !q.ok()) return q;
  warnings.clear();
  best = runtime::BestStart(*log_store_, snapshots_.get(), runtime::ReplayOptions{}, &warnings);
  for (const std::string& w : warnings) log_->Warn("snapshot skipped", {{"reason", w}});
  return best;
}

Status Service::QuarantineContradictingSnapshots(uint64_t log_end) {
  auto files = snapshots_->List();
  if (!files.ok()) return files.status();
  for (const snapshot::SnapshotFile& f : files.value()) {
    auto checked = runtime::LoadVerifiedSnapshot(*log_store_, *snapshots_, f);
    if (checked.ok() || checked.status().code() != StatusCode::kDataLoss) continue;
    if (Status q = snapshots_->Quarantine(f.name); !q.ok()) return q;
    log_->Error("audit loss acknowledged: snapshot quarantined",
                {{"snapshot", f.name},
                 {"snapshot_sequence", f.sequence},
                 {"log_last_sequence", log_end},
                 {"reason", checked.status().message()},
                 {"moved_to", snapshots_->dir() + "/quarantine/" + f.name}});
  }
  return Status::Ok();
}

Result<PhaseReport> Service::Replay() {
  const uint64_t from = start_.sequence;
  health_->SetReplayProgress(0, log_store_->last_sequence() - from);
  runtime::ReplayOptions options;
  options.progress_every = kReplayHealthEvery;
  uint64_t next_log = kReplayLogEvery;
  options.progress = [&](uint64_t done, uint64_t total) {
    health_->SetReplayProgress(done, total);
    if (done >= next_log) {
      log_->Info("replay progress", {{"records", done}, {"total", total}});
      next_log = (done / kReplayLogEvery + 1) * kReplayLogEvery;
    }
  };
  auto result = runtime::ReplayFrom(*log_store_, std::move(start_), options);
  if (!result.ok()) return result.status();
  replayed_ = std::move(result).value();
  return PhaseReport{{{"records", replayed_.records_replayed},
                      {"from_sequence", from},
                      {"last_sequence", replayed_.last_sequence},
                      {"chain_hash", ToHex(replayed_.last_chain)},
                      {"state_hash", ToHex(replayed_.engine->StateHash())}},
                     ""};
}

Result<PhaseReport> Service::Listen() {
  metrics_ = std::make_unique<RuntimeMetrics>(&registry_, health_, dreichor::Clock::Real(), log_,
                                              replayed_.snapshot_sequence);
  runtime::SequencerOptions options;
  options.snapshot_every = static_cast<uint64_t>(config_.Integer("DREICHOR_SNAPSHOT_EVERY"));
  options.snapshots = snapshots_.get();
  options.observer = metrics_.get();
  sequencer_ = std::make_unique<runtime::Sequencer>(dreichor::Clock::Real(), log_store_.get(),
                                                    std::move(replayed_.engine),
                                                    replayed_.last_timestamp_ns, options);
  health_->Publish(sequencer_.get(), log_store_.get());
  return PhaseReport{{{"address", address_}}, ""};
}

Result<PhaseReport> Service::Ready() {
  signals_->SetServing();
  if (file_ != nullptr && config_.Integer("DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND") > 0) {
    runtime::ScrubOptions scrub;
    scrub.bytes_per_second =
        static_cast<uint64_t>(config_.Integer("DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND"));
    scrubber_ = std::make_unique<runtime::AuditScrubber>(env_, file_, scrub, metrics_.get());
    scrubber_->Start();
  }
  return PhaseReport{{{"startup_ms", MillisecondsSince(started_)}}, ""};
}

void Service::FinalSnapshot() {
  if (config_.Integer("DREICHOR_SNAPSHOT_EVERY") == 0 || !sequencer_->healthy() ||
      sequencer_->last_sequence() <= metrics_->newest_snapshot_sequence()) {
    return;
  }
  const Status snap = sequencer_->SnapshotNow();
  log_->Log(snap.ok() ? LogLevel::kInfo : LogLevel::kWarn, "shutdown",
            {{"step", "snapshot"},
             {"sequence", sequencer_->last_sequence()},
             {"outcome", snap.ok() ? "ok" : snap.message()}});
}

int Service::ServeUntilStopped() {
  const std::string signal = signals_->WaitForStop();
  const Steady::time_point stop_started = Steady::now();
  const auto deadline =
      stop_started + std::chrono::milliseconds(config_.DurationMs("DREICHOR_SHUTDOWN_DEADLINE"));
  health_->BeginShutdown();
  health_->SetPhase(Phase::kStopping);
  log_->Info("shutdown", {{"step", "begin"}, {"signal", signal}});
  if (scrubber_) scrubber_->Stop();
  sequencer_->Stop();  // answers everything already queued; refuses the rest
  log_->Info("shutdown", {{"step", "commands finished"},
                          {"last_sequence", sequencer_->last_sequence()},
                          {"in_flight", handler_->commands_in_flight()}});
  const bool drained = server_->Drain(deadline);
  log_->Info("shutdown", {{"step", "connections drained"}, {"complete", drained}});
  FinalSnapshot();
  server_->Stop();
  const std::string state_hash =
      ToHex(sequencer_->Read([](const engine::Engine& e) { return e.StateHash(); }));
  log_->Info("stopped", {{"exit_code", kExitOk},
                         {"last_sequence", sequencer_->last_sequence()},
                         {"state_hash", state_hash},
                         {"persistence_healthy", sequencer_->healthy()},
                         {"duration_ms", MillisecondsSince(stop_started)}});
  signals_->Done();
  return kExitOk;
}

// The startup phases after configuration, in order, with the exit code each fails with.
struct Step {
  Phase phase;
  int exit_code;
  Result<PhaseReport> (Service::*run)();
};
constexpr Step kSteps[] = {
    {Phase::kPersistence, kExitPersistence, &Service::Persistence},
    {Phase::kSchema, kExitSchema, &Service::Schema},
    {Phase::kSnapshot, kExitSnapshot, &Service::Snapshot},
    {Phase::kReplay, kExitReplay, &Service::Replay},
    {Phase::kListen, kExitListen, &Service::Listen},
    {Phase::kReady, kExitInternal, &Service::Ready},
};

// The configuration phase: every problem logged on its own line, then the phase's line.
int CheckConfiguration(const config::Validation& validation, const config::EnvMap& env_map,
                       JsonLog* log, runtime::HealthState* health) {
  PhaseRun phase(log, health, Phase::kConfiguration);
  if (!validation.ok()) {
    for (const config::ConfigProblem& p : validation.problems) {
      log->Error("configuration problem", {{"var", p.var}, {"problem", p.problem}});
    }
    return phase.Fail(kExitConfiguration,
                      std::to_string(validation.problems.size()) +
                          " configuration problem(s); the first: " + validation.problems[0].var +
                          " " + validation.problems[0].problem);
  }
  phase.Report(PhaseReport{{{"config", RedactedConfig(env_map)}}, ""});
  return kExitOk;
}

}  // namespace

int RunService(const config::EnvMap& env_map) {
  const config::Validation validation = config::Validate(config::RuntimeSchema(), env_map);
  LogLevel level = LogLevel::kInfo;
  if (validation.config.Has("DREICHOR_LOG_LEVEL")) {
    level = ParseLogLevel(validation.config.String("DREICHOR_LOG_LEVEL")).value_or(level);
  }
  JsonLog log(stdout, level, dreichor::Clock::Real());
  runtime::HealthState health;
  SignalWatcher signals(&log);
  log.Info("starting", {{"pid", getpid()}});
  if (int code = CheckConfiguration(validation, env_map, &log, &health); code != kExitOk) {
    return code;
  }
  const config::Config& config = validation.config;
  signals.SetDeadline(std::chrono::milliseconds(config.DurationMs("DREICHOR_SHUTDOWN_DEADLINE")));

  Service service(config, Env::Default(), &log, &health, &signals);
  if (Status bound = service.Bind(); !bound.ok()) {
    return PhaseRun(&log, &health, Phase::kListen).Fail(kExitListen, bound.message());
  }
  log.Info("health endpoints open", {{"address", service.address()}});
  for (const Step& step : kSteps) {
    PhaseRun phase(&log, &health, step.phase);
    auto report = (service.*step.run)();
    if (!report.ok()) return phase.Fail(step.exit_code, report.status().message());
    phase.Report(report.value());
  }
  return service.ServeUntilStopped();
}

}  // namespace dreichor::service
