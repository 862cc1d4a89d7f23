#include "stream/stream_parse.h"

#include <simdjson.h>

#include "engine/command_codec.h"
#include "util/base64.h"
#include "util/json_cursor.h"
#include "util/parse_number.h"
#include "util/sha256.h"

namespace dreichor::stream {

namespace {

constexpr std::string_view kCommandTypePrefix = "com.dreichor.command.";

// A field of a parsed batch (simdjson's DOM: a follower reads tens of thousands of records a
// second, and parsing them was most of its work), read like util/json_cursor.h: a missing field
// or a wrong type records a problem naming the field's path, and reading goes on with an empty
// value. Presence::kOptional also accepts null. A cursor refers to the one it was taken from (for
// the path, built only for a problem): keep that one alive, named. Strings are views into the
// parsed document, valid until the next ParseStreamBatch on this thread.
class Cursor {
 public:
  Cursor(simdjson::dom::element value, JsonProblems* problems)
      : value_(value), present_(true), problems_(problems) {}

  Cursor operator[](std::string_view key) const {
    Cursor c(this, key, problems_);
    simdjson::dom::object object;
    if (!present_) return c;
    if (value_.get_object().get(object) != simdjson::SUCCESS) {
      if (!value_.is_null()) problems_->Add(Path() + ": expected an object");
      return c;
    }
    c.present_ = object.at_key(key).get(c.value_) == simdjson::SUCCESS;
    return c;
  }
  std::string_view String(Presence presence = Presence::kRequired) const {
    std::string_view v;
    if (Usable(presence) && value_.get_string().get(v) != simdjson::SUCCESS) Wrong("a string");
    return v;
  }
  int64_t Int(int64_t min, int64_t max, Presence presence = Presence::kRequired) const {
    int64_t v = 0;
    if (!Usable(presence)) return 0;
    if (value_.get_int64().get(v) != simdjson::SUCCESS) {
      Wrong("an integer");
      return 0;
    }
    if (v < min || v > max) {
      problems_->Add(Path() + ": " + std::to_string(v) + " is out of range");
      return 0;
    }
    return v;
  }
  bool Bool(Presence presence = Presence::kRequired) const {
    bool v = false;
    if (Usable(presence) && value_.get_bool().get(v) != simdjson::SUCCESS) Wrong("a boolean");
    return v;
  }

 private:
  Cursor(const Cursor* parent, std::string_view key, JsonProblems* problems)
      : parent_(parent), key_(key), problems_(problems) {}
  std::string Path() const {
    if (parent_ == nullptr) return "";
    const std::string above = parent_->Path();
    return above.empty() ? std::string(key_) : above + "." + std::string(key_);
  }
  // Present and not null; else records a problem when required.
  bool Usable(Presence presence) const {
    if (present_ && !value_.is_null()) return true;
    if (presence == Presence::kRequired) problems_->Add(Path() + ": missing");
    return false;
  }
  void Wrong(const char* kind) const { problems_->Add(Path() + ": expected " + kind); }

  simdjson::dom::element value_;
  bool present_ = false;
  const Cursor* parent_ = nullptr;
  std::string_view key_;
  JsonProblems* problems_;
};

bool ParseDigest(std::string_view hex, audit::Digest* out) {
  return FromHex(hex, out->data(), out->size());
}

Status ParseHeartbeat(Cursor& event, JsonProblems& problems, StreamItem* item) {
  Cursor data = event["data"];
  Heartbeat& h = item->heartbeat;
  h.last_sequence = static_cast<uint64_t>(data["last_sequence"].Int(0, INT64_MAX));
  h.head_sequence = static_cast<uint64_t>(data["head_sequence"].Int(0, INT64_MAX));
  h.time_ns = data["time_ns"].Int(0, INT64_MAX);
  const std::string_view chain = data["chain_hash"].String();
  const std::string_view state = data["state_hash"].String();
  if (!problems.ok()) return Status::InvalidArgument(problems.first());
  if (h.head_sequence < h.last_sequence) {
    return Status::InvalidArgument("data.head_sequence: below last_sequence");
  }
  if (!ParseDigest(chain, &h.chain)) {
    return Status::InvalidArgument("data.chain_hash: expected 64 lower-case hex digits");
  }
  if (!ParseDigest(state, &h.state_hash)) {
    return Status::InvalidArgument("data.state_hash: expected 64 lower-case hex digits");
  }
  item->kind = StreamItem::Kind::kHeartbeat;
  return Status::Ok();
}

Status ParseStart(Cursor& event, JsonProblems& problems, StreamItem* item) {
  Cursor data = event["data"];
  item->start.from = static_cast<uint64_t>(data["from"].Int(1, INT64_MAX));
  const std::string_view genesis = data["genesis_hash"].String();
  if (!problems.ok()) return Status::InvalidArgument(problems.first());
  if (!ParseDigest(genesis, &item->start.genesis)) {
    return Status::InvalidArgument("data.genesis_hash: expected 64 lower-case hex digits");
  }
  item->kind = StreamItem::Kind::kStart;
  return Status::Ok();
}

Status ParseRecord(Cursor& event, JsonProblems& problems, std::string_view type, StreamItem* item) {
  audit::Record& r = item->record;
  const std::string_view id = event["id"].String();
  const std::string_view sequence = event["sequence"].String();
  Cursor data = event["data"];
  r.timestamp_ns = data["timestamp_ns"].Int(0, INT64_MAX);
  const std::string_view chain = data["chain_hash"].String();
  const std::string_view payload = data["payload_base64"].String();
  Cursor outcome = data["outcome"];
  item->accepted = outcome["accepted"].Bool();
  if (!item->accepted) item->reason_code = std::string(outcome["reason"]["code"].String());
  item->order_id =
      static_cast<uint64_t>(outcome["order_id"].Int(0, INT64_MAX, Presence::kOptional));
  if (!problems.ok()) return Status::InvalidArgument(problems.first());
  const auto seq = sequence.size() == 20 ? ParseDecimal(sequence) : std::nullopt;
  if (!seq || *seq == 0) {
    return Status::InvalidArgument("sequence: expected 20 decimal digits, not " +
                                   std::string(sequence));
  }
  r.sequence = *seq;
  const auto event_id = audit::ParseEventId(id);
  if (!event_id) return Status::InvalidArgument("id: not an event id: " + std::string(id));
  r.event_id = *event_id;
  if (!ParseDigest(chain, &r.chain)) {
    return Status::InvalidArgument("data.chain_hash: expected 64 lower-case hex digits");
  }
  auto bytes = Base64Decode(payload);
  if (!bytes) return Status::InvalidArgument("data.payload_base64: not base64");
  r.payload = std::move(*bytes);
  auto command = engine::DecodeCommand(r.payload);
  if (!command.ok()) {
    return Status::InvalidArgument("data.payload_base64: " + command.status().message());
  }
  item->command = std::move(command.value());
  const auto command_type = engine::TypeOf(item->command);
  r.type = static_cast<uint16_t>(command_type);
  if (type.substr(kCommandTypePrefix.size()) != engine::CommandTypeName(command_type)) {
    return Status::InvalidArgument("type " + std::string(type) + " does not match the payload, a " +
                                   std::string(engine::CommandTypeName(command_type)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<StreamItem>> ParseStreamBatch(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not JSON");
  }
  simdjson::dom::array events;
  if (doc.get_array().get(events) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not a CloudEvents batch (a JSON array)");
  }
  std::vector<StreamItem> items(events.size());
  size_t i = 0;
  for (simdjson::dom::element e : events) {
    JsonProblems problems;
    Cursor event(e, &problems);
    const std::string_view type = event["type"].String();
    const std::string_view spec = event["specversion"].String();
    Status parsed;
    if (!problems.ok()) {
      parsed = Status::InvalidArgument(problems.first());
    } else if (spec != "1.0") {
      parsed = Status::InvalidArgument("specversion: expected 1.0, not " + std::string(spec));
    } else if (type == kStartType) {
      parsed = ParseStart(event, problems, &items[i]);
    } else if (type == kHeartbeatType) {
      parsed = ParseHeartbeat(event, problems, &items[i]);
    } else if (type.rfind(kCommandTypePrefix, 0) == 0) {
      parsed = ParseRecord(event, problems, type, &items[i]);
    } else {
      parsed = Status::InvalidArgument("type: unknown event type " + std::string(type));
    }
    if (!parsed.ok()) {
      return Status::InvalidArgument("event " + std::to_string(i) + ": " + parsed.message());
    }
    ++i;
  }
  return items;
}

}  // namespace dreichor::stream
