// dreichor-marketdata's exit codes (docs/market-data.md); frozen.
#pragma once

namespace dreichor::marketdata {

enum ExitCode : int {
  kExitOk = 0,              // stopped cleanly
  kExitInternal = 1,        // an unexpected internal error
  kExitUsage = 2,           // unknown subcommand or flag
  kExitConfiguration = 10,  // the environment failed validation
  kExitSnapshots = 11,      // the snapshot directory cannot be created, written or listed
  kExitListen = 15,         // the listen address cannot be bound
  kExitDiverged = 30,       // the follower disagreed with the leader (chain, outcome or state hash)
  kExitLeaderBehind = 31,   // the leader's log ends before the follower's state
};

}  // namespace dreichor::marketdata
