#include "engine/order_book.h"

namespace dreichor::engine {

size_t BookSide::LowerBound(Price price) const {
  // Levels are sorted worst to best, so "worse than price" holds for a prefix; the answer is the
  // length of that prefix. Most activity is near the touch, at the back: walk a few levels from
  // the back before falling back to binary search over what is left.
  constexpr size_t kLinearProbe = 8;
  size_t i = levels_.size();
  for (size_t step = 0; step < kLinearProbe; ++step) {
    if (i == 0 || Better(price, levels_[i - 1].price)) return i;
    --i;
  }
  size_t lo = 0, hi = i;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (Better(price, levels_[mid].price)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Level* BookSide::Find(Price price) {
  size_t i = LowerBound(price);
  if (i < levels_.size() && levels_[i].price == price) return &levels_[i];
  return nullptr;
}

Level& BookSide::Append(OrderPool& pool, uint32_t slot) {
  Order& o = pool[slot];
  size_t i = LowerBound(o.price);
  if (i == levels_.size() || levels_[i].price != o.price) {
    levels_.insert(levels_.begin() + static_cast<std::ptrdiff_t>(i), Level{o.price});
  }
  Level& level = levels_[i];
  o.prev = level.tail;
  o.next = kNil;
  if (level.tail != kNil) {
    pool[level.tail].next = slot;
  } else {
    level.head = slot;
  }
  level.tail = slot;
  level.total += o.open;
  ++level.count;
  return level;
}

void BookSide::Unlink(OrderPool& pool, Level& level, uint32_t slot) {
  Order& o = pool[slot];
  if (o.prev != kNil) {
    pool[o.prev].next = o.next;
  } else {
    level.head = o.next;
  }
  if (o.next != kNil) {
    pool[o.next].prev = o.prev;
  } else {
    level.tail = o.prev;
  }
  o.prev = o.next = kNil;
  level.total -= o.open;
  --level.count;
}

void BookSide::Remove(OrderPool& pool, uint32_t slot, Quantity* level_total,
                      uint32_t* level_count) {
  size_t i = LowerBound(pool[slot].price);
  Level& level = levels_[i];
  Unlink(pool, level, slot);
  *level_total = level.total;
  *level_count = level.count;
  if (level.count == 0) levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(i));
}

}  // namespace dreichor::engine
