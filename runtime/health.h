// HealthState: what the health endpoints report (infra/runtime/HEALTH_MODEL.md).
//
// Startup moves `phase` forward; replay reports progress; shutdown sets `shutting_down`. Once
// the sequencer exists it is published here, and its health (the audit log has not failed)
// is part of readiness: a fatal append or fsync error makes the runtime unready for good.
// All members are atomics: written by the startup/shutdown thread, read by HTTP threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "audit/audit_log.h"
#include "runtime/sequencer.h"

namespace dreichor::runtime {

// In order; see infra/runtime/STARTUP_CONTRACT.md.
enum class Phase : uint8_t {
  kConfiguration,
  kPersistence,
  kSchema,
  kSnapshot,
  kReplay,
  kListen,
  kReady,
  kStopping,
};

std::string_view PhaseName(Phase p);

class HealthState {
 public:
  void SetPhase(Phase p) { phase_.store(p); }
  Phase phase() const { return phase_.load(); }

  void SetReplayProgress(uint64_t done, uint64_t total) {
    replay_total_.store(total);
    replay_done_.store(done);
  }
  uint64_t replay_done() const { return replay_done_.load(); }
  uint64_t replay_total() const { return replay_total_.load(); }

  // The sequencer and its log, once the API opens; null before.
  void Publish(Sequencer* sequencer, audit::AuditLog* log) {
    log_.store(log);
    sequencer_.store(sequencer);
  }
  Sequencer* sequencer() const { return sequencer_.load(); }
  audit::AuditLog* log() const { return log_.load(); }

  // Set at the first shutdown signal; never cleared.
  void BeginShutdown() { shutting_down_.store(true); }
  bool shutting_down() const { return shutting_down_.load(); }

  bool persistence_healthy() const {
    Sequencer* s = sequencer_.load();
    return s == nullptr || s->healthy();
  }
  // Commands are accepted only when ready.
  bool ready() const {
    return phase_.load() == Phase::kReady && !shutting_down_.load() && sequencer_.load() &&
           persistence_healthy();
  }

 private:
  std::atomic<Phase> phase_{Phase::kConfiguration};
  std::atomic<uint64_t> replay_done_{0};
  std::atomic<uint64_t> replay_total_{0};
  std::atomic<Sequencer*> sequencer_{nullptr};
  std::atomic<audit::AuditLog*> log_{nullptr};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace dreichor::runtime
