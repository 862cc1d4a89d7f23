// The dreichor-gateway service: authenticated trading for clients outside the server.
//
// Validates the environment, follows the runtime's record stream from its start (the gateway is
// stateless: its copy of the state, with the API keys, is rebuilt from the stream at every
// start and verified against the runtime's heartbeats), listens on the public side (optionally
// TLS) and the internal side (health, metrics), and forwards authenticated requests to the
// runtime until SIGTERM/SIGINT. Logs JSON lines with component "gateway", never a secret or a
// signature. Call it from main() before any other thread exists (it owns the signals).
#pragma once

#include "config/env_config.h"

namespace dreichor::gateway {

int RunGateway(const config::EnvMap& env);

}  // namespace dreichor::gateway
