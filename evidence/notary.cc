#include "evidence/notary.h"

#include <chrono>

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
      head_(tree_->head()) {
  Answered();  // a checkpoint of the tree as it starts, before the first batch
}

TreeHead Notary::Durable(const std::vector<audit::PendingRecord>& records) {
  std::vector<Hash> leaves;
  leaves.reserve(records.size());
  for (const audit::PendingRecord& r : records) {
    chain_ = audit::ChainHash(chain_, r);
    leaves.push_back(RecordLeafHash(r, chain_));
  }
  // Append fails only if the tree in memory lost a node, which its construction rules out.
  auto head = tree_->Append(leaves);
  DREICHOR_CHECK(head.ok());
  head_ = head.value();
  if (!records.empty()) last_timestamp_ns_ = records.back().timestamp_ns;
  return head_;
}

void Notary::Answered() {
  if (signer_ == nullptr) return;
  const auto t0 = std::chrono::steady_clock::now();
  const Checkpoint checkpoint{signer_->name(), head_.size, head_.root};
  auto note = std::make_shared<const std::string>(SignNote(checkpoint.Body(), *signer_));
  stats_.sign_ns_total +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  stats_.checkpoints_signed++;
  {
    std::lock_guard<std::mutex> guard(mu_);
    latest_ = note;
  }
  if (!checkpoint_file_.empty() && head_.size != last_written_size_ &&
      last_timestamp_ns_ - last_written_ns_ >= write_every_ns_) {
    last_written_ns_ = last_timestamp_ns_;
    last_written_size_ = head_.size;
    (void)WriteCheckpointFile(*note, /*sync=*/false);
  }
}

Status Notary::Flush() {
  std::optional<std::string> note = LatestCheckpoint();
  if (!note || checkpoint_file_.empty()) return Status::Ok();
  return WriteCheckpointFile(*note, /*sync=*/true);
}

std::optional<std::string> Notary::LatestCheckpoint() const {
  std::lock_guard<std::mutex> guard(mu_);
  if (latest_ == nullptr) return std::nullopt;
  return *latest_;
}

Status Notary::WriteCheckpointFile(const std::string& note, bool sync) {
  const std::string tmp = checkpoint_file_ + ".tmp";
  auto file = env_->NewWritableFile(tmp);
  Status s = file.ok() ? file.value()->Append(note) : file.status();
  if (s.ok() && sync) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  if (s.ok()) s = env_->RenameFile(tmp, checkpoint_file_);
  if (s.ok()) {
    stats_.checkpoint_files_written++;
  } else {
    stats_.checkpoint_file_failures++;
  }
  return s;
}

}  // namespace dreichor::evidence
