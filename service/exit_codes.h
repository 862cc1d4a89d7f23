// dreichor-runtime's exit codes: one per startup phase that can fail, and the shutdown cases.
// Documented in infra/runtime/STARTUP_CONTRACT.md and SHUTDOWN_CONTRACT.md; frozen.
#pragma once

namespace dreichor::service {

enum ExitCode : int {
  kExitOk = 0,              // stopped cleanly (or asked to stop before it was ready)
  kExitInternal = 1,        // an unexpected internal error
  kExitUsage = 2,           // unknown subcommand or flag
  kExitConfiguration = 10,  // the environment failed validation
  kExitPersistence = 11,    // the audit log or snapshot directory cannot be opened, locked, written
  kExitSchema = 12,         // the database schema is not the one this build needs
  kExitSnapshot = 13,       // a verified snapshot proves the audit log lost acknowledged records
  kExitReplay = 14,         // the audit log is corrupt before its tail, or cannot be read
  kExitListen = 15,         // the listen address cannot be bound
  kExitShutdownDeadline = 20,  // graceful shutdown did not finish within the deadline
  kExitSecondSignal = 21,      // a second SIGTERM/SIGINT arrived during shutdown
};

}  // namespace dreichor::service
