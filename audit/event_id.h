// Event ids: UUIDv7 (RFC 9562). 48 bits of Unix milliseconds, version 7, 12 bits used as a
// counter within one millisecond, the RFC variant, and 62 random bits. Ids from one generator
// are strictly increasing (the counter carries into the millisecond when it overflows), and ids
// from different generators collide only if 62 random bits do.
//
//   EventIdGenerator ids(RandomSource::System());
//   EventId id = ids.Next(timestamp_ns);
//
// Not thread-safe: the sequencer owns one.
#pragma once

#include <cstdint>

#include "audit/record.h"
#include "util/random.h"

namespace dreichor::audit {

class EventIdGenerator {
 public:
  explicit EventIdGenerator(RandomSource* random) : random_(random) {}
  EventId Next(int64_t timestamp_ns);

 private:
  RandomSource* random_;
  int64_t last_ms_ = -1;
  uint32_t counter_ = 0;
};

}  // namespace dreichor::audit
