#include "util/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/flat_hash_map.h"

namespace dreichor {

namespace {
class SystemRandom final : public RandomSource {
 public:
  void Fill(void* out, size_t n) override {
    auto* p = static_cast<uint8_t*>(out);
    while (n > 0) {
      ssize_t got = ::getrandom(p, n, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        std::abort();  // the kernel's entropy source is unavailable: nothing sensible to do
      }
      p += got;
      n -= static_cast<size_t>(got);
    }
  }
};
}  // namespace

RandomSource* RandomSource::System() {
  static SystemRandom r;
  return &r;
}

uint64_t SeededRandom::Next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return Mix64(state_);
}

void SeededRandom::Fill(void* out, size_t n) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    uint64_t v = Next();
    size_t k = n < 8 ? n : 8;
    std::memcpy(p, &v, k);
    p += k;
    n -= k;
  }
}

}  // namespace dreichor
