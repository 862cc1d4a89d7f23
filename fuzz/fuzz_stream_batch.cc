// Fuzz target: a record-stream message (stream/stream_parse.h), which a follower reads from the
// network and must never trust blindly.
//
// Promises checked: any input is parsed or refused, never a crash; an accepted record's type is
// its payload's command type and its sequence is at least 1; an accepted start or heartbeat
// re-encodes to an event that parses back to the same values.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/command_codec.h"
#include "stream/stream_parse.h"

using namespace dreichor;
using stream::StreamItem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto items = stream::ParseStreamBatch(text);
  if (!items.ok()) return 0;
  for (const StreamItem& item : items.value()) {
    switch (item.kind) {
      case StreamItem::Kind::kRecord: {
        if (item.record.sequence == 0) std::abort();
        if (item.record.type != static_cast<uint16_t>(engine::TypeOf(item.command))) std::abort();
        auto decoded = engine::DecodeCommand(item.record.payload);
        if (!decoded.ok()) std::abort();
        break;
      }
      case StreamItem::Kind::kHeartbeat: {
        auto again =
            stream::ParseStreamBatch("[" + stream::HeartbeatJson(item.heartbeat, "s") + "]");
        if (!again.ok() || again.value().size() != 1) std::abort();
        const stream::Heartbeat& h = again.value()[0].heartbeat;
        if (h.last_sequence != item.heartbeat.last_sequence ||
            h.head_sequence != item.heartbeat.head_sequence || h.chain != item.heartbeat.chain ||
            h.state_hash != item.heartbeat.state_hash || h.time_ns != item.heartbeat.time_ns) {
          std::abort();
        }
        break;
      }
      case StreamItem::Kind::kStart: {
        auto again = stream::ParseStreamBatch("[" + stream::StartJson(item.start, 0, "s") + "]");
        if (!again.ok() || again.value()[0].start.from != item.start.from ||
            again.value()[0].start.genesis != item.start.genesis) {
          std::abort();
        }
        break;
      }
    }
  }
  return 0;
}
