// The `healthcheck` subcommand: probes GET /health/ready on the runtime's own listen address, for
// container health checks (HEALTHCHECK in the image). A wildcard listen address (0.0.0.0, ::)
// is probed on loopback.
#pragma once

#include <chrono>
#include <string>

namespace dreichor::service {

struct ProbeResult {
  int http_status = 0;  // 0 when no HTTP answer arrived
  std::string error;    // why, when http_status is 0
};

// One GET `path` to host:port with an overall timeout. Plain HTTP/1.1, Connection: close.
ProbeResult ProbeHttp(const std::string& host, uint16_t port, const std::string& path,
                      std::chrono::milliseconds timeout);

}  // namespace dreichor::service
