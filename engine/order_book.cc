#include "engine/order_book.h"

#include "util/check.h"

namespace dreichor::engine {

Level* BookSide::Find(Price price) {
  const uint32_t s = SlotOf(price);
  return s == kNil ? nullptr : &levels_[s];
}

const Level* BookSide::Find(Price price) const {
  const uint32_t s = SlotOf(price);
  return s == kNil ? nullptr : &levels_[s];
}

Level& BookSide::Append(OrderPool& pool, uint32_t slot) {
  Order& o = pool[slot];
  uint32_t ls = SlotOf(o.price);
  if (ls == kNil) {
    if (!free_levels_.empty()) {
      ls = free_levels_.back();
      free_levels_.pop_back();
      levels_[ls] = Level{o.price};
    } else {
      ls = static_cast<uint32_t>(levels_.size());
      levels_.push_back(Level{o.price});
    }
    index_.Insert(o.price, ls);
    if (best_ == kNil || Better(o.price, levels_[best_].price)) best_ = ls;
  }
  Level& level = levels_[ls];
  o.level = ls;
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
  o.level = kNil;
  level.total -= o.open;
  --level.count;
}

void BookSide::Remove(OrderPool& pool, uint32_t slot, Quantity* level_total,
                      uint32_t* level_count) {
  const uint32_t ls = pool[slot].level;
  DREICHOR_CHECK(ls != kNil);
  Level& level = levels_[ls];
  Unlink(pool, level, slot);
  *level_total = level.total;
  *level_count = level.count;
  if (level.count == 0) EraseLevel(ls);
}

void BookSide::EraseLevel(uint32_t slot) {
  const Price price = levels_[slot].price;
  DREICHOR_CHECK(levels_[slot].count == 0);
  index_.Erase(price);
  free_levels_.push_back(slot);
  if (slot == best_) {
    best_ = index_.empty() ? kNil : SlotOf(side_ == Side::kBuy ? index_.Max() : index_.Min());
  }
}

}  // namespace dreichor::engine
