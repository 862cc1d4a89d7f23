#include "sim/simulation.h"

#include <cerrno>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <tuple>
#include <vector>

#include "audit/file_log.h"
#include "audit/verify.h"
#include "engine/command_codec.h"
#include "engine/engine.h"
#include "runtime/replay.h"
#include "runtime/sequencer.h"
#include "sim/command_source.h"
#include "snapshot/snapshot_store.h"
#include "testing/fake_clock.h"
#include "util/fault_injection_env.h"
#include "util/mem_env.h"

namespace dreichor::sim {

namespace {

const char kLogDir[] = "/data/audit-events";
const char kSnapshotDir[] = "/data/snapshots";

// Independent streams from one seed: the n-th output of SplitMix64 started at the seed (nearby
// seeds must not give shifted copies of one stream).
uint64_t DeriveSeed(uint64_t seed, int n) {
  SeededRandom base(seed);
  uint64_t out = 0;
  for (int i = 0; i < n; ++i) out = base.Next();
  return out;
}

// Lets the simulator wait until the snapshot a batch started has been written (or has failed).
class SnapshotWaiter final : public runtime::SequencerObserver {
 public:
  void OnBatchDurable(size_t, int64_t) override {}
  void OnLogFailed(const Status&) override {}
  void OnSnapshot(bool, uint64_t, int64_t) override {
    std::lock_guard<std::mutex> guard(mu_);
    ++done_;
    cv_.notify_all();
  }
  void WaitFor(uint64_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_ >= count; });
  }
  uint64_t done() {
    std::lock_guard<std::mutex> guard(mu_);
    return done_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;
};

auto Fields(const engine::Event& e) {
  return std::tie(e.type, e.side, e.kind, e.priority_kept, e.reason, e.market, e.order_count,
                  e.market_seq, e.order_id, e.account, e.maker_order_id, e.maker_account,
                  e.trade_id, e.price, e.quantity, e.fee, e.maker_fee);
}

bool SameAnswer(const runtime::CommandResult& got, const engine::Outcome& outcome,
                const std::vector<engine::Event>& events) {
  if (got.outcome.accepted != outcome.accepted || got.outcome.reason != outcome.reason ||
      got.outcome.order_id != outcome.order_id || got.events.size() != events.size()) {
    return false;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (Fields(got.events[i]) != Fields(events[i])) return false;
  }
  return true;
}

// The independent reference: an engine that applies exactly the log's commands, in order, and
// the chain hash the log must hold after them.
struct Model {
  std::unique_ptr<engine::Engine> engine = std::make_unique<engine::Engine>();
  uint64_t last_sequence = 0;
  audit::Digest chain{};
  int64_t last_timestamp_ns = 0;
  uint64_t acknowledged_through = 0;  // the highest sequence ever answered durable
  audit::Digest acknowledged_chain{};
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& options)
      : options_(options),
        rng_(DeriveSeed(options.seed, 1)),
        ids_(DeriveSeed(options.seed, 2)),
        commands_(DeriveSeed(options.seed, 3)),
        snapshots_(&env_, kSnapshotDir, snapshot::SnapshotOptions{2, 1}) {
    report_.seed = options.seed;
  }

  SimReport Run();

 private:
  uint64_t Below(uint64_t n) { return rng_.Next() % n; }
  void Trace(const std::string& what) {
    if (options_.trace) std::cerr << "step " << report_.steps << ": " << what << "\n";
  }
  void Fail(const std::string& what);

  Status Start();
  void SendBatch();
  void Check(const runtime::CommandResult& result, const engine::Command& command);
  void DrawFault();
  void Crash();
  void DamageASnapshot();
  Status CatchUpModel(audit::AuditLog& log);
  Status CheckRecovered(const runtime::ReplayResult& replayed);
  void Finish();

  const SimOptions options_;
  SeededRandom rng_;
  SeededRandom ids_;
  CommandSource commands_;
  MemEnv disk_;
  FaultInjectionEnv env_{&disk_};
  testing::FakeClock clock_;
  snapshot::SnapshotStore snapshots_;
  SnapshotWaiter snapshot_waiter_;
  std::unique_ptr<audit::FileLog> log_;
  std::unique_ptr<runtime::Sequencer> sequencer_;
  uint64_t snapshot_every_ = 0;
  uint64_t segment_bytes_ = 0;
  bool log_failed_ = false;
  Model model_;
  SimReport report_;
};

void Simulation::Fail(const std::string& what) {
  if (!report_.failure.empty()) return;
  std::ostringstream out;
  out << "seed " << options_.seed << ", step " << report_.steps << " (after " << report_.recoveries
      << " recoveries): " << what;
  report_.failure = out.str();
}

// Opens the log and replays it as the runtime does at start, checks what was recovered, and
// starts a sequencer on it. Each start draws the log's segment size and the snapshot interval.
Status Simulation::Start() {
  env_.ClearFaults();
  if (options_.lying_disk) env_.SetSyncsLie(true);
  if (Status s = env_.CreateDirs(kLogDir); !s.ok()) return s;
  if (Status s = env_.CreateDirs(kSnapshotDir); !s.ok()) return s;
  segment_bytes_ = 1024 + Below(16 * 1024);
  snapshot_every_ = Below(3) == 0 ? 0 : 20 + Below(300);
  audit::FileLogOptions log_options;
  log_options.segment_bytes = segment_bytes_;
  log_options.clock = &clock_;
  log_options.random = &ids_;
  audit::RecoveryReport recovery;
  auto log = audit::FileLog::Open(&env_, kLogDir, log_options, &recovery);
  if (!log.ok()) return Status::Corruption("the log does not open: " + log.status().ToString());
  log_ = std::move(log).value();
  if (recovery.created) model_.chain = model_.acknowledged_chain = log_->genesis();
  if (Status s = CatchUpModel(*log_); !s.ok()) return s;

  auto replayed = runtime::Replay(*log_, &snapshots_, runtime::ReplayOptions{});
  if (!replayed.ok()) return Status::Corruption("replay failed: " + replayed.status().ToString());
  if (Status s = CheckRecovered(replayed.value()); !s.ok()) return s;
  report_.recoveries++;
  Trace("started at sequence " + std::to_string(model_.last_sequence) + ", segments of " +
        std::to_string(segment_bytes_) + " bytes" +
        (recovery.truncated_tail ? ", torn tail cut in " + recovery.segment : std::string()));
  if (replayed.value().snapshot_sequence > 0) report_.recoveries_from_snapshot++;

  runtime::SequencerOptions seq_options;
  seq_options.max_batch = 64;
  seq_options.snapshot_every = snapshot_every_;
  seq_options.snapshots = &snapshots_;
  seq_options.random = &ids_;
  seq_options.observer = &snapshot_waiter_;
  sequencer_ =
      std::make_unique<runtime::Sequencer>(&clock_, log_.get(), std::move(replayed.value().engine),
                                           replayed.value().last_timestamp_ns, seq_options);
  log_failed_ = false;
  return Status::Ok();
}

// Reads what the log holds beyond the model: first the acknowledged prefix must be there under
// the same chain hash, then every later record is applied to the model (durable, unanswered).
Status Simulation::CatchUpModel(audit::AuditLog& log) {
  if (log.last_sequence() < model_.acknowledged_through) {
    return Status::DataLoss("acknowledged command " + std::to_string(model_.acknowledged_through) +
                            " is missing: the log ends at " + std::to_string(log.last_sequence()));
  }
  if (log.last_sequence() < model_.last_sequence) {
    // Unanswered records the model had applied were lost with the power: rebuild the model from
    // the log (they were never acknowledged, so losing them is allowed).
    model_.engine = std::make_unique<engine::Engine>();
    model_.last_sequence = 0;
    model_.chain = log.genesis();
    model_.last_timestamp_ns = 0;
  }
  auto reader = log.ReadFrom(model_.last_sequence + 1);
  if (!reader.ok()) return reader.status();
  audit::Record record;
  for (;;) {
    auto more = reader.value()->Next(&record);
    if (!more.ok())
      return Status::Corruption("reading the recovered log: " + more.status().ToString());
    if (!more.value()) break;
    if (record.sequence != model_.last_sequence + 1) {
      return Status::Corruption("record " + std::to_string(record.sequence) + " follows " +
                                std::to_string(model_.last_sequence));
    }
    audit::PendingRecord pending{record.sequence, record.timestamp_ns, record.event_id, record.type,
                                 record.payload};
    if (audit::ChainHash(model_.chain, pending) != record.chain) {
      return Status::Corruption("chain broken at " + std::to_string(record.sequence));
    }
    auto command = engine::DecodeCommand(record.payload);
    if (!command.ok()) {
      return Status::Corruption("record " + std::to_string(record.sequence) +
                                " is not a whole command: " + command.status().ToString());
    }
    if (record.timestamp_ns < model_.last_timestamp_ns) {
      return Status::Corruption("time went backwards at record " + std::to_string(record.sequence));
    }
    (void)model_.engine->Apply(command.value(), record.timestamp_ns);
    model_.last_sequence = record.sequence;
    model_.chain = record.chain;
    model_.last_timestamp_ns = record.timestamp_ns;
    if (record.sequence == model_.acknowledged_through &&
        record.chain != model_.acknowledged_chain) {
      return Status::DataLoss("acknowledged command " + std::to_string(record.sequence) +
                              " was replaced: its chain hash differs");
    }
    if (record.sequence > model_.acknowledged_through) report_.unacknowledged_durable++;
  }
  return Status::Ok();
}

Status Simulation::CheckRecovered(const runtime::ReplayResult& replayed) {
  if (replayed.last_sequence != model_.last_sequence || replayed.last_chain != model_.chain) {
    return Status::Corruption("replay ended at " + std::to_string(replayed.last_sequence) +
                              ", the log at " + std::to_string(model_.last_sequence));
  }
  if (replayed.engine->StateHash() != model_.engine->StateHash()) {
    return Status::Corruption("the recovered state differs from the model's (replay started at " +
                              std::to_string(replayed.snapshot_sequence) + ")");
  }
  return Status::Ok();
}

// Compares one answer with the model, which applies the command at the same time stamp.
void Simulation::Check(const runtime::CommandResult& result, const engine::Command& command) {
  if (!result.status.ok()) {
    report_.refused++;
    log_failed_ = true;
    return;
  }
  report_.acknowledged++;
  if (result.sequence != model_.last_sequence + 1) {
    Fail("answered sequence " + std::to_string(result.sequence) + " after " +
         std::to_string(model_.last_sequence));
    return;
  }
  if (result.timestamp_ns < model_.last_timestamp_ns) {
    Fail("timestamp went backwards at sequence " + std::to_string(result.sequence));
    return;
  }
  const engine::Outcome outcome = model_.engine->Apply(command, result.timestamp_ns);
  if (!SameAnswer(result, outcome, model_.engine->events())) {
    Fail("the answer to sequence " + std::to_string(result.sequence) + " differs from the model's");
    return;
  }
  audit::PendingRecord record{result.sequence, result.timestamp_ns, result.event_id,
                              static_cast<uint16_t>(engine::TypeOf(command)),
                              engine::EncodeCommand(command)};
  model_.chain = audit::ChainHash(model_.chain, record);
  model_.last_sequence = result.sequence;
  model_.last_timestamp_ns = result.timestamp_ns;
  model_.acknowledged_through = result.sequence;
  model_.acknowledged_chain = model_.chain;
}

void Simulation::SendBatch() {
  const size_t n = 1 + Below(Below(4) == 0 ? 16 : 4);
  std::vector<engine::Command> batch;
  for (size_t i = 0; i < n; ++i) batch.push_back(commands_.Next());
  std::vector<runtime::CommandResult> results(n);
  std::mutex mu;
  std::condition_variable cv;
  size_t answered = 0;
  std::vector<std::pair<engine::Command, runtime::CommandCallback>> submit;
  for (size_t i = 0; i < n; ++i) {
    submit.emplace_back(batch[i], [&, i](const runtime::CommandResult& r) {
      std::lock_guard<std::mutex> guard(mu);
      results[i] = r;
      if (++answered == n) cv.notify_all();
    });
  }
  const uint64_t snapshots_before = snapshot_waiter_.done();
  const uint64_t before = model_.last_sequence;
  sequencer_->SubmitTogether(std::move(submit));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return answered == n; });
  }
  report_.steps += n;
  report_.batches++;
  for (size_t i = 0; i < n && report_.ok(); ++i) Check(results[i], batch[i]);
  // A batch that crossed a multiple of the interval started a snapshot: wait for it, so that its
  // writes never interleave with the next batch's (determinism).
  const uint64_t after = model_.last_sequence;
  if (snapshot_every_ > 0 && after / snapshot_every_ != before / snapshot_every_) {
    snapshot_waiter_.WaitFor(snapshots_before + 1);
  }
}

void Simulation::DrawFault() {
  const uint64_t roll = Below(1000);
  if (roll < 15) {
    const uint64_t budget = Below(4096);
    env_.SetWriteBudget(budget, Below(2) == 0 ? ENOSPC : EIO);
    report_.torn_writes++;
    Trace("writes stop after " + std::to_string(budget) + " bytes");
  } else if (roll < 22) {
    env_.FailSyncs(EIO);
    report_.failed_syncs++;
    Trace("syncs fail");
  } else if (roll < 26) {
    env_.FailWrites(EIO);
    report_.failed_writes++;
    Trace("writes fail");
  } else if (roll < 36) {
    Crash();
  } else if (roll < 56) {
    // Forwards up to a day, or backwards up to an hour (an NTP step, a VM resumed).
    clock_.Advance(std::chrono::nanoseconds(Below(2) == 0
                                                ? static_cast<int64_t>(Below(86'400'000'000'000))
                                                : -static_cast<int64_t>(Below(3'600'000'000'000))));
    report_.clock_jumps++;
  } else {
    clock_.Advance(std::chrono::nanoseconds(Below(2'000'000)));  // time passes between batches
  }
}

// Ends the process as kill -9 or a power cut would, then starts again.
void Simulation::Crash() {
  sequencer_->Stop();  // answers nothing more: every batch sent has been answered
  sequencer_.reset();
  log_.reset();
  if (Below(2) == 0) {
    env_.SimulateCrash();
    report_.power_losses++;
    Trace("power lost");
  } else {
    report_.process_crashes++;
    Trace("process crashed");
  }
  if (Below(10) == 0) DamageASnapshot();
  if (Status s = Start(); !s.ok()) Fail(s.ToString());
}

// Flips one byte of a snapshot file, or cuts it short, while the process is down.
void Simulation::DamageASnapshot() {
  auto files = snapshots_.List();
  if (!files.ok() || files.value().empty()) return;
  const auto& file = files.value()[Below(files.value().size())];
  const std::string path = std::string(kSnapshotDir) + "/" + file.name;
  std::string bytes;
  if (!disk_.ReadFile(path, &bytes).ok() || bytes.empty()) return;
  if (Below(2) == 0) {
    bytes[Below(bytes.size())] ^= static_cast<char>(1 + Below(255));
  } else {
    bytes.resize(Below(bytes.size()));
  }
  (void)disk_.WriteWholeFile(path, bytes);
  report_.snapshots_damaged++;
}

void Simulation::Finish() {
  sequencer_->Stop();
  sequencer_.reset();
  log_.reset();
  env_.ClearFaults();
  audit::FileLogOptions read_only;
  read_only.read_only = true;
  audit::RecoveryReport recovery;
  auto log = audit::FileLog::Open(&env_, kLogDir, read_only, &recovery);
  if (!log.ok()) return Fail("the final log does not open: " + log.status().ToString());
  auto verified = audit::VerifyLog(*log.value());
  if (!verified.ok()) return Fail("the final log does not verify: " + verified.status().ToString());
  if (verified.value().last_sequence != model_.last_sequence) {
    return Fail("the final log ends at " + std::to_string(verified.value().last_sequence) +
                ", the model at " + std::to_string(model_.last_sequence));
  }
  report_.last_sequence = model_.last_sequence;
  report_.state_hash = ToHex(model_.engine->StateHash());
}

SimReport Simulation::Run() {
  if (Status s = Start(); !s.ok()) {
    Fail(s.ToString());
    return report_;
  }
  while (report_.ok() && report_.steps < options_.steps) {
    SendBatch();
    if (!report_.ok()) break;
    if (log_failed_) {
      Crash();  // the log's failure is final: the runtime exits and an operator restarts it
    } else {
      DrawFault();
    }
  }
  if (report_.ok()) Finish();
  if (sequencer_) sequencer_->Stop();
  return report_;
}

}  // namespace

SimReport RunSimulation(const SimOptions& options) { return Simulation(options).Run(); }

std::string Summarize(const SimReport& r) {
  std::ostringstream out;
  out << "seed " << r.seed << ": " << r.steps << " steps, " << r.batches << " batches, "
      << r.acknowledged << " acknowledged, " << r.refused << " refused, " << r.process_crashes
      << " process crashes, " << r.power_losses << " power losses, " << r.torn_writes
      << " torn writes, " << r.failed_syncs << " failed syncs, " << r.failed_writes
      << " failed writes, " << r.clock_jumps << " clock jumps, " << r.snapshots_damaged
      << " snapshots damaged, " << r.unacknowledged_durable << " durable unanswered, "
      << r.recoveries << " recoveries (" << r.recoveries_from_snapshot << " from a snapshot)";
  if (r.ok())
    out << ", last sequence " << r.last_sequence << ", state " << r.state_hash.substr(0, 16);
  return out.str();
}

}  // namespace dreichor::sim
