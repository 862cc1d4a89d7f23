// RuntimeMetrics: the runtime's own metrics (the API registers per-command ones), fed by the
// sequencer as an observer and read from the health state when scraped. It also logs the
// sequencer's events an operator must see: a snapshot that failed, the audit log failing.
//
//   dreichor_append_batch_size            histogram  records per durable batch
//   dreichor_fsync_latency_seconds        histogram  write + fsync time of a batch
//   dreichor_last_sequence                gauge      last durable record
//   dreichor_replay_records[_to_apply]    gauges     replay progress (done, of how many)
//   dreichor_ready                        gauge      1 when ready
//   dreichor_snapshot_last_sequence       gauge      sequence of the newest snapshot written
//   dreichor_snapshot_age_records         gauge      records since it
//   dreichor_snapshot_age_seconds         gauge      wall time since it (since start if none)
//   dreichor_snapshot_duration_seconds    histogram  time to write one
//   dreichor_snapshot_failures_total      counter
//   dreichor_audit_scrub_segments_checked_total   counter  sealed segments re-read and checked
//   dreichor_audit_scrub_bytes_checked_total      counter
//   dreichor_audit_scrub_damage_found_total       counter  damaged segments found (each pass)
//   dreichor_audit_scrub_damaged_segments         gauge    damaged in the last complete pass
//   dreichor_audit_scrub_passes_total             counter
//   dreichor_audit_scrub_last_pass_timestamp_seconds  gauge  when the last full pass ended
#pragma once

#include <atomic>

#include "evidence/notary.h"
#include "http/metrics.h"
#include "runtime/audit_scrubber.h"
#include "runtime/health.h"
#include "runtime/sequencer.h"
#include "stream/record_hub.h"
#include "util/clock.h"
#include "util/json_log.h"

namespace dreichor::service {

// The record stream's figures (docs/record-stream.md): dreichor_stream_subscribers{state},
// dreichor_stream_subscribers_total, dreichor_stream_dropped_slow_total,
// dreichor_stream_messages_total, dreichor_stream_heartbeats_total. `stats` must outlive
// `registry`'s scrapes.
void AddStreamMetrics(http::MetricsRegistry* registry, const stream::RecordHubStats& stats);
// dreichor_audit_tree_size, dreichor_checkpoints_*: the notary must outlive the registry's use.
void AddEvidenceMetrics(http::MetricsRegistry* registry, const evidence::Notary* notary);

class RuntimeMetrics final : public runtime::SequencerObserver, public runtime::ScrubObserver {
 public:
  // `initial_snapshot_sequence` is the snapshot startup loaded (0: none).
  RuntimeMetrics(http::MetricsRegistry* registry, const runtime::HealthState* health, Clock* clock,
                 JsonLog* log, uint64_t initial_snapshot_sequence);

  void OnBatchDurable(size_t records, int64_t append_ns) override;
  void OnSnapshot(bool ok, uint64_t sequence, int64_t duration_ns) override;
  // Logs the failure (once) at error level: readiness is false from now on.
  void OnLogFailed(const Status& why) override;
  uint64_t newest_snapshot_sequence() const { return snapshot_sequence_.load(); }

  // Damage is logged at error level naming the segment, offset and sequence.
  void OnSegmentScrubbed(const audit::SegmentScrub& result) override;
  void OnScrubPassComplete(uint64_t segments, uint64_t damaged) override;

 private:
  const runtime::HealthState* health_;
  Clock* clock_;
  JsonLog* log_;
  http::Histogram* batch_size_;
  http::Histogram* fsync_;
  http::Histogram* snapshot_duration_;
  http::Counter* snapshot_failures_;
  http::Counter* scrub_segments_;
  http::Counter* scrub_bytes_;
  http::Counter* scrub_damage_;
  http::Counter* scrub_passes_;
  http::Gauge* scrub_damaged_segments_;
  http::Gauge* scrub_last_pass_;
  std::atomic<uint64_t> snapshot_sequence_;
  std::atomic<int64_t> snapshot_at_ns_;
};

}  // namespace dreichor::service
