#include "engine/order_book.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace dreichor::engine {
namespace {

uint32_t NewOrder(OrderPool& pool, Side side, Price price, Quantity open) {
  uint32_t s = pool.Allocate();
  pool[s].side = side;
  pool[s].price = price;
  pool[s].open = open;
  return s;
}

std::vector<Price> BestFirst(const BookSide& book) {
  std::vector<Price> out;
  book.ForEachBestFirst([&](const Level& l) {
    out.push_back(l.price);
    return true;
  });
  return out;
}

std::vector<Price> WorstFirst(const BookSide& book) {
  std::vector<Price> out;
  book.ForEachWorstFirst([&](const Level& l) { out.push_back(l.price); });
  return out;
}

TEST(BookSideTest, BestBidIsHighestAndBestAskIsLowest) {
  OrderPool pool;
  BookSide bids(Side::kBuy), asks(Side::kSell);
  for (Price p : {100, 105, 95}) {
    bids.Append(pool, NewOrder(pool, Side::kBuy, p, 1));
    asks.Append(pool, NewOrder(pool, Side::kSell, p + 20, 1));
  }
  EXPECT_EQ(bids.best().price, 105);
  EXPECT_EQ(BestFirst(bids), (std::vector<Price>{105, 100, 95}));
  EXPECT_EQ(WorstFirst(bids), (std::vector<Price>{95, 100, 105}));
  EXPECT_EQ(asks.best().price, 115);
  EXPECT_EQ(BestFirst(asks), (std::vector<Price>{115, 120, 125}));
}

TEST(BookSideTest, LevelKeepsArrivalOrderAndAggregates) {
  OrderPool pool;
  BookSide asks(Side::kSell);
  uint32_t a = NewOrder(pool, Side::kSell, 50, 3);
  uint32_t b = NewOrder(pool, Side::kSell, 50, 4);
  uint32_t c = NewOrder(pool, Side::kSell, 50, 5);
  for (uint32_t s : {a, b, c}) asks.Append(pool, s);
  ASSERT_EQ(asks.level_count(), 1u);
  EXPECT_EQ(asks.best().total, 12);
  EXPECT_EQ(asks.best().count, 3u);
  Quantity total;
  uint32_t count;
  asks.Remove(pool, b, &total, &count);
  EXPECT_EQ(total, 8);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(asks.best().head, a);
  EXPECT_EQ(pool[a].next, c);
  EXPECT_EQ(pool[c].prev, a);
}

TEST(BookSideTest, RemovingTheLastOrderErasesTheLevel) {
  OrderPool pool;
  BookSide bids(Side::kBuy);
  uint32_t a = NewOrder(pool, Side::kBuy, 10, 1);
  bids.Append(pool, a);
  Quantity total;
  uint32_t count;
  bids.Remove(pool, a, &total, &count);
  EXPECT_EQ(count, 0u);
  EXPECT_TRUE(bids.empty());
  EXPECT_EQ(bids.Find(10), nullptr);
}

TEST(BookSideTest, CrossedByComparesAgainstTheBestLevel) {
  OrderPool pool;
  BookSide asks(Side::kSell);
  asks.Append(pool, NewOrder(pool, Side::kSell, 100, 1));
  EXPECT_TRUE(asks.CrossedBy(100));
  EXPECT_TRUE(asks.CrossedBy(101));
  EXPECT_FALSE(asks.CrossedBy(99));
}

// Level lookup, the best level and best-first iteration agree with std::map for random prices
// on both sides.
TEST(BookSideTest, LevelsAgreeWithOrderedMapUnderRandomInsertAndRemove) {
  std::mt19937_64 rng(7);
  for (Side side : {Side::kBuy, Side::kSell}) {
    OrderPool pool;
    BookSide book(side);
    std::map<Price, std::vector<uint32_t>> model;
    for (int step = 0; step < 20000; ++step) {
      Price p = 1000 + static_cast<Price>(rng() % 300);
      if (rng() % 2 == 0 || model.empty()) {
        uint32_t s = NewOrder(pool, side, p, 1 + static_cast<Quantity>(rng() % 9));
        book.Append(pool, s);
        model[p].push_back(s);
      } else {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        uint32_t s = it->second.front();
        it->second.erase(it->second.begin());
        if (it->second.empty()) model.erase(it);
        Quantity total;
        uint32_t count;
        book.Remove(pool, s, &total, &count);
        pool.Release(s);
      }
      ASSERT_EQ(book.level_count(), model.size());
      if (!model.empty()) {
        Price best = side == Side::kBuy ? model.rbegin()->first : model.begin()->first;
        ASSERT_EQ(book.best().price, best);
        ASSERT_EQ(book.Find(p) != nullptr, model.count(p) == 1);
      }
      if (step % 97 == 0) {
        std::vector<Price> want;
        for (const auto& [price, orders] : model) want.push_back(price);
        if (side == Side::kBuy) std::reverse(want.begin(), want.end());
        ASSERT_EQ(BestFirst(book), want);
      }
    }
  }
}

}  // namespace
}  // namespace dreichor::engine
