// FileLog edge cases: recovery, damage, tampering, disk faults and crashes. Each test names the
// case it covers. Records of TestRecord(n) with a 40-byte payload are 114 bytes on disk.
#include "audit/file_log.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "audit/log_format.h"
#include "audit/verify.h"
#include "testing/audit_records.h"
#include "testing/temp_dir.h"
#include "util/crc32c.h"
#include "util/fault_injection_env.h"
#include "util/mem_env.h"

namespace dreichor::audit {
namespace {

constexpr size_t kRecordSize = kRecordPrefixSize + kRecordFixedBodySize + 40;  // 114

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Rewrites the CRC of the record at `offset` so that only the chain can reveal a change.
void FixRecordCrc(std::string* bytes, size_t offset) {
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i)
    length |= static_cast<uint32_t>(static_cast<uint8_t>((*bytes)[offset + i])) << (8 * i);
  uint32_t crc = crc32c::Value(bytes->data() + offset, 4);
  crc = crc32c::Extend(crc, bytes->data() + offset + kRecordPrefixSize, length);
  for (int i = 0; i < 4; ++i) (*bytes)[offset + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

size_t RecordOffset(uint64_t index_in_segment) {
  return kSegmentHeaderSize + index_in_segment * kRecordSize;
}

class FileLogTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<FileLog>> Open(uint64_t segment_bytes = 1 << 20, bool read_only = false,
                                        Env* env = Env::Default()) {
    FileLogOptions options;
    options.segment_bytes = segment_bytes;
    options.read_only = read_only;
    return FileLog::Open(env, dir_.path() + "/log", options, &report_);
  }
  // Creates a log with records 1..n (one batch each) and closes it.
  void Populate(uint64_t n, uint64_t segment_bytes = 1 << 20) {
    auto log = Open(segment_bytes);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (uint64_t s = 1; s <= n; ++s) ASSERT_TRUE(log.value()->Append(TestBatch(s, 1)).ok());
  }
  std::vector<std::string> Segments() { return SegmentFiles(dir_.path() + "/log"); }
  std::string ExpectOpenFails() {
    auto log = Open();
    EXPECT_FALSE(log.ok());
    return log.ok() ? "" : log.status().message();
  }

  TempDir dir_;
  RecoveryReport report_;
};

TEST_F(FileLogTest, NewLogIsCreatedWithOneEmptySegment) {
  auto log = Open();
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(report_.created);
  EXPECT_EQ(Segments().size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(Segments()[0]), kSegmentHeaderSize);
}

TEST_F(FileLogTest, TornTailOfEveryLengthIsTruncatedAndReported) {
  for (size_t cut = 1; cut < kRecordSize; ++cut) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    TempDir dir;
    FileLogOptions options;
    const std::string path = dir.path() + "/log";
    {
      auto log = FileLog::Open(Env::Default(), path, options, &report_);
      ASSERT_TRUE(log.ok());
      ASSERT_TRUE(log.value()->Append(TestBatch(1, 5)).ok());
    }
    const std::string seg = path + "/" + SegmentFileName(1);
    std::filesystem::resize_file(seg, RecordOffset(5) - cut);
    auto log = FileLog::Open(Env::Default(), path, options, &report_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_TRUE(report_.truncated_tail);
    EXPECT_EQ(report_.offset, RecordOffset(4));
    EXPECT_EQ(report_.bytes_dropped, kRecordSize - cut);
    EXPECT_EQ(log.value()->last_sequence(), 4u);
    EXPECT_EQ(std::filesystem::file_size(seg), RecordOffset(4));
    ASSERT_TRUE(log.value()->Append(TestBatch(5, 1)).ok());
    EXPECT_TRUE(VerifyLog(*log.value()).ok());
  }
}

TEST_F(FileLogTest, LastRecordFailingItsChecksumAtTheEndIsATornTail) {
  Populate(5);
  std::string bytes = ReadBytes(Segments()[0]);
  bytes[RecordOffset(4) + 100] ^= 0x40;
  WriteBytes(Segments()[0], bytes);
  auto log = Open();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_TRUE(report_.truncated_tail);
  EXPECT_EQ(log.value()->last_sequence(), 4u);
}

TEST_F(FileLogTest, ZeroFilledTailIsTruncated) {
  Populate(3);
  std::ofstream(Segments()[0], std::ios::binary | std::ios::app) << std::string(4096, '\0');
  auto log = Open();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(report_.bytes_dropped, 4096u);
  EXPECT_EQ(log.value()->last_sequence(), 3u);
}

TEST_F(FileLogTest, ChecksumDamageBeforeTheTailFailsOpenNamingWhere) {
  Populate(5);
  std::string bytes = ReadBytes(Segments()[0]);
  bytes[RecordOffset(1) + 90] ^= 0x01;  // record 2's payload
  WriteBytes(Segments()[0], bytes);
  const std::string msg = ExpectOpenFails();
  EXPECT_NE(msg.find(SegmentFileName(1)), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset " + std::to_string(RecordOffset(1))), std::string::npos) << msg;
  EXPECT_NE(msg.find("sequence 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
}

TEST_F(FileLogTest, ChainBreakInTheActiveSegmentFailsOpen) {
  Populate(5);
  std::string bytes = ReadBytes(Segments()[0]);
  bytes[RecordOffset(1) + 90] ^= 0x01;
  FixRecordCrc(&bytes, RecordOffset(1));
  WriteBytes(Segments()[0], bytes);
  const std::string msg = ExpectOpenFails();
  EXPECT_NE(msg.find("chain break at sequence 2"), std::string::npos) << msg;
}

TEST_F(FileLogTest, SequenceGapInTheActiveSegmentFailsOpen) {
  Populate(5);
  std::string bytes = ReadBytes(Segments()[0]);
  bytes.erase(RecordOffset(2), kRecordSize);  // record 3 removed from the middle
  WriteBytes(Segments()[0], bytes);
  const std::string msg = ExpectOpenFails();
  EXPECT_NE(msg.find("expected 3, found 4"), std::string::npos) << msg;
}

// A segment of exactly three records' worth of bytes is sealed at the next append, not before.
TEST_F(FileLogTest, SegmentRollsAtTheExactBoundary) {
  const uint64_t limit = RecordOffset(3);
  Populate(3, limit);
  ASSERT_EQ(Segments().size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(Segments()[0]), limit);
  {
    auto log = Open(limit);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(4, 1)).ok());
  }
  auto segs = Segments();
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(std::filesystem::path(segs[1]).filename(), SegmentFileName(4));
  EXPECT_EQ(std::filesystem::file_size(segs[0]), limit + kSegmentFooterSize);
  const auto perms = std::filesystem::status(segs[0]).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::owner_write, std::filesystem::perms::none);
  auto log = Open(limit);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto report = VerifyLog(*log.value());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report.value().records, 4u);
}

TEST_F(FileLogTest, OneByteUnderTheBoundaryDoesNotRoll) {
  Populate(4, RecordOffset(3) + 1);
  EXPECT_EQ(Segments().size(), 1u);
}

TEST_F(FileLogTest, TamperedSealedSegmentIsReportedByVerifyAtThatRecord) {
  Populate(9, RecordOffset(3));  // segments of three records
  ASSERT_EQ(Segments().size(), 3u);
  std::string bytes = ReadBytes(Segments()[1]);  // records 4..6
  bytes[RecordOffset(1) + 90] ^= 0x01;           // record 5
  FixRecordCrc(&bytes, RecordOffset(1));
  WriteBytes(Segments()[1], bytes);
  auto log = Open(RecordOffset(3));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto report = VerifyLog(*log.value());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("chain break at sequence 5"), std::string::npos)
      << report.status().message();
  EXPECT_NE(report.status().message().find(SegmentFileName(4)), std::string::npos);
}

TEST_F(FileLogTest, RecordDeletedFromASealedSegmentIsReportedByVerify) {
  Populate(9, RecordOffset(3));
  std::string bytes = ReadBytes(Segments()[0]);
  bytes.erase(RecordOffset(1), kRecordSize);  // record 2
  WriteBytes(Segments()[0], bytes);
  auto log = Open(RecordOffset(3));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto report = VerifyLog(*log.value());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("expected 2, found 3"), std::string::npos)
      << report.status().message();
}

TEST_F(FileLogTest, MissingSegmentFailsOpen) {
  Populate(9, RecordOffset(3));
  std::filesystem::remove(Segments()[1]);
  const std::string msg = ExpectOpenFails();
  EXPECT_NE(msg.find("missing segment: records 4..6"), std::string::npos) << msg;
}

TEST_F(FileLogTest, MissingFirstSegmentFailsOpen) {
  Populate(9, RecordOffset(3));
  std::filesystem::remove(Segments()[0]);
  const std::string msg = ExpectOpenFails();
  EXPECT_NE(msg.find("missing segment: records 1..3"), std::string::npos) << msg;
}

TEST_F(FileLogTest, SegmentsWithoutAHeaderFileFailOpen) {
  Populate(2);
  std::filesystem::remove(dir_.path() + "/log/" + kLogHeaderFile);
  EXPECT_NE(ExpectOpenFails().find("LOG_HEADER is missing"), std::string::npos);
}

TEST_F(FileLogTest, SegmentOfAnotherLogFailsOpen) {
  Populate(3, RecordOffset(3));
  TempDir other;
  {
    auto log = FileLog::Open(Env::Default(), other.path(), FileLogOptions{}, &report_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(1, 3)).ok());
  }
  std::filesystem::copy_file(other.path() + "/" + SegmentFileName(1), Segments()[0],
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_NE(ExpectOpenFails().find("belongs to another log"), std::string::npos);
}

TEST_F(FileLogTest, SealedSegmentWithoutSuccessorIsCompletedAtOpen) {
  Digest chain;
  {
    auto log = Open();
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(1, 3)).ok());
    chain = log.value()->last_chain();
  }
  // A crash after the footer was written but before the next segment existed.
  std::ofstream(Segments()[0], std::ios::binary | std::ios::app)
      << EncodeSegmentFooter(SegmentFooter{3, chain});
  auto log = Open();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_FALSE(report_.truncated_tail);
  EXPECT_EQ(Segments().size(), 2u);
  ASSERT_TRUE(log.value()->Append(TestBatch(4, 1)).ok());
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

// Found by the simulator: a power cut after a segment was sealed (footer synced, file made
// read-only) but before the directory entry of its successor was durable. The sealed segment
// is the last one again, and reopening it for writing fails for any process that is not root
// (the runtime's container user), so the runtime could not start. MemEnv enforces read-only as
// a non-root process sees it.
TEST_F(FileLogTest, ASealedReadOnlySegmentLeftLastByAPowerCutIsNotReopenedForWriting) {
  MemEnv mem;
  const std::string dir = dir_.path() + "/log";
  ASSERT_TRUE(mem.CreateDirs(dir).ok());
  {
    auto log = Open(kSegmentHeaderSize + 2 * kRecordSize, false, &mem);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(log.value()->Append(TestBatch(s, 1)).ok());
  }
  ASSERT_TRUE(mem.RemoveFile(dir + "/" + SegmentFileName(3)).ok());  // the successor's entry
  {
    auto log = Open(kSegmentHeaderSize + 2 * kRecordSize, false, &mem);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(log.value()->last_sequence(), 2u);
    ASSERT_TRUE(log.value()->Append(TestBatch(3, 1)).ok());
    EXPECT_TRUE(VerifyLog(*log.value()).ok());
  }
}

// Found by the simulator: a write that stopped part-way through a segment's footer (ENOSPC
// while sealing) left bytes that are neither a record nor a footer; the log refused to open
// ("impossible record length"). An unfinished seal is a torn tail, cut like a torn record.
TEST_F(FileLogTest, AFooterCutShortWhileSealingIsATornTail) {
  Digest chain;
  {
    auto log = Open();
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(1, 3)).ok());
    chain = log.value()->last_chain();
  }
  const std::string footer = EncodeSegmentFooter(SegmentFooter{3, chain});
  const std::string sealed_before = ReadBytes(Segments()[0]);
  for (size_t cut : {size_t{1}, size_t{4}, size_t{8}, size_t{20}, footer.size() - 1}) {
    WriteBytes(Segments()[0], sealed_before + footer.substr(0, cut));
    auto log = Open();
    ASSERT_TRUE(log.ok()) << "cut at " << cut << ": " << log.status().ToString();
    EXPECT_TRUE(report_.truncated_tail);
    EXPECT_EQ(report_.bytes_dropped, cut);
    EXPECT_EQ(log.value()->last_sequence(), 3u);
  }
  auto log = Open();
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log.value()->Append(TestBatch(4, 1)).ok());
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

TEST_F(FileLogTest, SegmentWhoseHeaderWasNeverWrittenIsStartedAgain) {
  for (size_t partial : {size_t{0}, size_t{30}}) {
    SCOPED_TRACE(partial);
    TempDir dir;
    const std::string path = dir.path() + "/log";
    FileLogOptions options;
    options.segment_bytes = RecordOffset(3);
    {
      auto log = FileLog::Open(Env::Default(), path, options, &report_);
      ASSERT_TRUE(log.ok());
      for (uint64_t s = 1; s <= 6; ++s) ASSERT_TRUE(log.value()->Append(TestBatch(s, 1)).ok());
    }
    // seg-4 is full: the next append would seal it and start seg-7. Seal it by hand, then leave
    // seg-7 as a crash while writing its header would.
    const std::string seg4 = path + "/" + SegmentFileName(4);
    {
      RecoveryReport r;
      auto log = FileLog::Open(Env::Default(), path, options, &r);
      ASSERT_TRUE(log.ok());
      ASSERT_TRUE(log.value()->Append(TestBatch(7, 1)).ok());
    }
    const std::string seg7 = path + "/" + SegmentFileName(7);
    std::string header = ReadBytes(seg7).substr(0, partial);
    std::filesystem::remove(seg7);
    std::ofstream(seg7, std::ios::binary) << header;
    auto log = FileLog::Open(Env::Default(), path, options, &report_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_TRUE(report_.truncated_tail);
    EXPECT_EQ(report_.bytes_dropped, partial);
    EXPECT_EQ(log.value()->last_sequence(), 6u);
    ASSERT_TRUE(log.value()->Append(TestBatch(7, 1)).ok());
    EXPECT_TRUE(VerifyLog(*log.value()).ok());
  }
}

TEST_F(FileLogTest, SecondWriterOnTheSameDirectoryIsRefused) {
  auto first = Open();
  ASSERT_TRUE(first.ok());
  auto second = Open();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

TEST_F(FileLogTest, ReadOnlyOpenReportsATornTailWithoutRepairingIt) {
  Populate(3);
  const auto size = std::filesystem::file_size(Segments()[0]);
  std::filesystem::resize_file(Segments()[0], size - 10);
  auto log = Open(1 << 20, /*read_only=*/true);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_TRUE(report_.truncated_tail);
  EXPECT_EQ(log.value()->last_sequence(), 2u);
  EXPECT_EQ(std::filesystem::file_size(Segments()[0]), size - 10);
  EXPECT_EQ(log.value()->Append(TestBatch(3, 1)).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

class FaultyFileLogTest : public FileLogTest {
 protected:
  FaultInjectionEnv env_{Env::Default()};
};

TEST_F(FaultyFileLogTest, CrashKeepsEverySyncedRecord) {
  {
    auto log = Open(RecordOffset(4), false, &env_);
    ASSERT_TRUE(log.ok());
    for (uint64_t s = 1; s <= 10; ++s) ASSERT_TRUE(log.value()->Append(TestBatch(s, 1)).ok());
  }
  env_.SimulateCrash();
  auto log = Open(RecordOffset(4), false, &env_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log.value()->last_sequence(), 10u);
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

TEST_F(FaultyFileLogTest, OneRecordSurvivesACrash) {
  {
    auto log = Open(1 << 20, false, &env_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(1, 1)).ok());
  }
  env_.SimulateCrash();
  auto log = Open(1 << 20, false, &env_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log.value()->last_sequence(), 1u);
}

TEST_F(FaultyFileLogTest, EnospcMidBatchPoisonsTheLogAndKeepsWhatWasDurable) {
  {
    auto log = Open(1 << 20, false, &env_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(1, 10)).ok());
    env_.SetWriteBudget(kRecordSize + 36, ENOSPC);  // one whole record and a piece of the next
    Status s = log.value()->Append(TestBatch(11, 5));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
    env_.ClearFaults();
    EXPECT_FALSE(log.value()->Append(TestBatch(11, 1)).ok()) << "a failed log must stay failed";
    EXPECT_EQ(log.value()->last_sequence(), 10u);
  }
  auto log = Open(1 << 20, false, &env_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_TRUE(report_.truncated_tail);
  // Record 11 was never acknowledged; it reached the file whole, so it may be kept.
  EXPECT_GE(log.value()->last_sequence(), 10u);
  EXPECT_LE(log.value()->last_sequence(), 11u);
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

TEST_F(FaultyFileLogTest, FsyncEioIsFatalAndNeverRetried) {
  {
    auto log = Open(1 << 20, false, &env_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.value()->Append(TestBatch(1, 10)).ok());
    env_.FailSyncs(EIO);
    Status s = log.value()->Append(TestBatch(11, 5));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("refuses further appends"), std::string::npos) << s.message();
    env_.ClearFaults();
    EXPECT_EQ(log.value()->Append(TestBatch(11, 5)).message(), s.message());
  }
  env_.SimulateCrash();  // the five records were written but never synced: gone
  auto log = Open(1 << 20, false, &env_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log.value()->last_sequence(), 10u);
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

TEST_F(FaultyFileLogTest, WriteErrorBeforeAnythingIsWrittenIsFatal) {
  auto log = Open(1 << 20, false, &env_);
  ASSERT_TRUE(log.ok());
  env_.FailWrites(EIO);
  EXPECT_FALSE(log.value()->Append(TestBatch(1, 1)).ok());
  env_.ClearFaults();
  EXPECT_FALSE(log.value()->Append(TestBatch(1, 1)).ok());
}

TEST_F(FaultyFileLogTest, CrashDuringRollLosesNoSyncedRecord) {
  // Segments roll every three records; crash right after a roll's directory sync.
  {
    auto log = Open(RecordOffset(3), false, &env_);
    ASSERT_TRUE(log.ok());
    for (uint64_t s = 1; s <= 7; ++s) ASSERT_TRUE(log.value()->Append(TestBatch(s, 1)).ok());
  }
  env_.SimulateCrash();
  auto log = Open(RecordOffset(3), false, &env_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log.value()->last_sequence(), 7u);
  ASSERT_TRUE(log.value()->Append(TestBatch(8, 1)).ok());
  EXPECT_TRUE(VerifyLog(*log.value()).ok());
}

}  // namespace
}  // namespace dreichor::audit
