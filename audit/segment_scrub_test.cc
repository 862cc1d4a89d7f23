// Scrubbing sealed segments: an intact log passes, and every kind of latent damage in a sealed
// segment (a flipped bit in a record, in a header or footer, an unreadable file) is found with
// the segment, offset and sequence that locate it.
#include "audit/segment_scrub.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "audit/file_log.h"
#include "audit/log_format.h"
#include "testing/audit_records.h"
#include "testing/temp_dir.h"
#include "util/fault_injection_env.h"

namespace dreichor::audit {
namespace {

constexpr size_t kRecordSize = kRecordPrefixSize + kRecordFixedBodySize + 40;

class SegmentScrubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FileLogOptions options;
    options.segment_bytes = 4096;  // ~35 records a segment
    RecoveryReport report;
    auto log = FileLog::Open(Env::Default(), dir_.Sub("log"), options, &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    for (uint64_t s = 1; s <= 200; s += 10) ASSERT_TRUE(log_->Append(TestBatch(s, 10)).ok());
    ASSERT_GE(log_->SealedSegments().size(), 4u);
  }

  // Scrubs every sealed segment in order, the way the runtime's scrubber chains them.
  std::vector<SegmentScrub> ScrubAll(Env* env) {
    std::vector<SegmentScrub> out;
    std::optional<Digest> previous = log_->genesis();
    for (const SegmentRef& ref : log_->SealedSegments()) {
      out.push_back(ScrubSealedSegment(env, ref, log_->header().log_id, previous));
      previous = out.back().damaged ? std::nullopt : std::optional(out.back().last_chain);
    }
    return out;
  }

  void FlipByte(const std::string& path, uint64_t offset) {
    std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x10));
  }

  TempDir dir_;
  std::unique_ptr<FileLog> log_;
};

TEST_F(SegmentScrubTest, AnIntactLogPassesAndItsSegmentsChainTogether) {
  const std::vector<SegmentScrub> all = ScrubAll(Env::Default());
  const std::vector<SegmentRef> refs = log_->SealedSegments();
  uint64_t records = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_FALSE(all[i].damaged) << all[i].segment << ": " << all[i].reason;
    EXPECT_EQ(all[i].bytes, std::filesystem::file_size(refs[i].path));
    records += all[i].records;
  }
  EXPECT_EQ(records, refs.back().first_sequence + all.back().records - 1);
}

TEST_F(SegmentScrubTest, AFlippedByteInARecordIsFoundWithItsOffsetAndSequence) {
  const SegmentRef second = log_->SealedSegments()[1];
  const uint64_t offset = kSegmentHeaderSize + 3 * kRecordSize;  // the 4th record's start
  FlipByte(second.path, offset + kRecordSize / 2);
  const std::vector<SegmentScrub> all = ScrubAll(Env::Default());
  EXPECT_FALSE(all[0].damaged);
  ASSERT_TRUE(all[1].damaged);
  EXPECT_EQ(all[1].segment, std::filesystem::path(second.path).filename().string());
  EXPECT_EQ(all[1].offset, offset);
  EXPECT_EQ(all[1].sequence, second.first_sequence + 3);
  EXPECT_EQ(all[1].reason, "checksum mismatch");
  for (size_t i = 2; i < all.size(); ++i) {
    EXPECT_FALSE(all[i].damaged) << "later segments are checked from their own headers";
  }
}

TEST_F(SegmentScrubTest, DamageInAHeaderOrFooterIsFound) {
  const std::vector<SegmentRef> refs = log_->SealedSegments();
  FlipByte(refs[0].path, 20);  // inside the header (the log id)
  const uint64_t size = std::filesystem::file_size(refs[2].path);
  FlipByte(refs[2].path, size - 10);  // inside the footer
  const std::vector<SegmentScrub> all = ScrubAll(Env::Default());
  ASSERT_TRUE(all[0].damaged);
  EXPECT_EQ(all[0].offset, 0u);
  ASSERT_TRUE(all[2].damaged);
  EXPECT_EQ(all[2].offset, size - kSegmentFooterSize);
}

TEST_F(SegmentScrubTest, AnUnreadableSegmentIsDamage) {
  FaultInjectionEnv env(Env::Default());
  const SegmentRef second = log_->SealedSegments()[1];
  env.FailReadsOf(second.path, EIO);
  const std::vector<SegmentScrub> all = ScrubAll(&env);
  ASSERT_TRUE(all[1].damaged);
  EXPECT_EQ(all[1].sequence, second.first_sequence);
  EXPECT_NE(all[1].reason.find("cannot be read"), std::string::npos) << all[1].reason;
  EXPECT_NE(all[1].reason.find("Input/output error"), std::string::npos) << all[1].reason;
}

TEST_F(SegmentScrubTest, ASegmentThatDoesNotContinueItsPredecessorIsFound) {
  // Segment 2 checked as if it followed a chain hash it does not start from.
  const SegmentRef second = log_->SealedSegments()[1];
  const SegmentScrub s =
      ScrubSealedSegment(Env::Default(), second, log_->header().log_id, Digest{});
  ASSERT_TRUE(s.damaged);
  EXPECT_EQ(s.offset, 0u);
}

}  // namespace
}  // namespace dreichor::audit
