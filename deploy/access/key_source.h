// Where an AccessVerifier gets the team's JWKS document: the team's certs URL in production, a
// local file in tests and offline set-ups.
#pragma once

#include <memory>
#include <string>

#include "util/env.h"
#include "util/status.h"

namespace dreichor::deploy {

class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual Result<std::string> Fetch() = 0;
  virtual std::string Describe() const = 0;
};

// "https://<team>/cdn-cgi/access/certs" fetched over TLS (system CA store, 5 s timeout, 1 MiB at
// most), or "file:/path" read from disk through `env`.
std::unique_ptr<KeySource> MakeKeySource(Env* env, const std::string& location);

}  // namespace dreichor::deploy
