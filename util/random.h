// Random bytes from the operating system (getrandom), behind an interface so tests and
// deterministic drivers can supply their own. Never used by the engine.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dreichor {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(void* out, size_t n) = 0;
  // The process-wide source backed by getrandom(2); thread-safe.
  static RandomSource* System();
};

// A deterministic source (SplitMix64) for tests and reproducible drivers.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  void Fill(void* out, size_t n) override;
  uint64_t Next();

 private:
  uint64_t state_;
};

}  // namespace dreichor
