#include "audit/event_id.h"

namespace dreichor::audit {

EventId EventIdGenerator::Next(int64_t timestamp_ns) {
  int64_t ms = timestamp_ns / 1'000'000;
  if (ms < 0) ms = 0;
  if (ms <= last_ms_) {
    // Same (or an earlier) millisecond: count up; on overflow borrow the next millisecond.
    ms = last_ms_;
    if (++counter_ > 0xfff) {
      ++ms;
      counter_ = 0;
    }
  } else {
    counter_ = 0;
  }
  last_ms_ = ms;
  EventId id{};
  random_->Fill(id.data(), id.size());
  const auto ums = static_cast<uint64_t>(ms) & 0xffffffffffffULL;
  for (int i = 0; i < 6; ++i) id[i] = static_cast<uint8_t>(ums >> (8 * (5 - i)));
  id[6] = static_cast<uint8_t>(0x70 | ((counter_ >> 8) & 0x0f));  // version 7, counter high bits
  id[7] = static_cast<uint8_t>(counter_ & 0xff);
  id[8] = static_cast<uint8_t>(0x80 | (id[8] & 0x3f));  // variant 10
  return id;
}

}  // namespace dreichor::audit
