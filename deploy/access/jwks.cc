#include "deploy/access/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "deploy/access/base64url.h"

namespace dreichor::deploy {

namespace {

constexpr size_t kMinModulusBits = 2048;
constexpr size_t kMaxModulusBits = 8192;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn ToBn(std::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

}  // namespace

Result<PublicKey> RsaPublicKey(std::string_view modulus, std::string_view exponent) {
  Bn n = ToBn(modulus), e = ToBn(exponent);
  if (!n || !e) return Status::InvalidArgument("RSA key: cannot read modulus or exponent");
  const int bits = BN_num_bits(n.get());
  if (bits < static_cast<int>(kMinModulusBits) || bits > static_cast<int>(kMaxModulusBits)) {
    return Status::InvalidArgument("RSA key: modulus of " + std::to_string(bits) +
                                   " bits (2048 to 8192 allowed)");
  }
  if (BN_is_zero(e.get()) || !BN_is_odd(e.get())) {
    return Status::InvalidArgument("RSA key: bad exponent");
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  if (!ok) return Status::InvalidArgument("RSA key: OpenSSL refused the modulus and exponent");
  return PublicKey(key, EVP_PKEY_free);
}

Result<KeySet> ParseJwks(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument("JWKS: not JSON");
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return Status::InvalidArgument("JWKS: no \"keys\" array");
  }
  KeySet set;
  for (const nlohmann::json& k : *keys) {
    if (!k.is_object() || !k.contains("kty") || k["kty"] != "RSA") continue;
    if (k.contains("alg") && k["alg"] != "RS256") continue;
    if (k.contains("use") && k["use"] != "sig") continue;
    const auto kid = k.find("kid"), n = k.find("n"), e = k.find("e");
    if (kid == k.end() || n == k.end() || e == k.end() || !kid->is_string() || !n->is_string() ||
        !e->is_string()) {
      return Status::InvalidArgument("JWKS: an RSA key lacks kid, n or e");
    }
    const auto modulus = Base64UrlDecode(n->get<std::string>());
    const auto exponent = Base64UrlDecode(e->get<std::string>());
    if (!modulus || !exponent) {
      return Status::InvalidArgument("JWKS: key " + kid->get<std::string>() +
                                     ": n or e is not base64url");
    }
    auto key = RsaPublicKey(*modulus, *exponent);
    if (!key.ok()) {
      return Status::InvalidArgument("JWKS: key " + kid->get<std::string>() + ": " +
                                     key.status().message());
    }
    set[kid->get<std::string>()] = std::move(key).value();
  }
  if (set.empty()) return Status::InvalidArgument("JWKS: no RS256 signing key");
  return set;
}

bool VerifyRs256(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace dreichor::deploy
