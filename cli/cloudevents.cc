#include "cli/cloudevents.h"

#include <openssl/evp.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "command_json/command_json.h"
#include "engine/command_codec.h"
#include "util/json_log.h"
#include "util/json_text.h"
#include "util/sha256.h"

namespace dreichor::cli {

namespace {

std::string Subject(const engine::Command& command) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, engine::CreateMarket> ||
                      std::is_same_v<T, engine::SetMarketStatus>) {
          return "market/" + std::to_string(c.market);
        } else {
          return "account/" + std::to_string(c.account);
        }
      },
      command);
}

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
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
  char sequence[24];
  snprintf(sequence, sizeof(sequence), "%020llu", static_cast<unsigned long long>(record.sequence));
  if (command.ok()) {
    e["datacontenttype"] = "application/json";
    e["sequence"] = sequence;
    nlohmann::ordered_json data = command_json::ToJson(command.value());
    data["chain_hash"] = ToHex(record.chain);
    e["data"] = std::move(data);
  } else {
    e["datacontenttype"] = "application/octet-stream";
    e["sequence"] = sequence;
    e["data_base64"] = Base64(record.payload);
  }
  return JsonText(e);
}

}  // namespace dreichor::cli
