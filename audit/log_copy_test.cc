// The verified copy of a file log: what a pass copies, that a pass cut short at any byte resumes
// without a gap or a duplicate, that damage in the copy is copied again and damage in the log is
// reported, and that a restore gives back a log that verifies and goes on.
#include "audit/log_copy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "audit/file_log.h"
#include "audit/verify.h"
#include "testing/audit_records.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"
#include "util/fault_injection_env.h"
#include "util/immutable_file.h"
#include "util/sequence_file_name.h"

namespace dreichor::audit {
namespace {

namespace fs = std::filesystem;

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t Lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

void FlipByte(const std::string& path, std::streamoff at) {
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  const char c = static_cast<char>(f.get());
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x40));
}

class LogCopyTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    FileLogOptions options;
    options.segment_bytes = 4096;  // ~35 records a segment
    RecoveryReport report;
    auto log = FileLog::Open(Env::Default(), source(), options, &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  void Append(uint64_t n) {
    const uint64_t first = log_->last_sequence() + 1;
    for (uint64_t s = first; s < first + n; s += 10)
      ASSERT_TRUE(log_->Append(TestBatch(s, 10)).ok());
  }
  Result<ShipReport> Ship(Env* env, bool verify_copies = false) {
    return ShipOnce(env, ShipOptions{source(), copy(), verify_copies}, &clock_);
  }
  // Every sealed segment of the log is in the copy byte for byte, and the copy restores to a log
  // ending where the log does.
  void ExpectCompleteCopy() {
    for (const SegmentRef& s : log_->SealedSegments()) {
      const std::string name = fs::path(s.path).filename();
      EXPECT_EQ(Bytes(copy() + "/" + name), Bytes(s.path)) << name;
    }
    const std::string restored = dir_.Sub("restored-" + std::to_string(restores_++));
    auto r = RestoreLog(Env::Default(), copy(), restored);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r.value().last_sequence, log_->last_sequence());
    EXPECT_EQ(r.value().last_chain, log_->last_chain());
  }
  std::string source() const { return dir_.Sub("log"); }
  std::string copy() const { return dir_.Sub("copy"); }

  TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<FileLog> log_;
  int restores_ = 0;
};

TEST_F(LogCopyTest, APassCopiesSealedSegmentsAndTheActivePrefixAndRestoresTheLog) {
  Append(200);
  const size_t sealed = log_->SealedSegments().size();
  ASSERT_GE(sealed, 4u);
  auto r = Ship(Env::Default());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().segments_copied, sealed);
  EXPECT_EQ(r.value().partial_through, 200u);
  EXPECT_LT(r.value().sealed_through, 200u);
  EXPECT_EQ(Lines(copy() + "/" + kShippedJournal), sealed);
  ExpectCompleteCopy();

  // The restored log is a log: the runtime's writer opens it and goes on.
  RecoveryReport report;
  auto reopened = FileLog::Open(Env::Default(), dir_.Sub("restored-0"), FileLogOptions{}, &report);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE(reopened.value()->Append(TestBatch(201, 10)).ok());
}

TEST_F(LogCopyTest, ALaterPassCopiesOnlyWhatIsNew) {
  Append(100);
  ASSERT_TRUE(Ship(Env::Default()).ok());
  const size_t before = log_->SealedSegments().size();
  Append(150);
  auto r = Ship(Env::Default());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().segments_copied, log_->SealedSegments().size() - before);
  EXPECT_EQ(r.value().partial_through, 250u);
  auto idle = Ship(Env::Default());
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(idle.value().segments_copied, 0u);
  EXPECT_EQ(idle.value().bytes_copied, 0u) << "nothing changed, nothing written";
  EXPECT_EQ(Lines(copy() + "/" + kShippedJournal), log_->SealedSegments().size());
  ExpectCompleteCopy();
}

TEST_F(LogCopyTest, TheJournalNamesEveryShippedSegmentAndWhereItEnds) {
  Append(100);
  ASSERT_TRUE(Ship(Env::Default()).ok());
  std::ifstream journal(copy() + "/" + kShippedJournal);
  std::string line;
  ASSERT_TRUE(std::getline(journal, line));
  const std::string first = fs::path(log_->SealedSegments()[0].path).filename();
  EXPECT_EQ(line.rfind("{\"segment\":\"" + first + "\",\"first_sequence\":1,\"last_sequence\":", 0),
            0u)
      << line;
  EXPECT_NE(line.find("\"replaced_damaged_copy\":false,\"shipped_at_ns\":"), std::string::npos);
}

TEST_F(LogCopyTest, ADamagedCopyIsFoundAndCopiedAgain) {
  Append(200);
  ASSERT_TRUE(Ship(Env::Default()).ok());
  const std::string first = fs::path(log_->SealedSegments()[1].path).filename();
  FlipByte(copy() + "/" + first, 300);  // inside a record: only a full check sees it
  auto quick = Ship(Env::Default());
  ASSERT_TRUE(quick.ok());
  EXPECT_EQ(quick.value().segments_recopied, 0u);
  auto checked = Ship(Env::Default(), /*verify_copies=*/true);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked.value().segments_recopied, 1u);
  EXPECT_EQ(checked.value().segments_checked, log_->SealedSegments().size());
  // A damaged footer differs from the log's, and is caught by every pass.
  const std::string second =
      copy() + "/" + std::string(fs::path(log_->SealedSegments()[2].path).filename());
  FlipByte(second, static_cast<std::streamoff>(fs::file_size(second) - 10));
  auto again = Ship(Env::Default());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().segments_recopied, 1u);
  ExpectCompleteCopy();
}

TEST_F(LogCopyTest, DamageInTheLogItselfIsReportedAndNeverCopied) {
  Append(200);
  const std::vector<SegmentRef> sealed = log_->SealedSegments();
  FlipByte(sealed[2].path, 500);
  auto r = Ship(Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  const std::string name = fs::path(sealed[2].path).filename();
  EXPECT_NE(r.status().message().find("the log itself is damaged: " + name), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(fs::exists(copy() + "/" + std::string(fs::path(sealed[1].path).filename())));
  EXPECT_FALSE(fs::exists(copy() + "/" + name)) << "a segment that did not verify is not kept";
}

TEST_F(LogCopyTest, ACopyDirectoryServesOneLogOnly) {
  Append(50);
  ASSERT_TRUE(Ship(Env::Default()).ok());
  FileLogOptions options;
  RecoveryReport report;
  auto other = FileLog::Open(Env::Default(), dir_.Sub("other"), options, &report);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other.value()->Append(TestBatch(1, 10)).ok());
  auto r = ShipOnce(Env::Default(), ShipOptions{dir_.Sub("other"), copy(), false}, &clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("holds a copy of another log"), std::string::npos);
}

// A pass cut short after any number of written bytes, then a power loss: the next pass completes
// the copy, and the copy never has a gap, a duplicate or a file that does not verify.
TEST_F(LogCopyTest, APassCutShortAnywhereIsCompletedByTheNext) {
  Append(150);
  uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(source())) total += fs::file_size(e.path());
  int interrupted = 0;
  for (uint64_t budget = 0; budget < total + 4096; budget += 997) {
    fs::remove_all(copy());
    FaultInjectionEnv env(Env::Default());
    env.SetWriteBudget(budget, ENOSPC);
    if (!Ship(&env).ok()) ++interrupted;
    env.SimulateCrash();
    env.ClearFaults();
    auto r = Ship(&env);
    ASSERT_TRUE(r.ok()) << "after " << budget << " bytes: " << r.status().ToString();
    EXPECT_EQ(r.value().partial_through, 150u);
    ExpectCompleteCopy();
  }
  EXPECT_GT(interrupted, 5) << "the budget must have cut passes short";
}

TEST_F(LogCopyTest, ShipsBesideALiveWriter) {
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t s = 1; !stop.load() && s < 20'000; s += 5) {
      if (!log_->Append(TestBatch(s, 5)).ok()) return;
    }
  });
  for (int pass = 0; pass < 30; ++pass) {
    auto r = Ship(Env::Default(), pass % 10 == 0);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  stop.store(true);
  writer.join();
  ASSERT_TRUE(Ship(Env::Default()).ok());
  ExpectCompleteCopy();
}

TEST_F(LogCopyTest, ARestoreNeverOverwritesAndRefusesACopyWithAGap) {
  Append(200);
  ASSERT_TRUE(Ship(Env::Default()).ok());
  fs::create_directories(dir_.Sub("busy"));
  std::ofstream(dir_.Sub("busy/LOG_HEADER")) << "x";
  auto busy = RestoreLog(Env::Default(), copy(), dir_.Sub("busy"));
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.status().message().find("is not empty"), std::string::npos);

  fs::remove(copy() + "/" + std::string(fs::path(log_->SealedSegments()[1].path).filename()));
  auto gap = RestoreLog(Env::Default(), copy(), dir_.Sub("gap"));
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.status().code(), StatusCode::kCorruption);
  EXPECT_NE(gap.status().message().find("the copy is missing records"), std::string::npos)
      << gap.status().message();
  EXPECT_FALSE(fs::exists(dir_.Sub("gap"))) << "nothing written before the copy verified";
}

}  // namespace
}  // namespace dreichor::audit

namespace dreichor::audit {
namespace {

// Pruning: only what the caller allows, oldest first, contiguous; a deletion a crash cut short
// (the mark written, the segment still there) is finished by the next prune; a pruned segment is
// never shipped again; a damaged mark stops the shipper rather than being guessed around.
TEST_F(LogCopyTest, PruningDeletesOnlyWhatIsAllowedAndIsNeverUndoneByTheShipper) {
  Append(300);
  ASSERT_TRUE(Ship(Env::Default()).ok());
  auto allow_before = [](uint64_t limit) {
    return [limit](uint64_t first, uint64_t last) {
      return last < limit ? Status::Ok()
                          : Status::FailedPrecondition("records " + std::to_string(first) + ".." +
                                                       std::to_string(last) + " kept");
    };
  };
  EXPECT_EQ(
      PruneCopy(Env::Default(), copy(), log_->genesis(), 1000, allow_before(1)).status().code(),
      StatusCode::kFailedPrecondition);
  auto pruned = PruneCopy(Env::Default(), copy(), log_->genesis(), 1000, allow_before(100));
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_GE(pruned.value().segments_deleted, 1u);
  EXPECT_LT(pruned.value().pruned_through, 100u);
  EXPECT_NE(pruned.value().stopped_because.find("kept"), std::string::npos);
  EXPECT_FALSE(fs::exists(copy() + "/seg-00000000000000000001.log"));

  // A crash after the mark and before the deletion: the mark covers a segment still present.
  const std::string kept =
      copy() + "/" + SequenceFileName("seg-", pruned.value().pruned_through + 1, ".log");
  ASSERT_TRUE(fs::exists(kept));
  const std::string saved = Bytes(kept);
  auto again = PruneCopy(Env::Default(), copy(), log_->genesis(), 1000, allow_before(200));
  ASSERT_TRUE(again.ok());
  const std::string mark_after = Bytes(copy() + "/PRUNED");
  {
    std::ofstream restore_segment(kept, std::ios::binary);
    restore_segment << saved;
  }
  auto finished = PruneCopy(Env::Default(), copy(), log_->genesis(), 1000, allow_before(1));
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_FALSE(fs::exists(kept));
  EXPECT_EQ(Bytes(copy() + "/PRUNED"), mark_after);

  Append(100);
  auto shipped = Ship(Env::Default(), /*verify_copies=*/true);
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_FALSE(fs::exists(kept)) << "a pruned segment was shipped again";
  EXPECT_EQ(RestoreLog(Env::Default(), copy(), dir_.Sub("restored")).status().code(),
            StatusCode::kFailedPrecondition);

  FlipByte(copy() + "/PRUNED", 3);
  EXPECT_EQ(Ship(Env::Default()).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace dreichor::audit

namespace dreichor::audit {
namespace {

// With `immutable`, every sealed segment copied gets the attribute: not even its owner can delete
// it, a prune clears it for what it may delete. Where the file system or the process cannot set
// it, the pass fails saying so (never silently unprotected).
TEST_F(LogCopyTest, ImmutableCopiesResistDeletionUntilPruned) {
  Append(300);
  auto shipped = ShipOnce(Env::Default(), ShipOptions{source(), copy(), false, true}, &clock_);
  if (!shipped.ok()) {
    EXPECT_EQ(shipped.status().code(), StatusCode::kUnsupported) << shipped.status().ToString();
    EXPECT_NE(shipped.status().message().find("immutable attribute cannot be set"),
              std::string::npos);
    return;
  }
  const std::string first = copy() + "/seg-00000000000000000001.log";
  EXPECT_TRUE(IsImmutable(first).value());
  EXPECT_FALSE(Env::Default()->RemoveFile(first).ok());
  auto pruned =
      PruneCopy(Env::Default(), copy(), log_->genesis(), 1000, [](uint64_t, uint64_t last) {
        return last < 100 ? Status::Ok() : Status::FailedPrecondition("kept");
      });
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_FALSE(fs::exists(first));
  for (const auto& e : fs::directory_iterator(copy())) {
    (void)SetImmutable(e.path().string(), false);  // so the temporary directory can go
  }
}

}  // namespace
}  // namespace dreichor::audit
