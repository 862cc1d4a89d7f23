// Orders in memory and the price levels of one side of one market's book.
//
// Orders live in an OrderPool: a vector of slots addressed by a 32-bit index, recycled through a
// free list, so the hot path allocates nothing once the pool has grown. Each price level keeps
// its orders in a FIFO as an intrusive doubly linked list through the slots (prev/next), which
// gives O(1) append, unlink and head access. A second intrusive list (account_prev/next) links
// each account's open orders in order-id order.
//
// BookSide keeps its levels in slots that never move, found by price through its PriceIndex;
// each resting order remembers its level's slot. The order of prices is kept by a PriceIndex, so
// adding or removing a level, finding the best level and stepping to the next one are O(1) for
// prices near the market, wherever in the book they are.
//
// Not thread-safe; owned and driven by Engine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/price_index.h"
#include "engine/types.h"

namespace dreichor::engine {

inline constexpr uint32_t kNil = PriceIndex::kAbsent;

struct Order {
  OrderId id = 0;
  ClientOrderId client_order_id = 0;
  AccountId account_id = 0;
  uint32_t account = kNil;  // ledger slot
  uint32_t market = kNil;   // market slot
  Price price = 0;
  Quantity open = 0;      // quantity still resting
  Quantity filled = 0;    // quantity traded so far
  uint64_t priority = 0;  // strictly increasing along a level's FIFO
  uint32_t level = kNil;  // slot of its level in its BookSide while resting
  uint32_t prev = kNil, next = kNil;
  uint32_t account_prev = kNil, account_next = kNil;
  Side side = Side::kBuy;
  OrderKind kind = OrderKind::kLimit;
};

class OrderPool {
 public:
  uint32_t Allocate() {
    if (!free_.empty()) {
      uint32_t slot = free_.back();
      free_.pop_back();
      slots_[slot] = Order{};
      return slot;
    }
    slots_.emplace_back();
    return static_cast<uint32_t>(slots_.size() - 1);
  }
  void Release(uint32_t slot) { free_.push_back(slot); }
  Order& operator[](uint32_t slot) { return slots_[slot]; }
  const Order& operator[](uint32_t slot) const { return slots_[slot]; }
  void Reserve(size_t n) { slots_.reserve(n); }
  size_t live() const { return slots_.size() - free_.size(); }

 private:
  std::vector<Order> slots_;
  std::vector<uint32_t> free_;
};

struct Level {
  Price price = 0;
  Quantity total = 0;  // sum of open quantity
  uint32_t count = 0;  // number of orders
  uint32_t head = kNil;
  uint32_t tail = kNil;
};

class BookSide {
 public:
  explicit BookSide(Side side) : side_(side) {}
  BookSide(BookSide&&) = default;
  BookSide& operator=(BookSide&&) = default;

  Side side() const { return side_; }
  bool empty() const { return best_ == kNil; }
  size_t level_count() const { return index_.size(); }
  // The best level; the side must not be empty.
  Level& best() { return levels_[best_]; }
  const Level& best() const { return levels_[best_]; }

  // Whether price a is strictly better than b on this side (higher for bids, lower for asks).
  bool Better(Price a, Price b) const { return side_ == Side::kBuy ? a > b : a < b; }

  // An incoming order on the opposite side with this limit price would trade with the best level.
  bool CrossedBy(Price limit) const { return !empty() && !Better(limit, best().price); }

  Level* Find(Price price);
  const Level* Find(Price price) const;

  // Appends the order at the tail of its price's level, creating the level when needed, and
  // records the level in the order. Returns the level (valid until the next Append).
  Level& Append(OrderPool& pool, uint32_t slot);
  // Unlinks the order from its level; erases the level when it becomes empty.
  // Reports the level's remaining total (0 when erased) and count through the out-params.
  void Remove(OrderPool& pool, uint32_t slot, Quantity* level_total, uint32_t* level_count);
  // Unlinks an order from a level the caller already holds, keeping the level (even if empty).
  static void Unlink(OrderPool& pool, Level& level, uint32_t slot);
  // Drops the best level, which must be empty of orders.
  void PopBest() { EraseLevel(best_); }

  // Calls f(const Level&) for each level from the best price to the worst while f returns true.
  template <typename F>
  void ForEachBestFirst(F f) const {
    for (uint32_t s = best_; s != kNil;) {
      const Level& level = levels_[s];
      if (!f(level)) return;
      s = Neighbour(level.price, /*worse=*/true);
    }
  }
  // Calls f(const Level&) for each level from the worst price to the best.
  template <typename F>
  void ForEachWorstFirst(F f) const {
    if (empty()) return;
    for (uint32_t s = SlotOf(side_ == Side::kBuy ? index_.Min() : index_.Max()); s != kNil;) {
      const Level& level = levels_[s];
      f(level);
      s = Neighbour(level.price, /*worse=*/false);
    }
  }

 private:
  uint32_t SlotOf(Price price) const { return index_.Find(price); }
  // Slot of the next worse (or better) level than `price`, or kNil.
  uint32_t Neighbour(Price price, bool worse) const {
    const bool lower = worse == (side_ == Side::kBuy);
    std::optional<Price> p = lower ? index_.Below(price) : index_.Above(price);
    return p ? SlotOf(*p) : kNil;
  }
  void EraseLevel(uint32_t slot);

  Side side_;
  std::vector<Level> levels_;  // slots; free ones are listed in free_levels_
  std::vector<uint32_t> free_levels_;
  PriceIndex index_;      // price of each live level -> its slot
  uint32_t best_ = kNil;  // slot of the best level
};

}  // namespace dreichor::engine
