#include "util/flat_hash_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace dreichor {
namespace {

TEST(FlatHashMapTest, InsertFindErase) {
  FlatHashMap<uint64_t, uint32_t> m;
  EXPECT_EQ(m.Find(1), nullptr);
  m.Insert(1, 10);
  m.Insert(2, 20);
  ASSERT_NE(m.Find(1), nullptr);
  EXPECT_EQ(*m.Find(1), 10u);
  m.Insert(1, 11);
  EXPECT_EQ(*m.Find(1), 11u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.Erase(1));
  EXPECT_FALSE(m.Erase(1));
  EXPECT_EQ(m.Find(1), nullptr);
  EXPECT_EQ(*m.Find(2), 20u);
}

// Random operations against std::map as the model, with a key range small enough that probe
// runs collide, wrap and are shifted back on erase.
TEST(FlatHashMapTest, AgreesWithStdMapUnderRandomOperations) {
  std::mt19937_64 rng(12345);
  FlatHashMap<uint64_t, uint32_t> m;
  std::map<uint64_t, uint32_t> model;
  for (int step = 0; step < 200000; ++step) {
    uint64_t key = rng() % 5000;
    switch (rng() % 3) {
      case 0: {
        uint32_t v = static_cast<uint32_t>(rng());
        m.Insert(key, v);
        model[key] = v;
        break;
      }
      case 1:
        ASSERT_EQ(m.Erase(key), model.erase(key) == 1);
        break;
      default: {
        const uint32_t* found = m.Find(key);
        auto it = model.find(key);
        ASSERT_EQ(found != nullptr, it != model.end());
        if (found != nullptr) {
          ASSERT_EQ(*found, it->second);
        }
      }
    }
    ASSERT_EQ(m.size(), model.size());
  }
  for (const auto& [k, v] : model) ASSERT_EQ(*m.Find(k), v);
}

}  // namespace
}  // namespace dreichor
