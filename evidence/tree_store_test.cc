#include "evidence/tree_store.h"

#include <gtest/gtest.h>

#include "audit/file_log.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"

namespace dreichor::evidence {
namespace {

class TreeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir_.path() + "/audit", audit::FileLogOptions{},
                                    &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log.value());
  }

  // Appends records up to `last` to the log.
  void GrowLog(uint64_t last) {
    for (uint64_t s = log_->last_sequence() + 1; s <= last; s += 100) {
      ASSERT_TRUE(
          log_->Append(runtime::RecordsForSequences(s, std::min<uint64_t>(100, last - s + 1)))
              .ok());
    }
  }

  // Every record's leaf, read back from the log: the reference the store must agree with.
  MemoryNodes Reference() {
    MemoryNodes nodes;
    auto reader = log_->ReadFrom(1);
    audit::Record r;
    while (reader.value()->Next(&r).value()) nodes.Add(RecordLeafHash(r));
    return nodes;
  }

  std::unique_ptr<TreeStore> OpenTree(TreeOpenReport* report) {
    auto tree = TreeStore::Open(Env::Default(), tree_dir(), *log_, report);
    EXPECT_TRUE(tree.ok()) << tree.status().ToString();
    return tree.ok() ? std::move(tree.value()) : nullptr;
  }

  void ExpectAgrees(const TreeStore& tree) {
    MemoryNodes ref = Reference();
    ASSERT_EQ(tree.head().size, ref.size());
    EXPECT_EQ(tree.head().root, RootAt(ref, ref.size()).value());
    for (uint64_t n :
         {uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{700}, ref.size()}) {
      if (n > ref.size()) continue;
      EXPECT_EQ(tree.RootAt(n).value(), RootAt(ref, n).value()) << n;
      for (uint64_t i : {uint64_t{0}, n / 3, n - 1}) {
        EXPECT_EQ(tree.InclusionProof(i, n).value(), InclusionProof(ref, i, n).value()) << i;
      }
      for (uint64_t m : {uint64_t{1}, n / 2 + 1, n}) {
        if (m > n) continue;
        EXPECT_EQ(tree.ConsistencyProof(m, n).value(), ConsistencyProof(ref, m, n).value());
      }
    }
  }

  std::string tree_dir() const { return dir_.path() + "/merkle"; }

  TempDir dir_;
  std::unique_ptr<audit::FileLog> log_;
};

TEST_F(TreeStoreTest, BuildsFromTheLogAndAgreesWithTheReferenceTree) {
  GrowLog(1000);
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(report.loaded, 0u);
  EXPECT_EQ(report.extended, 1000u);
  ExpectAgrees(*tree);
}

TEST_F(TreeStoreTest, AppendsAsTheSequencerDoesAndReopensFromItsFiles) {
  GrowLog(300);
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  ASSERT_NE(tree, nullptr);
  audit::Digest chain = log_->last_chain();
  for (uint64_t s = 301; s <= 1100; s += 37) {
    auto batch = runtime::RecordsForSequences(s, std::min<uint64_t>(37, 1100 - s + 1));
    ASSERT_TRUE(log_->Append(batch).ok());
    std::vector<Hash> leaves;
    for (const auto& r : batch) {
      chain = audit::ChainHash(chain, r);
      leaves.push_back(RecordLeafHash(r, chain));
    }
    ASSERT_TRUE(tree->Append(leaves).ok());
  }
  ExpectAgrees(*tree);
  tree.reset();
  TreeOpenReport again;
  tree = OpenTree(&again);
  EXPECT_EQ(again.loaded, 1100u);
  EXPECT_EQ(again.extended, 0u);
  EXPECT_EQ(again.rebuilt_because, "");
  ExpectAgrees(*tree);
}

// After a clean Close the next Open trusts EDGE (the log's last chain) instead of reading the last
// record; after more records, or a log that went on without the tree, it reads it again.
TEST_F(TreeStoreTest, ACleanCloseLetsTheNextOpenSkipReadingTheLastRecord) {
  GrowLog(600);
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  ASSERT_TRUE(tree->Close(log_->last_chain()).ok());
  tree.reset();
  TreeOpenReport again;
  tree = OpenTree(&again);
  EXPECT_TRUE(again.closed_cleanly);
  EXPECT_EQ(again.loaded, 600u);
  ExpectAgrees(*tree);
  tree.reset();
  GrowLog(700);  // the log went on; EDGE describes record 600
  TreeOpenReport later;
  tree = OpenTree(&later);
  EXPECT_FALSE(later.closed_cleanly);
  EXPECT_EQ(later.extended, 100u);
  ExpectAgrees(*tree);
}

// A crash leaves the files short of the log (they are never synced): Open finishes them.
TEST_F(TreeStoreTest, FilesCutShortByACrashAreCompletedFromTheLog) {
  GrowLog(900);
  {
    TreeOpenReport report;
    ASSERT_NE(OpenTree(&report), nullptr);
  }
  ASSERT_TRUE(Env::Default()->TruncateFile(tree_dir() + "/leaves", 600 * 32 + 5).ok());
  ASSERT_TRUE(Env::Default()->TruncateFile(tree_dir() + "/level-08", 32).ok());
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  EXPECT_EQ(report.loaded, 600u);
  EXPECT_EQ(report.extended, 300u);
  EXPECT_EQ(report.rebuilt_because, "");
  ExpectAgrees(*tree);
}

TEST_F(TreeStoreTest, ATreeThatDisagreesWithTheLogIsRebuilt) {
  GrowLog(500);
  {
    TreeOpenReport report;
    ASSERT_NE(OpenTree(&report), nullptr);
  }
  std::string leaves;
  ASSERT_TRUE(Env::Default()->ReadFile(tree_dir() + "/leaves", &leaves).ok());
  leaves[499 * 32] ^= 1;
  auto file = Env::Default()->NewWritableFile(tree_dir() + "/leaves");
  ASSERT_TRUE(file.value()->Append(leaves).ok());
  ASSERT_TRUE(file.value()->Close().ok());
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  EXPECT_EQ(report.rebuilt_because, "its leaf 500 is not the log's record");
  EXPECT_EQ(report.extended, 500u);
  ExpectAgrees(*tree);
}

TEST_F(TreeStoreTest, ATreeOfAnotherLogIsRebuilt) {
  GrowLog(50);
  {
    TempDir other;
    audit::RecoveryReport r;
    auto other_log =
        audit::FileLog::Open(Env::Default(), other.path(), audit::FileLogOptions{}, &r);
    ASSERT_TRUE(other_log.value()->Append(runtime::RecordsForSequences(1, 80)).ok());
    TreeOpenReport report;
    ASSERT_TRUE(TreeStore::Open(Env::Default(), tree_dir(), *other_log.value(), &report).ok());
  }
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  EXPECT_EQ(report.rebuilt_because, "TREE is damaged or belongs to another log");
  ExpectAgrees(*tree);
}

// The leaf is the record's body exactly as the file backend stores it after length and CRC.
TEST(RecordLeafTest, TheLeafIsTheStoredBodyWithTheLeafPrefix) {
  audit::PendingRecord r = runtime::RecordsForSequences(42, 1)[0];
  const audit::Digest chain = Sha256::Of("previous");
  std::string stored;
  audit::AppendRecord(r, chain, &stored);
  EXPECT_EQ(RecordLeafHash(r, chain), LeafHash(std::string_view(stored).substr(8)));
  audit::Record parsed;
  size_t used = 0;
  ASSERT_EQ(audit::ParseRecord(stored, &parsed, &used), audit::ParseResult::kOk);
  EXPECT_EQ(RecordLeafHash(parsed), RecordLeafHash(r, chain));
}

TEST_F(TreeStoreTest, AnEmptyLogHasTheEmptyRoot) {
  TreeOpenReport report;
  auto tree = OpenTree(&report);
  EXPECT_EQ(tree->head().size, 0u);
  EXPECT_EQ(tree->head().root, EmptyRoot());
  EXPECT_FALSE(tree->InclusionProof(0, 1).ok());
}

}  // namespace
}  // namespace dreichor::evidence
