#include "runtime/health.h"

namespace dreichor::runtime {

std::string_view PhaseName(Phase p) {
  switch (p) {
    case Phase::kConfiguration:
      return "configuration";
    case Phase::kPersistence:
      return "persistence";
    case Phase::kSchema:
      return "schema";
    case Phase::kSnapshot:
      return "snapshot";
    case Phase::kReplay:
      return "replay";
    case Phase::kListen:
      return "listen";
    case Phase::kReady:
      return "ready";
    case Phase::kStopping:
      return "stopping";
  }
  return "unknown";
}

}  // namespace dreichor::runtime
