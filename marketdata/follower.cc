#include "marketdata/follower.h"

#include "engine/reason.h"
#include "util/sha256.h"

namespace dreichor::marketdata {

using stream::StreamItem;

Result<FollowerStart> LoadFollowerStart(const snapshot::SnapshotStore& store,
                                        std::vector<std::string>* warnings) {
  FollowerStart start;
  auto files = store.List();
  if (!files.ok()) return files.status();
  for (const snapshot::SnapshotFile& file : files.value()) {
    auto loaded = store.Read(file.name);
    if (!loaded.ok()) {
      warnings->push_back(file.name + ": " + loaded.status().message());
      continue;
    }
    const snapshot::SnapshotMeta& meta = loaded.value().meta;
    auto engine = engine::Engine::Deserialize(loaded.value().state);
    if (meta.sequence != file.sequence || meta.sequence == 0 || !engine.ok() ||
        engine.value()->StateHash() != meta.state_hash) {
      warnings->push_back(
          file.name + ": " +
          (engine.ok() ? "its state does not match its header" : engine.status().message()));
      continue;
    }
    start.engine = std::move(engine).value();
    start.position = {meta.sequence, meta.chain};
    start.from_snapshot = true;
    return start;
  }
  start.engine = std::make_unique<engine::Engine>();
  return start;
}

Follower::Follower(FollowerStart start, OnApplied on_applied)
    : engine_(std::move(start.engine)),
      position_(start.position),
      genesis_known_(start.position.sequence > 0),
      on_applied_(std::move(on_applied)),
      applied_(start.position.sequence),
      leader_sequence_(start.position.sequence) {}

void Follower::Visit(const std::function<void(const engine::Engine&, const Position&)>& f) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  f(*engine_, position_);
}

void Follower::VisitBetweenRecords(
    const std::function<void(const engine::Engine&, const Position&)>& f) const {
  std::lock_guard<std::mutex> between(apply_mu_);
  Visit(f);
}

snapshot::SnapshotMeta Follower::SnapshotMetaAndState(std::string* state) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  *state = engine_->SerializeToString();
  return snapshot::SnapshotMeta{position_.sequence, position_.chain, Sha256::Of(*state), 0};
}

Status Follower::Diverged(uint64_t sequence, const std::string& what) {
  diverged_.store(true);
  return Status::DataLoss("diverged from the leader at sequence " + std::to_string(sequence) +
                          ": " + what);
}

Status Follower::Apply(const StreamItem& item) {
  if (diverged_.load()) return Status::DataLoss("diverged earlier; nothing more is applied");
  switch (item.kind) {
    case StreamItem::Kind::kStart:
      if (item.start.from != applied_.load() + 1) {
        return Status::InvalidArgument("the stream starts at " + std::to_string(item.start.from) +
                                       ", not at the next record " +
                                       std::to_string(applied_.load() + 1));
      }
      if (!genesis_known_) {
        std::unique_lock<std::shared_mutex> lock(mu_);
        position_.chain = item.start.genesis;
        genesis_known_ = true;
      }
      return Status::Ok();
    case StreamItem::Kind::kHeartbeat:
      return CheckHeartbeat(item.heartbeat);
    case StreamItem::Kind::kRecord:
      return ApplyRecord(item);
  }
  return Status::InvalidArgument("unknown stream item");
}

Status Follower::CheckHeartbeat(const stream::Heartbeat& heartbeat) {
  const uint64_t at = applied_.load();
  if (heartbeat.last_sequence != at) {
    return Status::InvalidArgument("a heartbeat for sequence " +
                                   std::to_string(heartbeat.last_sequence) + " arrived at " +
                                   std::to_string(at));
  }
  leader_sequence_.store(std::max(leader_sequence_.load(), heartbeat.head_sequence));
  audit::Digest chain{}, state{};
  Visit([&](const engine::Engine& e, const Position& p) {
    chain = p.chain;
    state = e.StateHash();
  });
  if (chain != heartbeat.chain) {
    return Diverged(
        at, "the leader's chain hash is " + ToHex(heartbeat.chain) + ", ours " + ToHex(chain));
  }
  if (state != heartbeat.state_hash) {
    return Diverged(
        at, "the leader's state hash is " + ToHex(heartbeat.state_hash) + ", ours " + ToHex(state));
  }
  heartbeats_verified_++;
  return Status::Ok();
}

Status Follower::ApplyRecord(const StreamItem& item) {
  const audit::Record& r = item.record;
  const uint64_t next = applied_.load() + 1;
  if (r.sequence != next) {
    return Status::InvalidArgument("record " + std::to_string(r.sequence) + " arrived where " +
                                   std::to_string(next) + " was due");
  }
  if (!genesis_known_) {
    return Status::InvalidArgument("a record arrived before the stream's start");
  }
  const audit::Digest chain = audit::ChainHash(position_.chain, r);
  if (chain != r.chain) {
    return Diverged(r.sequence, "the record does not chain: its hash is " + ToHex(r.chain) +
                                    ", recomputed " + ToHex(chain));
  }
  std::lock_guard<std::mutex> between(apply_mu_);
  engine::Outcome outcome;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    outcome = engine_->Apply(item.command, r.timestamp_ns);
    position_ = Position{r.sequence, r.chain};
  }
  applied_.store(r.sequence);
  leader_sequence_.store(std::max(leader_sequence_.load(), r.sequence));
  last_record_time_ns_.store(r.timestamp_ns);
  const std::string reason =
      outcome.accepted ? "" : std::string(engine::ReasonCode(outcome.reason));
  if (outcome.accepted != item.accepted || reason != item.reason_code ||
      outcome.order_id != item.order_id) {
    return Diverged(
        r.sequence,
        "the leader's outcome was " +
            (item.accepted ? std::string("accepted") : "rejected (" + item.reason_code + ")") +
            ", ours " + (outcome.accepted ? std::string("accepted") : "rejected (" + reason + ")"));
  }
  if (on_applied_) on_applied_(item, *engine_, engine_->events());
  return Status::Ok();
}

}  // namespace dreichor::marketdata
