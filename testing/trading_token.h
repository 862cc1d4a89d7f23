// The internal credential of runtimes started by tests (DREICHOR_TRADING_TOKEN). A production
// runtime needs one; tests give it to prod runtimes only, so a dev runtime's trading routes stay
// open on loopback as the runtime's own tests expect.
#pragma once

#include <string>

namespace dreichor::testing {

inline constexpr char kTestTradingToken[] = "trading-token-for-tests-0123456789abcdef";

// "DREICHOR_TRADING_TOKEN" when `env` is prod, else "" (for env files: the line or nothing).
inline std::string TradingTokenLine(const std::string& env) {
  return env != "dev" ? std::string("DREICHOR_TRADING_TOKEN=") + kTestTradingToken + "\n" : "";
}

}  // namespace dreichor::testing
