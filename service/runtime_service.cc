#include "service/runtime_service.h"

#include <set>

#include "http/otlp_trace_exporter.h"
#include "http/traced_handler.h"
#include "migrate/journal.h"
#include "service/exit_codes.h"
#include "service/required_schema.h"
#include "stream/cloudevents.h"
#include "util/sha256.h"

namespace dreichor::service {

namespace {

using json = LogFields;
using runtime::Phase;

constexpr size_t kHttpThreads = 2;

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

}  // namespace

RuntimeService::~RuntimeService() {
  if (server_) server_->Stop();
  if (stream_) stream_->Stop();
}

Status RuntimeService::Bind() {
  handler_ = std::make_unique<api::ApiHandler>(
      health_, &registry_,
      api::ApiOptions{config_.String("DREICHOR_ADMIN_TOKEN"),
                      config_.Has("DREICHOR_TRADING_TOKEN")
                          ? config_.String("DREICHOR_TRADING_TOKEN")
                          : std::string()});
  const auto listen = config::ParseHostPort(config_.String("DREICHOR_LISTEN"));
  http::ServerOptions options;
  options.address = listen->host;
  options.port = listen->port;
  options.max_body_bytes = static_cast<size_t>(config_.Integer("DREICHOR_MAX_BODY_BYTES"));
  options.max_connections = static_cast<size_t>(config_.Integer("DREICHOR_MAX_CONNECTIONS"));
  options.threads = kHttpThreads;
  options.reads_wait_for_earlier_requests = true;
  const std::string traces = config_.String("DREICHOR_OTLP_TRACES_URL");
  if (traces != "none") {
    http::OtlpExporterOptions exporter;
    exporter.url = traces;
    exporter.service_name = "dreichor-runtime";
    exporter.env = config_.String("DREICHOR_ENV");
    exporter_ = std::make_unique<http::OtlpTraceExporter>(exporter, &registry_);
  }
  traced_ = std::make_unique<http::TracedHandler>(handler_.get(), RandomSource::System(),
                                                  exporter_.get());
  auto server = http::Server::Start(options, traced_.get());
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  address_ = server_->address();
  return Status::Ok();
}

Result<PhaseReport> RuntimeService::Persistence() {
  PhaseReport report;
  json& facts = report.facts;
  if (config_.String("DREICHOR_AUDIT_BACKEND") == "postgres") {
    audit::PostgresLogOptions options;
    options.schema = config_.String("DREICHOR_DATABASE_SCHEMA");
    options.expected_epoch = static_cast<uint32_t>(config_.Integer("DREICHOR_DATABASE_EPOCH"));
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
  if (Status w = CheckWritableDir(env_, snapshot_dir); !w.ok()) {
    return Status::IoError("snapshot directory " + snapshot_dir +
                           " is not writable: " + w.message());
  }
  snapshot::SnapshotOptions snapshot_options;
  snapshot_options.retain = static_cast<size_t>(config_.Integer("DREICHOR_SNAPSHOT_RETAIN"));
  snapshots_ = std::make_unique<snapshot::SnapshotStore>(env_, snapshot_dir, snapshot_options);
  facts["snapshots"] = snapshot_dir;
  if (config_.Has("DREICHOR_CHECKPOINT_KEY")) {
    auto signer = evidence::NoteSigner::Parse(config_.String("DREICHOR_CHECKPOINT_KEY"));
    if (!signer.ok()) {
      return Status::InvalidArgument("DREICHOR_CHECKPOINT_KEY: " + signer.status().message());
    }
    checkpoint_signer_ = std::move(signer).value();
  }
  return report;
}

Result<PhaseReport> RuntimeService::Schema() {
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
                      {"epoch", postgres_->epoch()},
                      {"required_migrations", std::size(kRequiredMigrations)},
                      {"last_sequence", log_store_->last_sequence()}},
                     ""};
}

Result<PhaseReport> RuntimeService::Listen() {
  metrics_ = std::make_unique<RuntimeMetrics>(&registry_, health_, dreichor::Clock::Real(), log_,
                                              replayed_.snapshot_sequence);
  runtime::SequencerOptions options;
  options.snapshot_every = static_cast<uint64_t>(config_.Integer("DREICHOR_SNAPSHOT_EVERY"));
  options.snapshots = snapshots_.get();
  options.observer = metrics_.get();
  stream_ = std::make_unique<stream::RecordHub>(
      log_store_.get(), snapshots_.get(), replayed_.last_sequence, replayed_.last_chain,
      stream::AuditSourceUri(log_store_->Describe()), dreichor::Clock::Real(), log_,
      stream::RecordHubOptions{});
  options.committed = stream_.get();
  options.notary = notary_.get();
  sequencer_ = std::make_unique<runtime::Sequencer>(dreichor::Clock::Real(), log_store_.get(),
                                                    std::move(replayed_.engine),
                                                    replayed_.last_timestamp_ns, options);
  stream_->Start(sequencer_.get());
  AddStreamMetrics(&registry_, stream_->stats());
  handler_->ServeStream(stream_.get());
  handler_->ServeProofs(notary_.get());
  if (notary_ != nullptr) AddEvidenceMetrics(&registry_, notary_.get());
  health_->Publish(sequencer_.get(), log_store_.get());
  return PhaseReport{{{"address", address_}}, ""};
}

Result<PhaseReport> RuntimeService::Ready() {
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

void RuntimeService::FinalSnapshot() {
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

int RuntimeService::ServeUntilStopped() {
  const std::string signal = signals_->WaitForStop();
  const Steady::time_point stop_started = Steady::now();
  const auto deadline =
      stop_started + std::chrono::milliseconds(config_.DurationMs("DREICHOR_SHUTDOWN_DEADLINE"));
  health_->BeginShutdown();
  health_->SetPhase(Phase::kStopping);
  log_->Info("shutdown", {{"step", "begin"}, {"signal", signal}});
  if (scrubber_) scrubber_->Stop();
  sequencer_->Stop();  // answers everything already queued; refuses the rest
  stream_->Stop();     // sends what was committed, then closes the subscribers
  if (Status flushed = notary_ != nullptr ? notary_->Flush() : Status::Ok(); !flushed.ok()) {
    log_->Warn("shutdown", {{"step", "checkpoint"}, {"outcome", flushed.message()}});
  }
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

}  // namespace dreichor::service
