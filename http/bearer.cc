#include "http/bearer.h"

#include <openssl/crypto.h>

#include <string_view>

#include "util/sha256.h"

namespace dreichor::http {

bool HasBearerToken(const Request& request, const std::string& token) {
  namespace bhttp = boost::beast::http;
  if (token.empty() || request.count(bhttp::field::authorization) != 1) return false;
  const auto it = request.find(bhttp::field::authorization);
  std::string_view value(it->value().data(), it->value().size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer) return false;
  value.remove_prefix(kBearer.size());
  const Sha256::Digest given = Sha256::Of(value);
  const Sha256::Digest expected = Sha256::Of(token);
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

}  // namespace dreichor::http
