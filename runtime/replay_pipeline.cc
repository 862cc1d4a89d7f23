#include "runtime/replay_pipeline.h"

#include "audit/chain_checker.h"
#include "engine/command_codec.h"

namespace dreichor::runtime {

ReplayPipeline::ReplayPipeline(audit::AuditLog& log, uint64_t start_sequence,
                               const audit::Digest& start_chain, uint64_t until_sequence,
                               int64_t until_time_ns) {
  producer_ = std::thread([=, this, &log] {
    Produce(log, start_sequence, start_chain, until_sequence, until_time_ns);
  });
}

ReplayPipeline::~ReplayPipeline() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  producer_.join();
}

void ReplayPipeline::Produce(audit::AuditLog& log, uint64_t start_sequence,
                             audit::Digest start_chain, uint64_t until_sequence,
                             int64_t until_time_ns) {
  Status s = ReadAll(log, start_sequence, start_chain, until_sequence, until_time_ns);
  std::lock_guard<std::mutex> guard(mu_);
  error_ = s;
  done_ = true;
  changed_.notify_all();
}

Status ReplayPipeline::ReadAll(audit::AuditLog& log, uint64_t start_sequence,
                               audit::Digest start_chain, uint64_t until_sequence,
                               int64_t until_time_ns) {
  audit::ChainChecker chain(start_sequence, start_chain);
  auto reader = log.ReadFrom(start_sequence + 1);
  if (!reader.ok()) return reader.status();
  audit::Record r;
  DecodedBatch batch;
  while (chain.sequence() < until_sequence) {
    auto more = reader.value()->Next(&r);
    if (!more.ok()) return more.status();
    if (!more.value() || r.timestamp_ns > until_time_ns) break;
    if (Status s = chain.Check(r); !s.ok()) {
      return Status::Corruption(reader.value()->Where() + ": " + s.message());
    }
    auto command = engine::DecodeCommand(r.payload);
    if (!command.ok()) {
      return Status::Corruption(reader.value()->Where() + " (sequence " +
                                std::to_string(r.sequence) + "): " + command.status().message());
    }
    if (static_cast<uint16_t>(engine::TypeOf(command.value())) != r.type) {
      return Status::Corruption(reader.value()->Where() + " (sequence " +
                                std::to_string(r.sequence) +
                                "): record type differs from its command's");
    }
    batch.commands.push_back(std::move(command).value());
    batch.timestamps.push_back(r.timestamp_ns);
    batch.last_sequence = chain.sequence();
    batch.last_chain = chain.chain();
    if (batch.commands.size() == kBatchSize) {
      if (!Push(std::move(batch))) return Status::Ok();
      batch = DecodedBatch{};
    }
  }
  if (!batch.commands.empty()) Push(std::move(batch));
  return Status::Ok();
}

bool ReplayPipeline::Push(DecodedBatch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return queue_.size() < kMaxQueued || stopping_; });
  if (stopping_) return false;
  queue_.push_back(std::move(batch));
  changed_.notify_all();
  return true;
}

Result<bool> ReplayPipeline::Next(DecodedBatch* batch) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return !queue_.empty() || done_; });
  if (!queue_.empty()) {
    *batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return true;
  }
  if (!error_.ok()) return error_;
  return false;
}

}  // namespace dreichor::runtime
