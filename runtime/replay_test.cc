// Replay from the audit log, with and without snapshots, and every reason to skip a snapshot.
#include "runtime/replay.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "audit/file_log.h"
#include "snapshot/snapshot_format.h"
#include "testing/audit_records.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"

namespace dreichor::runtime {
namespace {

using audit::FileLog;
using snapshot::SnapshotFileName;
using snapshot::SnapshotMeta;
using snapshot::SnapshotStore;

constexpr uint64_t kRecords = 2000;

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::FileLogOptions options;
    options.segment_bytes = 32 << 10;  // several segments
    audit::RecoveryReport report;
    auto log = FileLog::Open(Env::Default(), dir_.Sub("audit"), options, &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    for (uint64_t s = 1; s <= kRecords; s += 100) {
      ASSERT_TRUE(log_->Append(RecordsForSequences(s, 100)).ok());
    }
  }

  // Writes a snapshot of the reference state after `seq`, optionally altered by `tamper`.
  void Snapshot(uint64_t seq, void (*tamper)(SnapshotMeta*) = nullptr) {
    auto engine = ReferenceEngine(seq);
    SnapshotMeta meta;
    meta.sequence = seq;
    auto reader = log_->ReadFrom(seq);
    audit::Record r;
    ASSERT_TRUE(reader.value()->Next(&r).value());
    meta.chain = r.chain;
    meta.state_hash = engine->StateHash();
    if (tamper != nullptr) tamper(&meta);
    ASSERT_TRUE(store_.Write(meta, engine->SerializeToString()).ok());
  }
  std::string SnapshotPath(uint64_t seq) {
    return dir_.Sub("snapshots") + "/" + SnapshotFileName(seq);
  }
  Result<ReplayResult> Run(ReplayOptions options = {}) { return Replay(*log_, &store_, options); }
  void ExpectSkipped(const ReplayResult& r, uint64_t seq, const std::string& why) {
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings[0].find(SnapshotFileName(seq)), std::string::npos) << r.warnings[0];
    EXPECT_NE(r.warnings[0].find(why), std::string::npos) << r.warnings[0];
  }

  TempDir dir_;
  std::unique_ptr<FileLog> log_;
  SnapshotStore store_{Env::Default(), dir_.Sub("snapshots"), snapshot::SnapshotOptions{10, 3}};
};

TEST_F(ReplayTest, ReplayFromGenesisEqualsTheReferenceState) {
  auto r = Replay(*log_, nullptr, ReplayOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().snapshot_sequence, 0u);
  EXPECT_EQ(r.value().records_replayed, kRecords);
  EXPECT_EQ(r.value().last_sequence, kRecords);
  EXPECT_EQ(r.value().last_chain, log_->last_chain());
  EXPECT_EQ(r.value().engine->StateHash(), ReferenceEngine(kRecords)->StateHash());
  EXPECT_GT(r.value().engine->open_order_count(), 0u) << "the stream should leave orders resting";
  EXPECT_GT(r.value().engine->GetMarket(1)->market_seq, 1000u) << "and trade and move the book";
  EXPECT_GT(r.value().engine->GetMarket(1)->last_trade_price, 0);
}

TEST_F(ReplayTest, ReplayFromAnySnapshotEqualsReplayFromGenesis) {
  const auto expected = ReferenceEngine(kRecords)->StateHash();
  for (uint64_t seq : {1u, 26u, 27u, 999u, 1500u, 2000u}) {
    SCOPED_TRACE(seq);
    std::filesystem::remove_all(dir_.Sub("snapshots"));
    Snapshot(seq);
    auto r = Run();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r.value().warnings.empty());
    EXPECT_EQ(r.value().snapshot_sequence, seq);
    EXPECT_EQ(r.value().records_replayed, kRecords - seq);
    EXPECT_EQ(r.value().engine->StateHash(), expected);
  }
}

TEST_F(ReplayTest, NewestVerifiedSnapshotIsUsed) {
  Snapshot(500);
  Snapshot(1200);
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().snapshot_sequence, 1200u);
}

TEST_F(ReplayTest, CorruptSnapshotIsSkippedForTheNextOlder) {
  Snapshot(500);
  Snapshot(1200);
  std::fstream f(SnapshotPath(1200), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(snapshot::kHeaderSize + 10);
  f.put('\x7f');
  f.close();
  auto r = Run();
  ASSERT_TRUE(r.ok());
  ExpectSkipped(r.value(), 1200, "checksum mismatch");
  EXPECT_EQ(r.value().snapshot_sequence, 500u);
  EXPECT_EQ(r.value().engine->StateHash(), ReferenceEngine(kRecords)->StateHash());
}

TEST_F(ReplayTest, TruncatedSnapshotIsSkipped) {
  Snapshot(1200);
  std::filesystem::resize_file(SnapshotPath(1200), 80);
  auto r = Run();
  ASSERT_TRUE(r.ok());
  ExpectSkipped(r.value(), 1200, "truncated");
  EXPECT_EQ(r.value().snapshot_sequence, 0u);
  EXPECT_EQ(r.value().engine->StateHash(), ReferenceEngine(kRecords)->StateHash());
}

TEST_F(ReplayTest, AVerifiedSnapshotWhoseChainHashTheLogLacksIsEvidenceOfLoss) {
  // The snapshot is intact (checksum, state hash) but the log's record 1200 is not the one it
  // was taken after: the log was rewritten. Replay refuses instead of skipping.
  Snapshot(500);
  Snapshot(1200, [](SnapshotMeta* m) { m->chain[0] ^= 1; });
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(SnapshotFileName(1200)), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("chain hash differs"), std::string::npos);
}

TEST_F(ReplayTest, SnapshotWhoseStateDoesNotHashAsRecordedIsSkipped) {
  Snapshot(1200, [](SnapshotMeta* m) { m->state_hash[5] ^= 1; });
  auto r = Run();
  ASSERT_TRUE(r.ok());
  ExpectSkipped(r.value(), 1200, "state's hash differs");
}

TEST_F(ReplayTest, SnapshotOfAFutureFormatVersionIsSkipped) {
  Snapshot(1200);
  std::fstream f(SnapshotPath(1200), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(4);
  f.put(static_cast<char>(snapshot::kFormatVersion + 1));
  f.close();
  auto r = Run();
  ASSERT_TRUE(r.ok());
  ExpectSkipped(r.value(), 1200, "format version 2");
}

TEST_F(ReplayTest, SnapshotWhoseNameAndHeaderDisagreeIsSkipped) {
  Snapshot(1200);
  std::filesystem::rename(SnapshotPath(1200), SnapshotPath(5000));
  auto r = Run();
  ASSERT_TRUE(r.ok());
  ExpectSkipped(r.value(), 5000, "header names sequence 1200");
}

TEST_F(ReplayTest, AVerifiedSnapshotAheadOfTheLogIsEvidenceOfLoss) {
  // The snapshot at 1500 was taken of this log; then the log lost everything after 1000 (its
  // newest segments deleted, or restored from an older copy).
  Snapshot(1500);
  log_.reset();
  for (const std::string& segment : audit::SegmentFiles(dir_.Sub("audit"))) {
    uint64_t first = 0;
    ASSERT_TRUE(audit::ParseSegmentFileName(std::filesystem::path(segment).filename(), &first));
    if (first > 1000) std::filesystem::remove(segment);
  }
  audit::RecoveryReport report;
  auto shorter = FileLog::Open(Env::Default(), dir_.Sub("audit"), audit::FileLogOptions{}, &report);
  ASSERT_TRUE(shorter.ok()) << "the log itself cannot tell: " << shorter.status().ToString();
  log_ = std::move(shorter).value();
  const uint64_t end = log_->last_sequence();
  ASSERT_LT(end, 1500u);
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find(SnapshotFileName(1500)), std::string::npos) << m;
  EXPECT_NE(m.find("log ends at sequence " + std::to_string(end)), std::string::npos) << m;
}

TEST_F(ReplayTest, UntilSequenceStopsThereAndIgnoresLaterSnapshots) {
  Snapshot(300);
  Snapshot(1500);
  ReplayOptions options;
  options.until_sequence = 1000;
  auto r = Run(options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().snapshot_sequence, 300u);
  EXPECT_EQ(r.value().last_sequence, 1000u);
  EXPECT_EQ(r.value().engine->StateHash(), ReferenceEngine(1000)->StateHash());
}

TEST_F(ReplayTest, UntilTimeStopsBeforeTheFirstLaterRecord) {
  ReplayOptions options;
  options.until_time_ns = TimestampForSequence(777);
  auto r = Replay(*log_, nullptr, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().last_sequence, 777u);
  EXPECT_EQ(r.value().last_timestamp_ns, TimestampForSequence(777));
}

TEST_F(ReplayTest, ProgressIncreasesAndEndsAtTheTotal) {
  // Replay hands records over in batches of up to 4096; a longer log gives several reports.
  for (uint64_t s = kRecords + 1; s <= 3 * kRecords; s += 100) {
    ASSERT_TRUE(log_->Append(RecordsForSequences(s, 100)).ok());
  }
  ReplayOptions options;
  options.progress_every = 500;
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  options.progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  ASSERT_TRUE(Replay(*log_, nullptr, options).ok());
  ASSERT_GE(calls.size(), 2u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].second, 3 * kRecords);
    if (i > 0) {
      EXPECT_GT(calls[i].first, calls[i - 1].first);
    }
  }
  EXPECT_EQ(calls.back().first, 3 * kRecords);
}

TEST_F(ReplayTest, DamagedRecordStopsReplayNamingWhere) {
  log_.reset();
  const std::vector<std::string> segs = audit::SegmentFiles(dir_.Sub("audit"));
  ASSERT_GT(segs.size(), 2u);
  std::filesystem::permissions(segs[1], std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::fstream f(segs[1], std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(200);
  f.put('\x55');
  f.close();
  audit::RecoveryReport report;
  auto log = FileLog::Open(Env::Default(), dir_.Sub("audit"), audit::FileLogOptions{}, &report);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto r = Replay(*log.value(), nullptr, ReplayOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(std::filesystem::path(segs[1]).filename().string()),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace dreichor::runtime
