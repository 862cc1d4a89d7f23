// Reading the record stream's messages (stream/stream_message.h), as a subscriber (a follower)
// does: each event parsed into the record as the log stores it, so the subscriber recomputes the
// chain, and the leader's outcome, to compare with its own. Parsed with simdjson: a follower
// reads tens of thousands of records a second. Kept apart from the encoding so that the runtime
// does not link the parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stream/stream_message.h"

namespace dreichor::stream {

// One event of a batch, parsed.
struct StreamItem {
  enum class Kind { kRecord, kHeartbeat, kStart };
  Kind kind = Kind::kRecord;
  StreamStart start;        // kStart
  Heartbeat heartbeat;      // kHeartbeat
  audit::Record record;     // kRecord: the record, with the leader's chain hash
  engine::Command command;  // decoded from record.payload
  bool accepted = false;    // the leader's outcome
  std::string reason_code;  // "" when accepted
  uint64_t order_id = 0;
};

// Parses one message: kInvalidArgument naming the event and field when anything is missing,
// malformed or inconsistent (a payload that does not decode, a type that does not match it).
Result<std::vector<StreamItem>> ParseStreamBatch(std::string_view text);

}  // namespace dreichor::stream
