#include "api/command_response.h"

#include "audit/record.h"
#include "command_json/command_json.h"
#include "engine/reason.h"
#include "util/json_log.h"

namespace dreichor::api {

std::string CommandResponseBody(const runtime::CommandResult& result) {
  http::JsonWriter w;
  w.BeginObject();
  w.Key("sequence");
  w.Uint(result.sequence);
  w.Key("timestamp");
  w.String(FormatUtc(result.timestamp_ns));
  w.Key("timestamp_ns");
  w.Int(result.timestamp_ns);
  w.Key("event_id");
  w.String(audit::EventIdToString(result.event_id));
  w.Key("accepted");
  w.Bool(result.outcome.accepted);
  w.Key("reason");
  if (result.outcome.accepted) {
    w.Null();
  } else {
    w.BeginObject();
    w.Key("code");
    w.String(engine::ReasonCode(result.outcome.reason));
    w.Key("message");
    w.String(engine::ReasonMessage(result.outcome.reason));
    w.EndObject();
  }
  if (result.outcome.order_id != 0) {
    w.Key("order_id");
    w.Uint(result.outcome.order_id);
  }
  w.Key("events");
  w.BeginArray();
  for (const engine::Event& ev : result.events) command_json::WriteEvent(ev, &w);
  w.EndArray();
  if (result.tree.size != 0) {
    // The audit tree that covers this command (docs/audit-proofs.md).
    w.Key("checkpoint");
    w.BeginObject();
    w.Key("tree_size");
    w.Uint(result.tree.size);
    w.Key("root_hash");
    w.String(evidence::HashToBase64(result.tree.root));
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace dreichor::api
