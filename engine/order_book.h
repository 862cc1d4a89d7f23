// Orders in memory and the price levels of one side of one market's book.
//
// Orders live in an OrderPool: a vector of slots addressed by a 32-bit index, recycled through a
// free list, so the hot path allocates nothing once the pool has grown. Each price level keeps
// its orders in a FIFO as an intrusive doubly linked list through the slots (prev/next), which
// gives O(1) append, unlink and head access. A second intrusive list (account_prev/next) links
// each account's open orders in order-id order.
//
// BookSide keeps its levels in a vector sorted from the worst price to the best, so the best
// level is at the back: matching pops from the back without moving anything, and the levels
// that change most (near the touch) are the cheapest to insert or erase.
//
// Not thread-safe; owned and driven by Engine.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/types.h"

namespace dreichor::engine {

inline constexpr uint32_t kNil = UINT32_MAX;

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

  Side side() const { return side_; }
  bool empty() const { return levels_.empty(); }
  size_t level_count() const { return levels_.size(); }
  // The best level; the side must not be empty.
  Level& best() { return levels_.back(); }
  const Level& best() const { return levels_.back(); }
  // The i-th best level (0 = best); i < level_count().
  const Level& nth_best(size_t i) const { return levels_[levels_.size() - 1 - i]; }

  // Whether price a is strictly better than b on this side (higher for bids, lower for asks).
  bool Better(Price a, Price b) const { return side_ == Side::kBuy ? a > b : a < b; }

  // An incoming order on the opposite side with this limit price would trade with the best level.
  bool CrossedBy(Price limit) const { return !empty() && !Better(limit, best().price); }

  Level* Find(Price price);

  // Appends the order at the tail of its price's level, creating the level when needed.
  // Returns the level (valid until the next insert or erase).
  Level& Append(OrderPool& pool, uint32_t slot);
  // Unlinks the order from its level; erases the level when it becomes empty.
  // Returns the level's remaining total (0 when erased) and count through the out-params.
  void Remove(OrderPool& pool, uint32_t slot, Quantity* level_total, uint32_t* level_count);
  // Unlinks an order from a level the caller already holds, keeping the level (even if empty).
  static void Unlink(OrderPool& pool, Level& level, uint32_t slot);
  // Drops the best level, which must be empty of orders.
  void PopBest() { levels_.pop_back(); }

 private:
  // Index of the first level whose price is not worse than `price`.
  size_t LowerBound(Price price) const;

  Side side_;
  std::vector<Level> levels_;  // worst first, best last
};

}  // namespace dreichor::engine
