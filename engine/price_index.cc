#include "engine/price_index.h"

#include <algorithm>
#include <vector>

#include "util/check.h"

namespace dreichor::engine {

namespace {
int HighBit(uint64_t x) { return 63 - __builtin_clzll(x); }
int LowBit(uint64_t x) { return __builtin_ctzll(x); }
// Bits 0..b inclusive.
uint64_t MaskUpTo(uint64_t b) { return b == 63 ? ~uint64_t{0} : (uint64_t{1} << (b + 1)) - 1; }
// Bits strictly below k.
uint64_t MaskBelow(uint64_t k) { return (uint64_t{1} << k) - 1; }
// Bits b..63.
uint64_t MaskFrom(uint64_t b) { return ~uint64_t{0} << b; }
// Bits strictly above k.
uint64_t MaskAbove(uint64_t k) { return k == 63 ? 0 : ~uint64_t{0} << (k + 1); }
}  // namespace

void PriceIndex::SetBit(uint64_t off) {
  const uint64_t w = off >> 6;
  leaf_[w] |= uint64_t{1} << (off & 63);
  mid_[w >> 6] |= uint64_t{1} << (w & 63);
  top_ |= uint64_t{1} << (w >> 6);
}

void PriceIndex::ClearBit(uint64_t off) {
  const uint64_t w = off >> 6;
  leaf_[w] &= ~(uint64_t{1} << (off & 63));
  if (leaf_[w] != 0) return;
  mid_[w >> 6] &= ~(uint64_t{1} << (w & 63));
  if (mid_[w >> 6] != 0) return;
  top_ &= ~(uint64_t{1} << (w >> 6));
}

bool PriceIndex::HighestAtOrBelow(uint64_t off, uint64_t* out) const {
  uint64_t w = off >> 6;
  if (uint64_t x = leaf_[w] & MaskUpTo(off & 63)) {
    *out = (w << 6) + HighBit(x);
    return true;
  }
  uint64_t m = w >> 6;
  if (uint64_t y = mid_[m] & MaskBelow(w & 63)) {
    w = (m << 6) + HighBit(y);
  } else if (uint64_t z = top_ & MaskBelow(m)) {
    m = HighBit(z);
    w = (m << 6) + HighBit(mid_[m]);
  } else {
    return false;
  }
  *out = (w << 6) + HighBit(leaf_[w]);
  return true;
}

bool PriceIndex::LowestAtOrAbove(uint64_t off, uint64_t* out) const {
  uint64_t w = off >> 6;
  if (uint64_t x = leaf_[w] & MaskFrom(off & 63)) {
    *out = (w << 6) + LowBit(x);
    return true;
  }
  uint64_t m = w >> 6;
  if (uint64_t y = mid_[m] & MaskAbove(w & 63)) {
    w = (m << 6) + LowBit(y);
  } else if (uint64_t z = top_ & MaskAbove(m)) {
    m = LowBit(z);
    w = (m << 6) + LowBit(mid_[m]);
  } else {
    return false;
  }
  *out = (w << 6) + LowBit(leaf_[w]);
  return true;
}

void PriceIndex::PlaceInWindowOrOverflow(Price p, uint32_t value) {
  if (InWindow(p)) {
    const uint64_t off = Offset(p);
    SetBit(off);
    values_[off] = value + 1;
    ++window_count_;
  } else {
    overflow_.emplace(p, value);
  }
}

void PriceIndex::Insert(Price p, uint32_t value) {
  if (!has_origin_ || (window_count_ == 0 && overflow_.empty())) {
    // Centre the window on the first price (after the map was empty). calloc of this size maps
    // fresh zero pages, so untouched parts of the value array cost no memory.
    if (!values_) {
      values_.reset(static_cast<uint32_t*>(std::calloc(kWindow, sizeof(uint32_t))));
      DREICHOR_CHECK(values_ != nullptr);
    }
    has_origin_ = true;
    origin_ = p - static_cast<Price>(kWindow / 2);
  }
  PlaceInWindowOrOverflow(p, value);
  if (overflow_.size() > recentre_at_ && overflow_.size() > window_count_) Recentre();
}

void PriceIndex::Erase(Price p) {
  if (InWindow(p)) {
    const uint64_t off = Offset(p);
    ClearBit(off);
    values_[off] = 0;
    --window_count_;
  } else {
    DREICHOR_CHECK(overflow_.erase(p) == 1);
  }
}

Price PriceIndex::Max() const {
  std::optional<Price> best;
  uint64_t off;
  if (window_count_ > 0 && HighestAtOrBelow(kWindow - 1, &off)) best = PriceAt(off);
  if (!overflow_.empty() && (!best || overflow_.rbegin()->first > *best)) {
    best = overflow_.rbegin()->first;
  }
  return *best;
}

Price PriceIndex::Min() const {
  std::optional<Price> best;
  uint64_t off;
  if (window_count_ > 0 && LowestAtOrAbove(0, &off)) best = PriceAt(off);
  if (!overflow_.empty() && (!best || overflow_.begin()->first < *best)) {
    best = overflow_.begin()->first;
  }
  return *best;
}

std::optional<Price> PriceIndex::Below(Price p) const {
  std::optional<Price> best;
  if (window_count_ > 0 && p > origin_) {
    // The highest offset strictly below p, clamped to the window.
    const uint64_t limit = InWindow(p) ? Offset(p) - 1 : kWindow - 1;
    uint64_t off;
    if ((InWindow(p) ? Offset(p) > 0 : true) && HighestAtOrBelow(limit, &off)) best = PriceAt(off);
  }
  auto it = overflow_.lower_bound(p);
  if (it != overflow_.begin()) {
    --it;
    if (!best || it->first > *best) best = it->first;
  }
  return best;
}

std::optional<Price> PriceIndex::Above(Price p) const {
  std::optional<Price> best;
  if (window_count_ > 0) {
    uint64_t off;
    if (p < origin_) {
      if (LowestAtOrAbove(0, &off)) best = PriceAt(off);
    } else if (InWindow(p) && Offset(p) + 1 < kWindow) {
      if (LowestAtOrAbove(Offset(p) + 1, &off)) best = PriceAt(off);
    }
  }
  auto it = overflow_.upper_bound(p);
  if (it != overflow_.end() && (!best || it->first < *best)) best = it->first;
  return best;
}

void PriceIndex::Recentre() {
  std::vector<std::pair<Price, uint32_t>> all;
  all.reserve(size());
  for (std::optional<Price> p = Min(); p; p = Above(*p)) all.emplace_back(*p, Find(*p));
  const Price median = all[all.size() / 2].first;
  for (const auto& [price, value] : all) {
    if (InWindow(price)) values_[Offset(price)] = 0;
  }
  top_ = 0;
  mid_.fill(0);
  leaf_.fill(0);
  overflow_.clear();
  window_count_ = 0;
  origin_ = median - static_cast<Price>(kWindow / 2);
  for (const auto& [price, value] : all) PlaceInWindowOrOverflow(price, value);
  // Prices spread wider than the window keep a large overflow whatever the centre; waiting for
  // it to double again keeps the cost of re-centring amortised O(1) per insert.
  recentre_at_ = std::max<size_t>(kMinRecentre, 2 * overflow_.size());
}

}  // namespace dreichor::engine
