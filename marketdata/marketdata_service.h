// The dreichor-marketdata service: a follower of the runtime's record stream serving market data.
//
// Validates the environment, loads the newest snapshot of its own that verifies, listens, and
// follows the leader until SIGTERM/SIGINT or until following is impossible (it diverged, or the
// leader is behind it: exit codes in marketdata/exit_codes.h). Logs JSON lines with
// component "marketdata". Call it from main() before any other thread exists (it owns the
// signals).
#pragma once

#include "config/env_config.h"

namespace dreichor::marketdata {

int RunMarketData(const config::EnvMap& env);

}  // namespace dreichor::marketdata
