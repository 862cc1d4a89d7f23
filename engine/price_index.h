// PriceIndex: an ordered set of prices (the live levels of one book side) with O(1) insert,
// erase, min, max and neighbour queries for prices near the market.
//
// Prices within a window of 2^18 ticks are kept in a three-level 64-ary bitmap (leaf bits are
// prices, each upper bit says "some bit below is set"), so every query is a few word operations
// with count-leading/trailing-zeros. Prices outside the window (far from the market, or after the
// market drifted) live in an ordered std::set, and every query merges the two. When the overflow
// outgrows the window's contents, the window is re-centred on the median price and rebuilt.
// Iteration order depends only on the set's contents, never on its history.
//
//   PriceIndex ix;
//   ix.Insert(100); ix.Insert(90);
//   ix.Max();                    // 100
//   ix.Below(100);               // 90
//
// Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>

#include "engine/types.h"

namespace dreichor::engine {

class PriceIndex {
 public:
  static constexpr int kWindowBits = 18;
  static constexpr uint64_t kWindow = uint64_t{1} << kWindowBits;

  bool empty() const { return size() == 0; }
  size_t size() const { return window_count_ + overflow_.size(); }

  // The price must not be present.
  void Insert(Price p);
  // The price must be present.
  void Erase(Price p);
  bool Contains(Price p) const;

  // The set must not be empty.
  Price Max() const;
  Price Min() const;
  // The largest price strictly below p / the smallest strictly above p.
  std::optional<Price> Below(Price p) const;
  std::optional<Price> Above(Price p) const;

 private:
  static constexpr size_t kLeafWords = kWindow / 64;    // 4096
  static constexpr size_t kMidWords = kLeafWords / 64;  // 64

  bool InWindow(Price p) const {
    return has_origin_ && p >= origin_ &&
           static_cast<uint64_t>(p) - static_cast<uint64_t>(origin_) < kWindow;
  }
  uint64_t Offset(Price p) const {
    return static_cast<uint64_t>(p) - static_cast<uint64_t>(origin_);
  }
  Price PriceAt(uint64_t offset) const {
    return static_cast<Price>(static_cast<uint64_t>(origin_) + offset);
  }
  void SetBit(uint64_t off);
  void ClearBit(uint64_t off);
  // Bitmap queries on offsets; return false when there is no such bit.
  bool HighestAtOrBelow(uint64_t off, uint64_t* out) const;
  bool LowestAtOrAbove(uint64_t off, uint64_t* out) const;
  void Recentre();

  static constexpr size_t kMinRecentre = 64;

  bool has_origin_ = false;
  size_t recentre_at_ = kMinRecentre;  // overflow size that triggers the next re-centring
  Price origin_ = 0;
  size_t window_count_ = 0;
  uint64_t top_ = 0;
  std::array<uint64_t, kMidWords> mid_{};
  std::array<uint64_t, kLeafWords> leaf_{};
  std::set<Price> overflow_;
};

}  // namespace dreichor::engine
