#include "snapshot/snapshot_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "snapshot/snapshot_format.h"
#include "testing/temp_dir.h"
#include "util/fault_injection_env.h"

namespace dreichor::snapshot {
namespace {

SnapshotMeta Meta(uint64_t seq) {
  SnapshotMeta m;
  m.sequence = seq;
  m.chain = Sha256::Of("chain " + std::to_string(seq));
  m.state_hash = Sha256::Of("state " + std::to_string(seq));
  m.created_at_ns = 42;
  return m;
}

std::string State(uint64_t seq) { return std::string(10000, static_cast<char>('a' + seq % 26)); }

class SnapshotStoreTest : public ::testing::Test {
 protected:
  SnapshotStore Store(size_t retain = 3, Env* env = Env::Default()) {
    SnapshotOptions options;
    options.retain = retain;
    return SnapshotStore(env, dir_.Sub("snapshots"), options);
  }
  std::string PathOf(uint64_t seq) { return dir_.Sub("snapshots") + "/" + SnapshotFileName(seq); }
  std::string Bytes(uint64_t seq) {
    std::ifstream in(PathOf(seq), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void Put(uint64_t seq, const std::string& bytes) {
    std::ofstream(PathOf(seq), std::ios::binary | std::ios::trunc) << bytes;
  }
  TempDir dir_;
};

TEST_F(SnapshotStoreTest, WrittenSnapshotReadsBackExactly) {
  SnapshotStore store = Store();
  ASSERT_TRUE(store.Write(Meta(7), State(7)).ok());
  auto loaded = store.Read(SnapshotFileName(7));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value().state, State(7));
  EXPECT_EQ(loaded.value().meta.sequence, 7u);
  EXPECT_EQ(loaded.value().meta.chain, Meta(7).chain);
  EXPECT_EQ(loaded.value().meta.state_hash, Meta(7).state_hash);
  EXPECT_LT(std::filesystem::file_size(PathOf(7)), 1000u) << "the body is compressed";
}

TEST_F(SnapshotStoreTest, ListIsNewestFirstAndRetentionKeepsTheNewest) {
  SnapshotStore store = Store(2);
  for (uint64_t seq : {10, 30, 20}) ASSERT_TRUE(store.Write(Meta(seq), State(seq)).ok());
  auto files = store.List();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files.value().size(), 2u);
  EXPECT_EQ(files.value()[0].sequence, 30u);
  EXPECT_EQ(files.value()[1].sequence, 20u);
}

TEST_F(SnapshotStoreTest, TemporaryFileOfAnInterruptedWriteIsIgnored) {
  SnapshotStore store = Store();
  ASSERT_TRUE(store.Write(Meta(5), State(5)).ok());
  std::ofstream(PathOf(9) + kTempSuffix) << "half a snapshot";
  auto files = store.List();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files.value().size(), 1u);
  EXPECT_EQ(files.value()[0].sequence, 5u);
}

TEST_F(SnapshotStoreTest, FailedWriteLeavesNothingAfterACrash) {
  FaultInjectionEnv env(Env::Default());
  ASSERT_TRUE(Store(3, &env).Write(Meta(5), State(5)).ok());
  env.FailSyncs(EIO);  // the new snapshot's data never becomes durable
  EXPECT_FALSE(Store(3, &env).Write(Meta(6), State(6)).ok());
  env.ClearFaults();
  env.SimulateCrash();
  auto files = Store(3, &env).List();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files.value().size(), 1u);
  EXPECT_EQ(files.value()[0].sequence, 5u);
}

TEST_F(SnapshotStoreTest, FlippedByteIsAChecksumMismatch) {
  SnapshotStore store = Store();
  ASSERT_TRUE(store.Write(Meta(3), State(3)).ok());
  std::string b = Bytes(3);
  b[kHeaderSize + 3] ^= 0x10;
  Put(3, b);
  auto r = store.Read(SnapshotFileName(3));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checksum mismatch"), std::string::npos);
}

TEST_F(SnapshotStoreTest, TruncationAtAnyPointIsReportedAsTruncated) {
  SnapshotStore store = Store();
  ASSERT_TRUE(store.Write(Meta(3), State(3)).ok());
  const std::string full = Bytes(3);
  for (size_t keep : {size_t{0}, size_t{50}, kHeaderSize, full.size() - 1}) {
    Put(3, full.substr(0, keep));
    auto r = store.Read(SnapshotFileName(3));
    ASSERT_FALSE(r.ok()) << "kept " << keep;
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  }
}

TEST_F(SnapshotStoreTest, FutureFormatVersionIsUnsupported) {
  SnapshotStore store = Store();
  ASSERT_TRUE(store.Write(Meta(3), State(3)).ok());
  std::string b = Bytes(3);
  b[4] = static_cast<char>(kFormatVersion + 1);
  Put(3, b);
  auto r = store.Read(SnapshotFileName(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace dreichor::snapshot
