// The follower's proof of agreement: it applies a leader's records and matches its heartbeats,
// and refuses, once and for good, a record that does not chain, an outcome or a state that is
// not the leader's. Items out of order are protocol errors, never applied.
#include "marketdata/follower.h"

#include <gtest/gtest.h>

#include "stream/cloudevents.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"
#include "util/env.h"

namespace dreichor::marketdata {
namespace {

using stream::StreamItem;

// The leader: an engine and a chain, producing stream items as the runtime's hub does.
class Leader {
 public:
  Leader() {
    genesis_[0] = 0x42;
    chain_ = genesis_;
  }
  StreamItem Start(uint64_t from) const {
    StreamItem item;
    item.kind = StreamItem::Kind::kStart;
    item.start = {from, genesis_};
    return item;
  }
  StreamItem Next() {
    const uint64_t n = ++sequence_;
    const audit::PendingRecord p = runtime::RecordForSequence(n);
    audit::Record r{p.sequence, p.timestamp_ns, p.event_id, p.type, audit::ChainHash(chain_, p),
                    p.payload};
    chain_ = r.chain;
    const engine::Outcome o = engine_.Apply(runtime::CommandForSequence(n), r.timestamp_ns);
    // Through the wire format, as a follower receives it.
    auto items = stream::ParseStreamBatch(
        "[" + stream::CommittedEventJson(r, o, engine_.events(), "urn:x") + "]");
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    return items.value()[0];
  }
  StreamItem Heartbeat() const {
    StreamItem item;
    item.kind = StreamItem::Kind::kHeartbeat;
    item.heartbeat = {sequence_, sequence_, chain_, engine_.StateHash(), 1};
    return item;
  }
  const audit::Digest& chain() const { return chain_; }

 private:
  engine::Engine engine_;
  audit::Digest genesis_{};
  audit::Digest chain_{};
  uint64_t sequence_ = 0;
};

FollowerStart Empty() {
  FollowerStart s;
  s.engine = std::make_unique<engine::Engine>();
  return s;
}

TEST(FollowerTest, AppliesTheLeadersRecordsAndMatchesItsHeartbeats) {
  Leader leader;
  std::vector<uint64_t> seen;
  Follower f(Empty(),
             [&](const StreamItem& item, const engine::Engine&, const std::vector<engine::Event>&) {
               seen.push_back(item.record.sequence);
             });
  ASSERT_TRUE(f.Apply(leader.Start(1)).ok());
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(f.Apply(leader.Next()).ok()) << i;
    if (i % 50 == 0) {
      ASSERT_TRUE(f.Apply(leader.Heartbeat()).ok());
    }
  }
  EXPECT_EQ(f.applied(), 500u);
  EXPECT_EQ(f.heartbeats_verified(), 10u);
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_FALSE(f.diverged());
  EXPECT_EQ(f.Read([](const engine::Engine& e) { return e.StateHash(); }),
            leader.Heartbeat().heartbeat.state_hash);
}

TEST(FollowerTest, ATamperedRecordIsADivergenceNamingItsSequence) {
  Leader leader;
  Follower f(Empty());
  ASSERT_TRUE(f.Apply(leader.Start(1)).ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(f.Apply(leader.Next()).ok());
  StreamItem tampered = leader.Next();
  tampered.record.payload.back() ^= 1;  // one bit of the stored command
  const Status s = f.Apply(tampered);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("sequence 41"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("does not chain"), std::string::npos) << s.message();
  EXPECT_TRUE(f.diverged());
  EXPECT_EQ(f.applied(), 40u) << "the tampered record is not applied";
  EXPECT_EQ(f.Apply(leader.Next()).code(), StatusCode::kDataLoss) << "divergence is final";
}

TEST(FollowerTest, AnOutcomeOrStateOtherThanTheLeadersIsADivergence) {
  {
    Leader leader;
    Follower f(Empty());
    ASSERT_TRUE(f.Apply(leader.Start(1)).ok());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(f.Apply(leader.Next()).ok());
    StreamItem lie = leader.Next();
    lie.accepted = !lie.accepted;
    lie.reason_code = lie.accepted ? "" : "insufficient_funds";
    const Status s = f.Apply(lie);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
    EXPECT_NE(s.message().find("outcome"), std::string::npos) << s.message();
  }
  {
    Leader leader;
    Follower f(Empty());
    ASSERT_TRUE(f.Apply(leader.Start(1)).ok());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(f.Apply(leader.Next()).ok());
    StreamItem heartbeat = leader.Heartbeat();
    heartbeat.heartbeat.state_hash[7] ^= 1;
    const Status s = f.Apply(heartbeat);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
    EXPECT_NE(s.message().find("state hash"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("sequence 30"), std::string::npos) << s.message();
  }
}

TEST(FollowerTest, ItemsOutOfOrderAreProtocolErrorsAndNotApplied) {
  Leader leader;
  Follower f(Empty());
  StreamItem first = leader.Next();
  EXPECT_EQ(f.Apply(first).code(), StatusCode::kInvalidArgument) << "a record before the start";
  EXPECT_EQ(f.Apply(leader.Start(5)).code(), StatusCode::kInvalidArgument) << "a start elsewhere";
  ASSERT_TRUE(f.Apply(leader.Start(1)).ok());
  ASSERT_TRUE(f.Apply(first).ok());
  EXPECT_EQ(f.Apply(first).code(), StatusCode::kInvalidArgument) << "a duplicate";
  leader.Next();
  EXPECT_EQ(f.Apply(leader.Next()).code(), StatusCode::kInvalidArgument) << "a gap";
  EXPECT_EQ(f.applied(), 1u);
  EXPECT_FALSE(f.diverged());
}

TEST(FollowerTest, StartsFromTheNewestSnapshotThatVerifiesAndSkipsDamagedOnes) {
  TempDir dir;
  ASSERT_TRUE(Env::Default()->CreateDirs(dir.Sub("s")).ok());
  snapshot::SnapshotStore store(Env::Default(), dir.Sub("s"), {});
  Leader leader;
  Follower f(Empty());
  ASSERT_TRUE(f.Apply(leader.Start(1)).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(f.Apply(leader.Next()).ok());
  std::string state;
  snapshot::SnapshotMeta meta = f.SnapshotMetaAndState(&state);
  ASSERT_TRUE(store.Write(meta, state).ok());
  // A newer snapshot whose header claims a state it does not hold.
  snapshot::SnapshotMeta lie = meta;
  lie.sequence = 200;
  ASSERT_TRUE(store.Write(lie, engine::Engine().SerializeToString()).ok());

  std::vector<std::string> warnings;
  auto start = LoadFollowerStart(store, &warnings);
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  EXPECT_EQ(start.value().position.sequence, 100u);
  EXPECT_EQ(start.value().position.chain, leader.chain());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("does not match"), std::string::npos) << warnings[0];

  // And it continues from there with the leader.
  Follower resumed(std::move(start).value());
  ASSERT_TRUE(resumed.Apply(leader.Start(101)).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(resumed.Apply(leader.Next()).ok());
  EXPECT_TRUE(resumed.Apply(leader.Heartbeat()).ok());
}

}  // namespace
}  // namespace dreichor::marketdata
