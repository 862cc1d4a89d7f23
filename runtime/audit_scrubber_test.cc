// The background scrubber: it finds damage in a sealed segment while the log keeps appending,
// reports it to its observer, and stops promptly even in the middle of a long pause.
#include "runtime/audit_scrubber.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/audit_records.h"
#include "testing/temp_dir.h"

namespace dreichor::runtime {
namespace {

using namespace std::chrono_literals;

class RecordingObserver final : public ScrubObserver {
 public:
  void OnSegmentScrubbed(const audit::SegmentScrub& result) override {
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(result);
  }
  void OnScrubPassComplete(uint64_t segments, uint64_t damaged) override {
    std::lock_guard<std::mutex> lock(mu_);
    passes_.emplace_back(segments, damaged);
    cv_.notify_all();
  }
  // Waits for the first complete pass (a hang guard, not a timing assumption).
  std::pair<uint64_t, uint64_t> FirstPass() {
    std::unique_lock<std::mutex> lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, 120s, [&] { return !passes_.empty(); }));
    return passes_.empty() ? std::pair<uint64_t, uint64_t>{0, 0} : passes_.front();
  }
  std::vector<audit::SegmentScrub> results() {
    std::lock_guard<std::mutex> lock(mu_);
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<audit::SegmentScrub> results_;
  std::vector<std::pair<uint64_t, uint64_t>> passes_;
};

TEST(AuditScrubberTest, FindsDamageInASealedSegmentWhileTheLogAppends) {
  TempDir dir;
  audit::FileLogOptions options;
  options.segment_bytes = 4096;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), dir.Sub("log"), options, &report);
  ASSERT_TRUE(log.ok());
  for (uint64_t s = 1; s <= 200; s += 10)
    ASSERT_TRUE(log.value()->Append(audit::TestBatch(s, 10)).ok());
  const std::vector<audit::SegmentRef> sealed = log.value()->SealedSegments();
  ASSERT_GE(sealed.size(), 3u);
  const std::string damaged = sealed[1].path;
  std::filesystem::permissions(damaged, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');
  }

  RecordingObserver observer;
  AuditScrubber scrubber(Env::Default(), log.value().get(),
                         ScrubOptions{.bytes_per_second = 1 << 30, .pause_between_passes = 1h},
                         &observer);
  scrubber.Start();
  // The sequencer's work goes on beside the scrub.
  for (uint64_t s = 201; s <= 400; s += 10)
    ASSERT_TRUE(log.value()->Append(audit::TestBatch(s, 10)).ok());
  const auto [segments, found] = observer.FirstPass();
  scrubber.Stop();  // in the middle of an hour's pause: must return at once

  EXPECT_GE(segments, sealed.size());
  EXPECT_EQ(found, 1u);
  const std::vector<audit::SegmentScrub> results = observer.results();
  ASSERT_GE(results.size(), sealed.size());
  EXPECT_FALSE(results[0].damaged);
  ASSERT_TRUE(results[1].damaged);
  EXPECT_EQ(results[1].segment, std::filesystem::path(damaged).filename().string());
  EXPECT_GT(results[1].sequence, sealed[1].first_sequence - 1);
  for (size_t i = 2; i < results.size(); ++i) EXPECT_FALSE(results[i].damaged) << i;
}

TEST(AuditScrubberTest, PaceKeepsTheAverageRateAtOrBelowTheLimit) {
  EXPECT_EQ(ScrubPace(8 << 20, 8 << 20, 0ns), 1s);
  EXPECT_EQ(ScrubPace(8 << 20, 8 << 20, 250ms), 750ms);
  EXPECT_EQ(ScrubPace(8 << 20, 8 << 20, 3s), 0ns) << "a slow read needs no extra wait";
  EXPECT_EQ(ScrubPace(0, 1, 0ns), 0ns);
}

}  // namespace
}  // namespace dreichor::runtime
