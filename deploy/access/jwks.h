// Signing keys for Cloudflare Access tokens: a JSON Web Key Set (RFC 7517) as served at
// https://<team>.cloudflareaccess.com/cdn-cgi/access/certs, and RS256 signature checks.
//
//   auto keys = ParseJwks(text);                 // kid -> RSA public key
//   bool ok = VerifyRs256(keys.value().at(kid).get(), "header.payload", signature_bytes);
#pragma once

#include <openssl/evp.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace dreichor::deploy {

using PublicKey = std::shared_ptr<EVP_PKEY>;
using KeySet = std::map<std::string, PublicKey>;  // by key id ("kid")

// The RSA keys of a JWKS document ("keys": [{"kty": "RSA", "kid", "n", "e", ...}]). Keys of other
// types, or marked for another algorithm than RS256, are skipped; a malformed document, an RSA
// key with a bad modulus or exponent, or a set without any usable key is an error.
Result<KeySet> ParseJwks(std::string_view json);

// True when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `signed_part`.
bool VerifyRs256(EVP_PKEY* key, std::string_view signed_part, std::string_view signature);

// An RSA public key from its big-endian modulus and exponent.
Result<PublicKey> RsaPublicKey(std::string_view modulus, std::string_view exponent);

}  // namespace dreichor::deploy
