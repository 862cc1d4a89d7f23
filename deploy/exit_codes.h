// Exit codes of dreichor-deploy-agent, for systemd and operators (infra/deploy/README.md).
#pragma once

namespace dreichor::deploy {

inline constexpr int kExitConfiguration = 10;  // the environment failed the schema or a rule
inline constexpr int kExitHistory = 11;        // the history log cannot be opened
inline constexpr int kExitEngine = 12;         // no container engine, or one too old
inline constexpr int kExitListen = 15;         // the listen address cannot be bound

}  // namespace dreichor::deploy
