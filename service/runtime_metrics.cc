#include "service/runtime_metrics.h"

namespace dreichor::service {

RuntimeMetrics::RuntimeMetrics(http::MetricsRegistry* registry, const runtime::HealthState* health,
                               Clock* clock, JsonLog* log, uint64_t initial_snapshot_sequence)
    : health_(health),
      clock_(clock),
      log_(log),
      snapshot_sequence_(initial_snapshot_sequence),
      snapshot_at_ns_(clock->NowUnixNanos()) {
  batch_size_ = registry->AddHistogram("dreichor_append_batch_size",
                                       "Records per durable audit-log batch (group commit).",
                                       http::ExponentialBuckets(1, 2, 14));
  fsync_ = registry->AddHistogram("dreichor_fsync_latency_seconds",
                                  "Time to write and fsync one audit-log batch.",
                                  http::ExponentialBuckets(25e-6, 2, 16));
  registry->AddGaugeFunction("dreichor_last_sequence",
                             "Sequence number of the last durable record.", [this] {
                               runtime::Sequencer* s = health_->sequencer();
                               return s == nullptr ? 0.0 : static_cast<double>(s->last_sequence());
                             });
  registry->AddGaugeFunction("dreichor_replay_records", "Records replayed at startup so far.",
                             [this] { return static_cast<double>(health_->replay_done()); });
  registry->AddGaugeFunction("dreichor_replay_records_to_apply",
                             "Records startup has to replay (known once the snapshot is loaded).",
                             [this] { return static_cast<double>(health_->replay_total()); });
  registry->AddGaugeFunction("dreichor_ready", "1 when the runtime is ready for commands.",
                             [this] { return health_->ready() ? 1.0 : 0.0; });
  registry->AddGaugeFunction(
      "dreichor_audit_log_healthy",
      "0 once an audit-log write or sync has failed: commands are refused until a restart.",
      [this] { return health_->persistence_healthy() ? 1.0 : 0.0; });
  registry->AddGaugeFunction("dreichor_snapshot_last_sequence",
                             "Sequence number of the newest snapshot written or loaded.",
                             [this] { return static_cast<double>(snapshot_sequence_.load()); });
  registry->AddGaugeFunction("dreichor_snapshot_age_records",
                             "Records made durable since the newest snapshot.", [this] {
                               runtime::Sequencer* s = health_->sequencer();
                               const uint64_t last = s == nullptr ? 0 : s->last_sequence();
                               const uint64_t snap = snapshot_sequence_.load();
                               return last > snap ? static_cast<double>(last - snap) : 0.0;
                             });
  registry->AddGaugeFunction(
      "dreichor_snapshot_age_seconds",
      "Seconds since the newest snapshot was written (or since start).", [this] {
        return static_cast<double>(clock_->NowUnixNanos() - snapshot_at_ns_.load()) / 1e9;
      });
  snapshot_duration_ = registry->AddHistogram("dreichor_snapshot_duration_seconds",
                                              "Time to compress, write and sync one snapshot.",
                                              http::ExponentialBuckets(1e-3, 2, 16));
  snapshot_failures_ = registry->AddCounter("dreichor_snapshot_failures_total",
                                            "Snapshots that could not be written.");
  scrub_segments_ = registry->AddCounter("dreichor_audit_scrub_segments_checked_total",
                                         "Sealed audit segments re-read from disk and checked.");
  scrub_bytes_ = registry->AddCounter("dreichor_audit_scrub_bytes_checked_total",
                                      "Bytes of sealed audit segments re-read and checked.");
  scrub_damage_ = registry->AddCounter(
      "dreichor_audit_scrub_damage_found_total",
      "Damaged sealed segments found by the scrub (a segment counts again on every pass).");
  scrub_passes_ = registry->AddCounter("dreichor_audit_scrub_passes_total",
                                       "Complete scrub passes over the sealed segments.");
  scrub_damaged_segments_ = registry->AddGauge("dreichor_audit_scrub_damaged_segments",
                                               "Damaged sealed segments in the last full pass.");
  scrub_last_pass_ =
      registry->AddGauge("dreichor_audit_scrub_last_pass_timestamp_seconds",
                         "Unix time at which the last full scrub pass ended (0: none yet).");
}

void RuntimeMetrics::OnSegmentScrubbed(const audit::SegmentScrub& result) {
  scrub_segments_->Add();
  scrub_bytes_->Add(result.bytes);
  if (!result.damaged) return;
  scrub_damage_->Add();
  log_->Error("audit segment damaged", {{"segment", result.segment},
                                        {"offset", result.offset},
                                        {"sequence", result.sequence},
                                        {"reason", result.reason},
                                        {"found_by", "scrub"}});
}

void RuntimeMetrics::OnScrubPassComplete(uint64_t segments, uint64_t damaged) {
  scrub_passes_->Add();
  scrub_damaged_segments_->Set(static_cast<double>(damaged));
  scrub_last_pass_->Set(static_cast<double>(clock_->NowUnixNanos()) / 1e9);
  log_->Log(damaged == 0 ? LogLevel::kDebug : LogLevel::kError, "audit scrub pass complete",
            {{"segments", segments}, {"damaged", damaged}});
}

void RuntimeMetrics::OnBatchDurable(size_t records, int64_t append_ns) {
  batch_size_->Observe(static_cast<double>(records));
  fsync_->Observe(static_cast<double>(append_ns) / 1e9);
}

void RuntimeMetrics::OnSnapshot(bool ok, uint64_t sequence, int64_t duration_ns) {
  if (!ok) {
    snapshot_failures_->Add();
    log_->Warn("snapshot failed", {{"sequence", sequence}});
    return;
  }
  snapshot_duration_->Observe(static_cast<double>(duration_ns) / 1e9);
  snapshot_sequence_.store(sequence);
  snapshot_at_ns_.store(clock_->NowUnixNanos());
}

void RuntimeMetrics::OnLogFailed(const Status& why) {
  log_->Error("audit log failed: not ready until restarted",
              {{"reason", why.ToString()},
               {"last_durable_sequence",
                health_->sequencer() ? health_->sequencer()->last_sequence() : 0}});
}

void AddStreamMetrics(http::MetricsRegistry* registry, const stream::RecordHubStats& stats) {
  const std::string subscribers =
      "Record stream subscribers now, live or catching up from the log.";
  registry->AddGaugeFunction("dreichor_stream_subscribers", subscribers,
                             [&stats] { return static_cast<double>(stats.live.load()); },
                             {{"state", "live"}});
  registry->AddGaugeFunction("dreichor_stream_subscribers", subscribers,
                             [&stats] { return static_cast<double>(stats.catching_up.load()); },
                             {{"state", "catching_up"}});
  registry->AddCounterFunction("dreichor_stream_subscribers_total",
                               "Record stream subscribers accepted.",
                               [&stats] { return static_cast<double>(stats.subscribed.load()); });
  registry->AddCounterFunction("dreichor_stream_dropped_slow_total",
                               "Record stream subscribers closed because they fell too far behind.",
                               [&stats] { return static_cast<double>(stats.dropped_slow.load()); });
  registry->AddCounterFunction("dreichor_stream_messages_total",
                               "Record stream messages (batches) sent to the live subscribers.",
                               [&stats] { return static_cast<double>(stats.messages.load()); });
  registry->AddCounterFunction("dreichor_stream_heartbeats_total", "Record stream heartbeats sent.",
                               [&stats] { return static_cast<double>(stats.heartbeats.load()); });
}

void AddEvidenceMetrics(http::MetricsRegistry* registry, const evidence::Notary* notary) {
  const evidence::NotaryStats& stats = notary->stats();
  registry->AddGaugeFunction("dreichor_audit_tree_size",
                             "Records in the audit log's Merkle tree (its newest checkpoint).",
                             [notary] { return static_cast<double>(notary->head().size); });
  registry->AddCounterFunction(
      "dreichor_checkpoints_signed_total", "Audit checkpoints signed (one per group commit).",
      [&stats] { return static_cast<double>(stats.checkpoints_signed.load()); });
  registry->AddCounterFunction(
      "dreichor_checkpoints_skipped_total",
      "Tree heads not signed because signing fell more than 64 heads behind (newest signed).",
      [&stats] { return static_cast<double>(stats.checkpoints_skipped.load()); });
  registry->AddCounterFunction(
      "dreichor_checkpoint_sign_seconds_total", "Time spent signing audit checkpoints.",
      [&stats] { return static_cast<double>(stats.sign_ns_total.load()) / 1e9; });
  registry->AddCounterFunction(
      "dreichor_checkpoint_file_failures_total",
      "Failed writes of the newest checkpoint to the audit tree's checkpoint file.",
      [&stats] { return static_cast<double>(stats.checkpoint_file_failures.load()); });
}

}  // namespace dreichor::service
