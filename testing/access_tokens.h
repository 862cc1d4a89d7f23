// Test helpers: RSA signing keys, their JWKS document, and Access-shaped tokens signed with
// them (or deliberately not). For tests only.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deploy/access/base64url.h"

namespace dreichor::testing {

using deploy::Base64UrlEncode;

class TestKey {
 public:
  explicit TestKey(std::string kid)
      : kid_(std::move(kid)), key_(EVP_RSA_gen(2048), EVP_PKEY_free) {}

  const std::string& kid() const { return kid_; }

  nlohmann::json Jwk() const {
    return {{"kid", kid_},
            {"kty", "RSA"},
            {"alg", "RS256"},
            {"use", "sig"},
            {"n", Base64UrlEncode(Param(OSSL_PKEY_PARAM_RSA_N))},
            {"e", Base64UrlEncode(Param(OSSL_PKEY_PARAM_RSA_E))}};
  }
  // The public key in PEM, as an attacker would use it for an HS256 "signature".
  std::string PublicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key_.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(n));
    BIO_free(bio);
    return pem;
  }

  std::string SignRs256(std::string_view signing_input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get());
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                   signing_input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(signing_input.data()),
                   signing_input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }

 private:
  std::string Param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), name, &bn);
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }

  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;
};

inline std::string Jwks(const std::vector<const TestKey*>& keys) {
  nlohmann::json doc = {{"keys", nlohmann::json::array()}};
  for (const TestKey* k : keys) doc["keys"].push_back(k->Jwk());
  return doc.dump();
}

inline std::string Encode(const nlohmann::json& j) { return Base64UrlEncode(j.dump()); }

// header.payload.signature with an RS256 signature by `key`.
inline std::string SignedToken(const TestKey& key, const nlohmann::json& payload,
                               nlohmann::json header = nullptr) {
  if (header.is_null()) header = {{"alg", "RS256"}, {"kid", key.kid()}, {"typ", "JWT"}};
  const std::string input = Encode(header) + "." + Encode(payload);
  return input + "." + Base64UrlEncode(key.SignRs256(input));
}

inline std::string Hs256Token(const std::string& secret, const nlohmann::json& header,
                              const nlohmann::json& payload) {
  const std::string input = Encode(header) + "." + Encode(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

// The claims Cloudflare Access puts in an application token for a user.
inline nlohmann::json AccessClaims(const std::string& issuer, const std::string& audience,
                                   const std::string& email, int64_t now) {
  return {{"aud", {audience}}, {"email", email},     {"exp", now + 600},
          {"iat", now},        {"nbf", now},         {"iss", issuer},
          {"type", "app"},     {"sub", "user-id-1"}, {"identity_nonce", "nonce"},
          {"country", "DE"}};
}

// Claims valid from 2020 to 2096, for tokens handed to an agent running as its own process on
// the real clock: the test never has to read the time to make them acceptable.
inline nlohmann::json LongLivedAccessClaims(const std::string& issuer, const std::string& audience,
                                            const std::string& email) {
  nlohmann::json claims = AccessClaims(issuer, audience, email, 1'600'000'000);
  claims["exp"] = 4'000'000'000;
  return claims;
}

}  // namespace dreichor::testing
