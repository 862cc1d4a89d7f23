#include "evidence/notary.h"

#include <chrono>

#include "util/atomic_file.h"
#include "util/check.h"

namespace dreichor::evidence {

Notary::Notary(Env* env, std::unique_ptr<TreeStore> tree, const audit::Digest& last_chain,
               NotaryOptions options)
    : env_(env),
      tree_(std::move(tree)),
      chain_(last_chain),
      signer_(std::move(options.signer)),
      checkpoint_file_(std::move(options.checkpoint_file)),
      write_every_ns_(options.write_every_ns),
      durable_head_(tree_->head()) {
  if (signer_ != nullptr) unsigned_.push_back(Unsigned{durable_head_, 0});
  worker_ = std::thread([this] { Work(); });
}

Notary::~Notary() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void Notary::Start(const std::vector<audit::PendingRecord>* records) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    batch_ = records;
    batch_done_ = false;
  }
  wake_.notify_all();
}

TreeHead Notary::Finish(bool durable) {
  std::unique_lock<std::mutex> lock(mu_);
  extended_.wait(lock, [this] { return batch_done_; });
  if (!durable || failed_) {
    failed_ = true;  // nothing after a batch the log may not hold is ever signed
    return durable_head_;
  }
  durable_head_ = extended_head_;
  return durable_head_;
}

void Notary::Answered() {
  if (signer_ == nullptr) return;
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (failed_) return;
    unsigned_.push_back(Unsigned{durable_head_, durable_timestamp_ns_});
  }
  wake_.notify_all();
}

TreeHead Notary::head() const {
  std::lock_guard<std::mutex> guard(mu_);
  return durable_head_;
}

void Notary::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return batch_ != nullptr || !unsigned_.empty() || stop_; });
    if (batch_ != nullptr) {  // first: the sequencer waits for it
      const std::vector<audit::PendingRecord>* records = batch_;
      lock.unlock();
      const TreeHead head = Extend(*records);
      lock.lock();
      extended_head_ = head;
      if (!records->empty()) durable_timestamp_ns_ = records->back().timestamp_ns;
      batch_ = nullptr;
      batch_done_ = true;
      extended_.notify_all();
      continue;
    }
    if (!unsigned_.empty()) {
      if (unsigned_.size() > kMaxUnsigned) {
        stats_.checkpoints_skipped += unsigned_.size() - 1;
        unsigned_.erase(unsigned_.begin(), unsigned_.end() - 1);
      }
      const Unsigned next = unsigned_.front();
      unsigned_.pop_front();
      signing_now_ = true;
      lock.unlock();
      Sign(next);
      lock.lock();
      signing_now_ = false;
      if (unsigned_.empty()) idle_.notify_all();
      continue;
    }
    return;  // stop_, and nothing left to do
  }
}

TreeHead Notary::Extend(const std::vector<audit::PendingRecord>& records) {
  std::vector<Hash> leaves;
  leaves.reserve(records.size());
  for (const audit::PendingRecord& r : records) {
    chain_ = audit::ChainHash(chain_, r);
    leaves.push_back(RecordLeafHash(r, chain_));
  }
  // Append fails only if the tree in memory lost a node, which its construction rules out.
  auto head = tree_->Append(leaves);
  DREICHOR_CHECK(head.ok());
  return head.value();
}

void Notary::Sign(const Unsigned& next) {
  const auto t0 = std::chrono::steady_clock::now();
  const Checkpoint checkpoint{signer_->name(), next.head.size, next.head.root};
  auto note = std::make_shared<const std::string>(SignNote(checkpoint.Body(), *signer_));
  stats_.sign_ns_total +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  stats_.checkpoints_signed++;
  {
    std::lock_guard<std::mutex> guard(mu_);
    latest_ = note;
  }
  if (!checkpoint_file_.empty() && next.head.size != last_written_size_ &&
      next.last_timestamp_ns - last_written_ns_ >= write_every_ns_) {
    last_written_ns_ = next.last_timestamp_ns;
    last_written_size_ = next.head.size;
    (void)WriteCheckpointFile(*note, /*sync=*/false);  // counted; the next one tries again
  }
}

Status Notary::Flush() {
  std::optional<std::string> note;
  audit::Digest chain;
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return unsigned_.empty() && !signing_now_; });
    if (failed_) return Status::FailedPrecondition("the audit log failed: the tree is not closed");
    if (latest_ != nullptr) note = *latest_;
    chain = chain_;  // the worker is idle: no batch in flight after the sequencer stopped
  }
  if (Status s = tree_->Close(chain); !s.ok()) return s;
  if (!note || checkpoint_file_.empty()) return Status::Ok();
  return WriteCheckpointFile(*note, /*sync=*/true);
}

std::optional<std::string> Notary::LatestCheckpoint() const {
  std::lock_guard<std::mutex> guard(mu_);
  if (latest_ == nullptr) return std::nullopt;
  return *latest_;
}

Status Notary::WriteCheckpointFile(const std::string& note, bool sync) {
  const Status s = WriteFileAtomically(env_, checkpoint_file_, note, {.sync = sync});
  if (!s.ok()) stats_.checkpoint_file_failures++;
  return s;
}

}  // namespace dreichor::evidence
