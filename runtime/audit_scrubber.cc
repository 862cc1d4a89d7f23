#include "runtime/audit_scrubber.h"

namespace dreichor::runtime {

using Clock = std::chrono::steady_clock;

std::chrono::nanoseconds ScrubPace(uint64_t bytes, uint64_t bytes_per_second,
                                   std::chrono::nanoseconds elapsed) {
  const double seconds =
      static_cast<double>(bytes) / static_cast<double>(std::max<uint64_t>(bytes_per_second, 1));
  const auto budget = std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
  return std::max(budget - elapsed, std::chrono::nanoseconds::zero());
}

AuditScrubber::AuditScrubber(Env* env, audit::FileLog* log, ScrubOptions options,
                             ScrubObserver* observer)
    : env_(env), log_(log), options_(options), observer_(observer) {}

AuditScrubber::~AuditScrubber() { Stop(); }

void AuditScrubber::Start() {
  thread_ = std::thread([this] { Run(); });
}

void AuditScrubber::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool AuditScrubber::Pause(std::chrono::nanoseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void AuditScrubber::Run() {
  while (Pass() && Pause(options_.pause_between_passes)) {
  }
}

bool AuditScrubber::Pass() {
  std::optional<audit::Digest> previous_chain = log_->genesis();
  uint64_t segments = 0, damaged = 0;
  for (const audit::SegmentRef& ref : log_->SealedSegments()) {
    const Clock::time_point started = Clock::now();
    const audit::SegmentScrub result =
        ScrubSealedSegment(env_, ref, log_->header().log_id, previous_chain);
    ++segments;
    damaged += result.damaged ? 1 : 0;
    // After damage the next segment is checked from its own header.
    previous_chain = result.damaged ? std::nullopt : std::optional(result.last_chain);
    observer_->OnSegmentScrubbed(result);
    // Paced: reading B bytes takes at least B / rate seconds, however fast the disk is.
    if (!Pause(ScrubPace(result.bytes, options_.bytes_per_second, Clock::now() - started))) {
      return false;
    }
  }
  observer_->OnScrubPassComplete(segments, damaged);
  return true;
}

}  // namespace dreichor::runtime
