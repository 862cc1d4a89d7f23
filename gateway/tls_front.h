// TlsFront: TLS termination in the gateway itself, for a deployment without a terminating
// ingress (docs/gateway.md, "TLS"). It listens on the public address, completes each TLS
// handshake (TLS 1.2 or 1.3; certificate chain and key from PEM files), and hands the decrypted
// connection to the HTTP server through a socket pair (http::Server::Adopt) with the client's
// real address, pumping bytes both ways until either side closes. Everything the plain public
// side does (limits, signing, sessions) applies unchanged.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "config/env_config.h"
#include "http/server.h"
#include "util/status.h"

namespace dreichor::gateway {

class TlsFront {
 public:
  // Loads and checks the certificate chain and its key (the key matches the certificate).
  static Result<std::unique_ptr<TlsFront>> Load(const std::string& cert_file,
                                                const std::string& key_file);
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  // Binds `listen` and serves its connections into `server` (which must outlive Stop).
  Status Start(const config::HostPort& listen, http::Server* server);
  std::string address() const;  // "127.0.0.1:8443"
  void Stop();                  // idempotent

  struct Impl;

 private:
  explicit TlsFront(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dreichor::gateway
