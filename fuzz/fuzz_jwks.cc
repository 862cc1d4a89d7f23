// Fuzz target: the team's JWKS document (deploy/access/jwks.h), fetched from the network.
//
// Promises checked: nothing crashes or throws; a refusal says why; every key of an accepted key
// set is an RSA public key that OpenSSL holds.
#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "deploy/access/jwks.h"

using namespace dreichor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto keys = deploy::ParseJwks(json);
  if (!keys.ok()) {
    if (keys.status().message().empty()) std::abort();
    return 0;
  }
  for (const auto& [kid, key] : keys.value()) {
    if (key == nullptr || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) std::abort();
  }
  return 0;
}
