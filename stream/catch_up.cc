#include "stream/catch_up.h"

#include "engine/command_codec.h"
#include "runtime/replay.h"
#include "stream/cloudevents.h"

namespace dreichor::stream {

Result<std::unique_ptr<CatchUpReader>> CatchUpReader::Open(audit::AuditLog& log,
                                                           const snapshot::SnapshotStore* snapshots,
                                                           uint64_t from, std::string source) {
  const uint64_t end = log.last_sequence();
  if (from == 0 || from > end + 1) {
    return Status::InvalidArgument("from " + std::to_string(from) +
                                   " is outside the log: its next record is " +
                                   std::to_string(end + 1));
  }
  runtime::ReplayOptions options;
  options.until_sequence = from - 1;
  std::vector<std::string> warnings;
  auto start = runtime::BestStart(log, snapshots, options, &warnings);
  if (!start.ok()) return start.status();
  auto replayed = runtime::ReplayFrom(log, std::move(start.value()), options);
  if (!replayed.ok()) return replayed.status();
  if (replayed.value().last_sequence != from - 1) {
    return Status::DataLoss("the log ends at " + std::to_string(replayed.value().last_sequence) +
                            ", before " + std::to_string(from - 1));
  }
  return std::unique_ptr<CatchUpReader>(new CatchUpReader(log, std::move(replayed.value().engine),
                                                          from, replayed.value().last_chain,
                                                          std::move(source)));
}

Status CatchUpReader::ReadAvailable(const Emit& emit) {
  auto reader = log_.ReadFrom(next_);
  if (!reader.ok()) return reader.status();
  audit::Record record;
  for (;;) {
    auto more = reader.value()->Next(&record);
    if (!more.ok()) return more.status();
    if (!more.value()) return Status::Ok();
    if (record.sequence != next_ || audit::ChainHash(chain_, record) != record.chain) {
      return Status::DataLoss("the log does not chain at sequence " + std::to_string(next_) + " (" +
                              reader.value()->Where() + ")");
    }
    auto command = engine::DecodeCommand(record.payload);
    if (!command.ok()) {
      return Status::DataLoss("record " + std::to_string(next_) + ": " +
                              command.status().message());
    }
    const engine::Outcome outcome = engine_->Apply(command.value(), record.timestamp_ns);
    std::string event = CommittedEventJson(record, outcome, engine_->events(), source_);
    chain_ = record.chain;
    ++next_;
    if (!emit(std::move(event), record.sequence)) return Status::Ok();
  }
}

}  // namespace dreichor::stream
