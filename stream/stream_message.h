// The record stream's messages (docs/record-stream.md). Every WebSocket message is one CloudEvents
// JSON batch: an array of events, in sequence order, each either a committed record
// (stream/cloudevents.h, CommittedEventJson) or a heartbeat:
//
//   {"specversion":"1.0","id":"heartbeat-42","source":"<source>",
//    "type":"com.dreichor.stream.heartbeat","time":"2026-12-05T18:00:01.000000000Z",
//    "datacontenttype":"application/json",
//    "data":{"last_sequence":42,"chain_hash":"<hex>","state_hash":"<hex>","time_ns":...,
//            "head_sequence":57}}
//
// The first event of every subscription says where it starts and the log's genesis hash (the
// chain hash "before" record 1), so that a subscriber from the beginning can check record 1 too:
//
//   {"specversion":"1.0","id":"start-1-<time_ns>","source":"<source>",
//    "type":"com.dreichor.stream.start","time":"...","datacontenttype":"application/json",
//    "data":{"from":1,"genesis_hash":"<hex>"}}
//
// `head_sequence` is the newest record the runtime had committed when the heartbeat was made (at
// least last_sequence): a subscriber's lag in records is head_sequence minus what it applied.
// A heartbeat follows the record at `last_sequence` directly: the state hash is the engine's
// after that record, so a subscriber that applied the same records compares it with its own.
// Reading them back is stream/stream_parse.h (a subscriber's side).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.h"
#include "engine/command.h"
#include "engine/event.h"
#include "util/status.h"

namespace dreichor::stream {

inline constexpr std::string_view kHeartbeatType = "com.dreichor.stream.heartbeat";
inline constexpr std::string_view kStartType = "com.dreichor.stream.start";

struct Heartbeat {
  uint64_t last_sequence = 0;
  uint64_t head_sequence = 0;  // the runtime's newest committed record then
  audit::Digest chain{};
  audit::Digest state_hash{};
  int64_t time_ns = 0;  // the leader's wall clock when the heartbeat was made
};

std::string HeartbeatJson(const Heartbeat& heartbeat, const std::string& source);

struct StreamStart {
  uint64_t from = 0;  // the first sequence this subscription sends
  audit::Digest genesis{};
};

std::string StartJson(const StreamStart& start, int64_t time_ns, const std::string& source);

// Joins encoded events into one batch message: "[" e1 "," e2 ... "]".
std::string JoinBatch(const std::vector<const std::string*>& events);

}  // namespace dreichor::stream
