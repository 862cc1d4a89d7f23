// Constants of the canonical engine state encoding. The format is specified in
// docs/engine-state-format.md; change both together, and only by adding a new version.
#pragma once

#include <cstdint>

namespace dreichor::engine {

inline constexpr char kStateMagic[4] = {'D', 'R', 'E', 'S'};
inline constexpr uint32_t kStateFormatVersion = 4;
// The oldest version the decoder still reads (a snapshot written before the current version).
inline constexpr uint32_t kOldestStateFormatVersion = 2;
inline constexpr char kStateEndMarker[4] = {'E', 'N', 'D', '.'};

}  // namespace dreichor::engine
