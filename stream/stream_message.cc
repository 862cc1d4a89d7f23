#include "stream/stream_message.h"

#include "http/json_writer.h"
#include "util/json_log.h"
#include "util/sha256.h"

namespace dreichor::stream {

std::string HeartbeatJson(const Heartbeat& heartbeat, const std::string& source) {
  http::JsonWriter w;
  w.BeginObject();
  w.Key("specversion");
  w.String("1.0");
  w.Key("id");
  w.String("heartbeat-" + std::to_string(heartbeat.last_sequence) + "-" +
           std::to_string(heartbeat.time_ns));
  w.Key("source");
  w.String(source);
  w.Key("type");
  w.String(kHeartbeatType);
  w.Key("time");
  w.String(FormatUtc(heartbeat.time_ns, 9));
  w.Key("datacontenttype");
  w.String("application/json");
  w.Key("data");
  w.BeginObject();
  w.Key("last_sequence");
  w.Uint(heartbeat.last_sequence);
  w.Key("chain_hash");
  w.String(ToHex(heartbeat.chain));
  w.Key("state_hash");
  w.String(ToHex(heartbeat.state_hash));
  w.Key("time_ns");
  w.Int(heartbeat.time_ns);
  w.Key("head_sequence");
  w.Uint(heartbeat.head_sequence);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string StartJson(const StreamStart& start, int64_t time_ns, const std::string& source) {
  http::JsonWriter w;
  w.BeginObject();
  w.Key("specversion");
  w.String("1.0");
  w.Key("id");
  w.String("start-" + std::to_string(start.from) + "-" + std::to_string(time_ns));
  w.Key("source");
  w.String(source);
  w.Key("type");
  w.String(kStartType);
  w.Key("time");
  w.String(FormatUtc(time_ns, 9));
  w.Key("datacontenttype");
  w.String("application/json");
  w.Key("data");
  w.BeginObject();
  w.Key("from");
  w.Uint(start.from);
  w.Key("genesis_hash");
  w.String(ToHex(start.genesis));
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string JoinBatch(const std::vector<const std::string*>& events) {
  size_t size = 2 + events.size();
  for (const std::string* e : events) size += e->size();
  std::string out;
  out.reserve(size);
  out.push_back('[');
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(*events[i]);
  }
  out.push_back(']');
  return out;
}

}  // namespace dreichor::stream
