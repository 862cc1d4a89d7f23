// dreichor-gateway's exit codes (docs/gateway.md); frozen.
#pragma once

namespace dreichor::gateway {

enum ExitCode : int {
  kExitOk = 0,              // stopped cleanly
  kExitInternal = 1,        // an unexpected internal error
  kExitUsage = 2,           // unknown subcommand or flag
  kExitConfiguration = 10,  // the environment failed validation
  kExitTls = 12,            // the TLS certificate or key cannot be loaded
  kExitListen = 15,         // a listen address cannot be bound
  kExitDiverged = 30,       // its copy of the state disagreed with the runtime's record stream
  kExitLeaderBehind = 31,   // the runtime's log ends before the gateway's state
};

}  // namespace dreichor::gateway
