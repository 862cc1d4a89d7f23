// Overflow-checked integer arithmetic for amounts, prices and quantities.
//
// Every product or sum that involves client-supplied numbers goes through these helpers; an
// overflow becomes Reason::kArithmeticOverflow, never undefined behaviour.
#pragma once

#include <cstdint>

#include "engine/types.h"

namespace dreichor::engine {

// Each returns false on overflow and leaves *out unspecified.
[[nodiscard]] inline bool CheckedMul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
[[nodiscard]] inline bool CheckedAdd(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
[[nodiscard]] inline bool CheckedMul3(int64_t a, int64_t b, int64_t c, int64_t* out) {
  int64_t ab;
  return CheckedMul(a, b, &ab) && CheckedMul(ab, c, out);
}

// floor(amount * bps / 10000) for amount >= 0 and bps <= 10000, without overflow.
// Fees round down (in the trader's favour): see docs/engine.md for why this keeps holds exact.
inline Amount FeeFor(Amount amount, uint32_t bps) {
  const int64_t b = bps;
  return (amount / kBasisPointsPerUnit) * b +
         ((amount % kBasisPointsPerUnit) * b) / kBasisPointsPerUnit;
}

}  // namespace dreichor::engine
