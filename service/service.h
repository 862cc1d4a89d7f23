// The dreichor-runtime service: startup phases, serving, shutdown.
//
// RunService validates the environment, then runs the startup phases of
// infra/runtime/STARTUP_CONTRACT.md in order, logging one JSON line per phase; serves until
// SIGTERM or SIGINT; then shuts down as infra/runtime/SHUTDOWN_CONTRACT.md says. It returns the
// process exit code (exit_codes.h); some shutdown paths exit the process directly.
//
// Call it from main() before any other thread exists: it blocks SIGTERM and SIGINT for the
// whole process and takes them with a signal thread.
#pragma once

#include "config/env_config.h"

namespace dreichor::service {

int RunService(const config::EnvMap& env);

}  // namespace dreichor::service
