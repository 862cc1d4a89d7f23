// Base64 (RFC 4648 §4, with padding), through OpenSSL.
//
//   std::string text = Base64Encode(bytes);
//   std::optional<std::string> back = Base64Decode(text);   // nullopt: not canonical base64
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dreichor {

std::string Base64Encode(std::string_view bytes);
// The bytes `text` encodes; nullopt when it is not padded base64 of the standard alphabet (no
// whitespace, length a multiple of 4).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace dreichor
