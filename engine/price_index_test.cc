#include "engine/price_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace dreichor::engine {
namespace {

void ExpectSameAs(const PriceIndex& ix, const std::map<Price, uint32_t>& model, Price probe) {
  ASSERT_EQ(ix.size(), model.size());
  auto found = model.find(probe);
  ASSERT_EQ(ix.Find(probe), found == model.end() ? PriceIndex::kAbsent : found->second);
  if (model.empty()) return;
  ASSERT_EQ(ix.Max(), model.rbegin()->first);
  ASSERT_EQ(ix.Min(), model.begin()->first);
  auto below = model.lower_bound(probe);
  std::optional<Price> want_below;
  if (below != model.begin()) want_below = std::prev(below)->first;
  ASSERT_EQ(ix.Below(probe), want_below) << "below " << probe;
  if (want_below) {
    ASSERT_EQ(ix.Find(*want_below), std::prev(below)->second);
  }
  auto above = model.upper_bound(probe);
  std::optional<Price> want_above;
  if (above != model.end()) want_above = above->first;
  ASSERT_EQ(ix.Above(probe), want_above) << "above " << probe;
}

TEST(PriceIndexTest, OrdersPricesAndFindsNeighbours) {
  PriceIndex ix;
  uint32_t v = 0;
  for (Price p : {100, 90, 105, 64, 128}) ix.Insert(p, v++);
  EXPECT_EQ(ix.Find(105), 2u);
  EXPECT_EQ(ix.Find(101), PriceIndex::kAbsent);
  EXPECT_EQ(ix.Max(), 128);
  EXPECT_EQ(ix.Min(), 64);
  EXPECT_EQ(ix.Below(100), 90);
  EXPECT_EQ(ix.Above(100), 105);
  EXPECT_EQ(ix.Below(64), std::nullopt);
  EXPECT_EQ(ix.Above(128), std::nullopt);
  ix.Erase(128);
  EXPECT_EQ(ix.Max(), 105);
}

TEST(PriceIndexTest, PricesFarOutsideTheWindowAreStillOrdered) {
  PriceIndex ix;
  ix.Insert(1'000'000, 0);
  ix.Insert(1, 1);                      // far below the window
  ix.Insert(4'000'000'000'000'000, 2);  // far above
  EXPECT_EQ(ix.Find(1), 1u);
  EXPECT_EQ(ix.Find(4'000'000'000'000'000), 2u);
  EXPECT_EQ(ix.Min(), 1);
  EXPECT_EQ(ix.Max(), 4'000'000'000'000'000);
  EXPECT_EQ(ix.Below(1'000'000), 1);
  EXPECT_EQ(ix.Above(1'000'000), 4'000'000'000'000'000);
  EXPECT_EQ(ix.Above(1), 1'000'000);
}

// Random operations against std::map, over ranges that stay inside the window, straddle its
// edges, and drift far enough to force re-centring.
TEST(PriceIndexTest, AgreesWithStdSetUnderRandomOperations) {
  struct Case {
    Price lo, span;
  };
  for (Case c : {Case{1'000'000, 2'000}, Case{1'000'000, 600'000}, Case{1, 3'000'000},
                 Case{4'000'000'000'000'000, 1'000'000}}) {
    std::mt19937_64 rng(static_cast<uint64_t>(c.span));
    PriceIndex ix;
    std::map<Price, uint32_t> model;
    for (int step = 0; step < 30000; ++step) {
      // Drift: later steps favour higher prices, so the market moves out of the first window.
      Price p = c.lo + static_cast<Price>(rng() % static_cast<uint64_t>(c.span)) + step * 20;
      if (model.count(p) == 0 && rng() % 3 != 0) {
        const uint32_t value = static_cast<uint32_t>(rng() % 1000);
        ix.Insert(p, value);
        model.emplace(p, value);
      } else if (!model.empty()) {
        auto it = model.lower_bound(p);
        if (it == model.end()) it = model.begin();
        ix.Erase(it->first);
        model.erase(it);
      }
      ExpectSameAs(ix, model, p);
      if (HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace dreichor::engine
