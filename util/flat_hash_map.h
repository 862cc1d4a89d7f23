// FlatHashMap: an open-addressing hash map from a trivially copyable key to a trivially copyable
// value, with linear probing and backward-shift deletion (no tombstones).
//
// Built for the engine's indexes (order id -> slot, account id -> slot): no allocation per
// entry, no iterator invalidation rules to remember, and a fixed, seedless hash so that two
// processes build identical tables. Callers must never let iteration order affect results; the
// map offers no iteration at all for that reason.
//
//   FlatHashMap<uint64_t, uint32_t> m;
//   m.Insert(42, 7);
//   if (const uint32_t* v = m.Find(42)) ...
//   m.Erase(42);
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace dreichor {

// A strong 64-bit mixer (the finaliser of SplitMix64).
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

struct Mix64Hash {
  uint64_t operator()(uint64_t k) const { return Mix64(k); }
};

template <typename K, typename V, typename Hash = Mix64Hash>
class FlatHashMap {
 public:
  FlatHashMap() { Rehash(16); }

  size_t size() const { return size_; }

  V* Find(const K& key) {
    size_t i = Home(key);
    while (slots_[i].used) {
      if (slots_[i].key == key) return &slots_[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }
  const V* Find(const K& key) const { return const_cast<FlatHashMap*>(this)->Find(key); }

  // Inserts or overwrites.
  void Insert(const K& key, const V& value) {
    if ((size_ + 1) * 8 > slots_.size() * 7) Rehash(slots_.size() * 2);
    size_t i = Home(key);
    while (slots_[i].used) {
      if (slots_[i].key == key) {
        slots_[i].value = value;
        return;
      }
      i = (i + 1) & mask_;
    }
    slots_[i] = Slot{key, value, true};
    ++size_;
  }

  // Returns whether the key was present.
  bool Erase(const K& key) {
    size_t i = Home(key);
    while (slots_[i].used && !(slots_[i].key == key)) i = (i + 1) & mask_;
    if (!slots_[i].used) return false;
    // Backward-shift: pull later members of the probe run into the hole.
    size_t hole = i;
    size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (!slots_[j].used) break;
      size_t home = Home(slots_[j].key);
      bool movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }

  void Clear() {
    size_ = 0;
    Rehash(16);
  }

  void Reserve(size_t n) {
    size_t want = 16;
    while (want * 7 < n * 8) want *= 2;
    if (want > slots_.size()) Rehash(want);
  }

 private:
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };

  size_t Home(const K& key) const { return static_cast<size_t>(Hash()(key)) & mask_; }

  void Rehash(size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = 0;
    for (const Slot& s : old) {
      if (s.used) Insert(s.key, s.value);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace dreichor
