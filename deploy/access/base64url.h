// Base64url (RFC 4648 §5) without padding, as JSON Web Tokens use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dreichor::deploy {

// nullopt when `in` holds a character outside the alphabet, padding, or an impossible length.
std::optional<std::string> Base64UrlDecode(std::string_view in);
std::string Base64UrlEncode(std::string_view in);

}  // namespace dreichor::deploy
