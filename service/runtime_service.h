// RuntimeService: the serving runtime. What the startup phases build, in construction order
// (destroyed in reverse), one method per phase of infra/runtime/STARTUP_CONTRACT.md, each
// returning its report or the reason it failed; then serving until a signal, and the shutdown of
// infra/runtime/SHUTDOWN_CONTRACT.md. service.cc runs the phases in order.
//
// The phase methods live in runtime_service.cc (persistence, schema, listen, ready, serving) and
// replay_phases.cc (snapshot, replay). Used from one thread: the process's main thread.
#pragma once

#include <memory>
#include <string>

#include "api/api_handler.h"
#include "audit/file_log.h"
#include "audit/postgres_log.h"
#include "config/env_config.h"
#include "evidence/notary.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/traced_handler.h"
#include "runtime/audit_scrubber.h"
#include "runtime/health.h"
#include "runtime/replay.h"
#include "runtime/sequencer.h"
#include "service/phase_run.h"
#include "service/runtime_metrics.h"
#include "service/signal_watcher.h"
#include "snapshot/snapshot_store.h"
#include "stream/record_hub.h"
#include "util/env.h"
#include "util/json_log.h"

namespace dreichor::service {

class RuntimeService {
 public:
  RuntimeService(const config::Config& config, Env* env, JsonLog* log, runtime::HealthState* health,
                 SignalWatcher* signals)
      : config_(config), env_(env), log_(log), health_(health), signals_(signals) {}
  // Stops the server from accepting (no upgrade may reach the stream's hub once it is gone) and
  // the hub (its connections must not outlive the server), whatever phase the service reached.
  ~RuntimeService();

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
  // The notary over the audit tree opened (in `dir`) at the replayed log's end; facts for the log.
  void StartNotary(std::unique_ptr<evidence::TreeStore> tree,
                   const evidence::TreeOpenReport& opened, const std::string& dir,
                   LogFields* facts);
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
  std::unique_ptr<http::SpanSink> exporter_;  // DREICHOR_OTLP_TRACES_URL; null: none
  std::unique_ptr<http::Handler> traced_;     // handler_ behind W3C trace context
  std::unique_ptr<http::Server> server_;
  std::string address_;
  std::unique_ptr<audit::AuditLog> log_store_;
  audit::PostgresLog* postgres_ = nullptr;  // the same log, with the postgres backend
  audit::FileLog* file_ = nullptr;          // the same log, with the file backend
  std::unique_ptr<snapshot::SnapshotStore> snapshots_;
  runtime::VerifiedSnapshot start_;
  runtime::ReplayResult replayed_;
  std::unique_ptr<evidence::NoteSigner> checkpoint_signer_;  // DREICHOR_CHECKPOINT_KEY, if set
  std::unique_ptr<evidence::Notary> notary_;                 // used by sequencer_: outlives it
  std::unique_ptr<RuntimeMetrics> metrics_;
  std::unique_ptr<stream::RecordHub> stream_;  // fed by sequencer_: destroyed after it
  std::unique_ptr<runtime::Sequencer> sequencer_;
  std::unique_ptr<runtime::AuditScrubber> scrubber_;
};

}  // namespace dreichor::service
