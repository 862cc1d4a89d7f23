// PriceIndex: an ordered map from price to a 32-bit value (a book side's live levels and their
// slots) with O(1) insert, erase, lookup, min, max and neighbour queries for prices near the
// market.
//
// Prices within a window of 2^18 ticks are kept in a three-level 64-ary bitmap (leaf bits are
// prices, each upper bit says "some bit below is set"), so every ordering query is a few word
// operations with count-leading/trailing-zeros, and their values in a dense array indexed by
// offset (allocated zeroed by the operating system, so only pages near the market are ever
// touched). Prices outside the window (far from the market, or after the market drifted) live in
// an ordered std::map, and every query merges the two. When the overflow outgrows the window's
// contents, the window is re-centred on the median price and rebuilt. Results depend only on the
// map's contents, never on its history.
//
//   PriceIndex ix;
//   ix.Insert(100, 7); ix.Insert(90, 8);
//   ix.Max();                    // 100
//   ix.Below(100);               // 90
//   ix.Find(90);                 // 8
//
// Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "engine/types.h"

namespace dreichor::engine {

class PriceIndex {
 public:
  static constexpr int kWindowBits = 18;
  static constexpr uint64_t kWindow = uint64_t{1} << kWindowBits;
  static constexpr uint32_t kAbsent = UINT32_MAX;

  bool empty() const { return size() == 0; }
  size_t size() const { return window_count_ + overflow_.size(); }

  // The price must not be present; value must not be kAbsent.
  void Insert(Price p, uint32_t value);
  // The price must be present.
  void Erase(Price p);
  // The price's value, or kAbsent.
  uint32_t Find(Price p) const {
    if (InWindow(p)) return values_[Offset(p)] - 1;  // stored +1 so that zero means absent
    auto it = overflow_.find(p);
    return it == overflow_.end() ? kAbsent : it->second;
  }
  bool Contains(Price p) const { return Find(p) != kAbsent; }

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
  struct FreeDeleter {
    void operator()(uint32_t* p) const { std::free(p); }
  };

  void SetBit(uint64_t off);
  void ClearBit(uint64_t off);
  // Bitmap queries on offsets; return false when there is no such bit.
  bool HighestAtOrBelow(uint64_t off, uint64_t* out) const;
  bool LowestAtOrAbove(uint64_t off, uint64_t* out) const;
  void Recentre();
  void PlaceInWindowOrOverflow(Price p, uint32_t value);

  static constexpr size_t kMinRecentre = 64;

  bool has_origin_ = false;
  size_t recentre_at_ = kMinRecentre;  // overflow size that triggers the next re-centring
  Price origin_ = 0;
  size_t window_count_ = 0;
  uint64_t top_ = 0;
  std::array<uint64_t, kMidWords> mid_{};
  std::array<uint64_t, kLeafWords> leaf_{};
  std::unique_ptr<uint32_t[], FreeDeleter> values_;  // [offset] = value + 1; 0 = absent
  std::map<Price, uint32_t> overflow_;
};

}  // namespace dreichor::engine
