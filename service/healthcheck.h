// The `healthcheck` subcommand: probes GET /health/ready on the runtime's own listen address, for
// container health checks (HEALTHCHECK in the image). A wildcard listen address (0.0.0.0, ::)
// is probed on loopback.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace dreichor::service {

struct ProbeResult {
  int http_status = 0;  // 0 when no HTTP answer arrived
  std::string error;    // why, when http_status is 0
};

// One GET `path` to host:port with an overall timeout. Plain HTTP/1.1, Connection: close.
ProbeResult ProbeHttp(const std::string& host, uint16_t port, const std::string& path,
                      std::chrono::milliseconds timeout);

// The whole subcommand: probes /health/ready at `address` (host:port, a wildcard host probed on
// loopback), writes "ready" to `out` or why not to `err`, and returns the exit code: 0 when
// ready, 1 otherwise.
int HealthcheckCommand(const std::string& address, std::chrono::milliseconds timeout,
                       std::ostream& out, std::ostream& err);

}  // namespace dreichor::service
