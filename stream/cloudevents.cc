#include "stream/cloudevents.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "command_json/command_json.h"
#include "engine/command_codec.h"
#include "engine/reason.h"
#include "http/json_writer.h"
#include "util/base64.h"
#include "util/json_log.h"
#include "util/json_text.h"
#include "util/sha256.h"

namespace dreichor::stream {

namespace {

std::string Subject(const engine::Command& command) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, engine::CreateMarket> ||
                      std::is_same_v<T, engine::SetMarketStatus>) {
          return "market/" + std::to_string(c.market);
        } else if constexpr (std::is_same_v<T, engine::SetRetention>) {
          return "retention/" + std::to_string(c.from_sequence) + "-" +
                 std::to_string(c.through_sequence);
        } else if constexpr (std::is_same_v<T, engine::LegalHold>) {
          return "legal-hold/" + std::to_string(c.hold_id);
        } else if constexpr (std::is_same_v<T, engine::RegisterApiKey> ||
                             std::is_same_v<T, engine::RevokeApiKey>) {
          return "api-key/" + std::to_string(c.key_id);
        } else {
          return "account/" + std::to_string(c.account);
        }
      },
      command);
}

bool KeptAsIs(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == '@';
}

}  // namespace

std::string AuditSourceUri(std::string_view log_description) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "urn:dreichor:audit:";
  for (const char ch : log_description) {
    const auto c = static_cast<unsigned char>(ch);
    if (KeptAsIs(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

std::string SequenceText(uint64_t sequence) {
  char text[24];
  snprintf(text, sizeof(text), "%020llu", static_cast<unsigned long long>(sequence));
  return text;
}

}  // namespace

std::string CommittedEventJson(const audit::Record& record, const engine::Outcome& outcome,
                               const std::vector<engine::Event>& events,
                               const std::string& source) {
  auto command = engine::DecodeCommand(record.payload);
  if (!command.ok()) return CloudEventLine(record, source);  // never applied: nothing to add
  http::JsonWriter w;
  w.BeginObject();
  w.Key("specversion");
  w.String("1.0");
  w.Key("id");
  w.String(audit::EventIdToString(record.event_id));
  w.Key("source");
  w.String(source);
  w.Key("type");
  w.String(std::string("com.dreichor.command.") +
           std::string(engine::CommandTypeName(engine::TypeOf(command.value()))));
  w.Key("time");
  w.String(FormatUtc(record.timestamp_ns, 9));
  w.Key("subject");
  w.String(Subject(command.value()));
  w.Key("datacontenttype");
  w.String("application/json");
  w.Key("sequence");
  w.String(SequenceText(record.sequence));
  w.Key("data");
  w.BeginObject();
  command_json::WriteCommandFields(command.value(), &w);
  w.Key("chain_hash");
  w.String(ToHex(record.chain));
  w.Key("timestamp_ns");
  w.Int(record.timestamp_ns);
  w.Key("payload_base64");
  w.String(Base64Encode(record.payload));
  w.Key("outcome");
  w.BeginObject();
  w.Key("accepted");
  w.Bool(outcome.accepted);
  w.Key("reason");
  if (outcome.accepted) {
    w.Null();
  } else {
    w.BeginObject();
    w.Key("code");
    w.String(engine::ReasonCode(outcome.reason));
    w.Key("message");
    w.String(engine::ReasonMessage(outcome.reason));
    w.EndObject();
  }
  if (outcome.order_id != 0) {
    w.Key("order_id");
    w.Uint(outcome.order_id);
  }
  w.EndObject();
  w.Key("events");
  w.BeginArray();
  for (const engine::Event& ev : events) command_json::WriteEvent(ev, &w);
  w.EndArray();
  w.EndObject();  // data
  w.EndObject();
  return w.Take();
}

std::string CloudEventLine(const audit::Record& record, const std::string& source) {
  nlohmann::ordered_json e;
  e["specversion"] = "1.0";
  e["id"] = audit::EventIdToString(record.event_id);
  e["source"] = source;
  auto command = engine::DecodeCommand(record.payload);
  e["type"] = command.ok() ? std::string("com.dreichor.command.") +
                                 engine::CommandTypeName(engine::TypeOf(command.value()))
                           : std::string("com.dreichor.record.undecodable");
  e["time"] = FormatUtc(record.timestamp_ns, 9);
  if (command.ok()) e["subject"] = Subject(command.value());
  const std::string sequence = SequenceText(record.sequence);
  if (command.ok()) {
    e["datacontenttype"] = "application/json";
    e["sequence"] = sequence;
    nlohmann::ordered_json data = command_json::ToJson(command.value());
    data["chain_hash"] = ToHex(record.chain);
    e["data"] = std::move(data);
  } else {
    e["datacontenttype"] = "application/octet-stream";
    e["sequence"] = sequence;
    e["data_base64"] = Base64Encode(record.payload);
  }
  return JsonText(e);
}

}  // namespace dreichor::stream
