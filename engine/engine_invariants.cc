// Engine::CheckInvariants: recomputes every structural and accounting invariant from scratch.
#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace dreichor::engine {

Status Engine::Broken(const std::string& what) {
  return Status::FailedPrecondition("invariant: " + what);
}

Status Engine::CheckLevel(const Market& m, const BookSide& side, const Level& level,
                          const Level* better, std::vector<std::vector<Amount>>& held,
                          std::vector<uint32_t>& open_per_account) const {
  // Messages are built only on failure: checking a large book builds no strings.
  auto where = [&] {
    return "market " + std::to_string(m.id) + " level " + std::to_string(level.price);
  };
  if (better != nullptr && !side.Better(better->price, level.price)) {
    return Broken(where() + ": levels not strictly sorted");
  }
  if (side.Find(level.price) != &level) return Broken(where() + ": not indexed by price");
  Quantity total = 0;
  uint32_t count = 0;
  uint64_t last_priority = 0;
  uint32_t prev = kNil;
  for (uint32_t s = level.head; s != kNil; s = pool_[s].next) {
    const Order& o = pool_[s];
    auto order = [&] { return where() + " order " + std::to_string(o.id); };
    if (o.prev != prev) return Broken(order() + ": broken FIFO links");
    if (o.price != level.price || o.side != side.side() || markets_[o.market].id != m.id) {
      return Broken(order() + ": filed under the wrong level");
    }
    if (o.open <= 0) return Broken(order() + ": resting with no open quantity");
    if (o.priority <= last_priority) return Broken(order() + ": FIFO out of time order");
    const uint32_t* indexed = order_index_.Find(o.id);
    if (indexed == nullptr || *indexed != s) return Broken(order() + ": not indexed");
    if (o.client_order_id != 0) {
      const uint32_t* c = client_index_.Find(ClientKey{o.account_id, o.client_order_id});
      if (c == nullptr || *c != s) return Broken(order() + ": client id not indexed");
    }
    Amount hold;
    if (!HoldFor(m, o.side, o.price, o.open, &hold)) return Broken(order() + ": overflow");
    Amount& account_held = held[o.side == Side::kBuy ? m.quote : m.base][o.account];
    if (__builtin_add_overflow(account_held, hold, &account_held)) {
      return Broken(order() + ": the account's holds overflow");
    }
    ++open_per_account[o.account];
    last_priority = o.priority;
    prev = s;
    if (__builtin_add_overflow(total, o.open, &total)) {
      return Broken(order() + ": the level's total overflows");
    }
    ++count;
  }
  if (level.tail != prev) return Broken(where() + ": tail does not end the FIFO");
  if (count == 0 || count != level.count || total != level.total) {
    return Broken(where() + ": cached total or count is wrong");
  }
  return Status::Ok();
}

Status Engine::CheckInvariants() const {
  const size_t assets = ledger_.asset_count();
  const size_t accounts = ledger_.account_count();
  // Expected held per [asset][account slot], recomputed from the open orders.
  std::vector<std::vector<Amount>> held(assets, std::vector<Amount>(accounts, 0));
  std::vector<uint32_t> open_per_account(accounts, 0);
  size_t orders_seen = 0;

  for (const Market& m : markets_) {
    const std::string market = "market " + std::to_string(m.id);
    for (const BookSide* side : {&m.bids, &m.asks}) {
      Status broken = Status::Ok();
      size_t levels = 0;
      const Level* previous = nullptr;
      side->ForEachBestFirst([&](const Level& level) {
        broken = CheckLevel(m, *side, level, previous, held, open_per_account);
        previous = &level;
        ++levels;
        orders_seen += level.count;
        return broken.ok();
      });
      if (!broken.ok()) return broken;
      if (levels != side->level_count()) return Broken(market + ": level index out of step");
      if (!side->empty() && side->Find(side->best().price) != &side->best()) {
        return Broken(market + ": best level is not indexed");
      }
    }
    if (!m.bids.empty() && !m.asks.empty() && m.bids.best().price >= m.asks.best().price) {
      return Broken(market + ": book is crossed");
    }
  }
  if (orders_seen != order_index_.size()) return Broken("order index size differs from the book");

  for (AssetIndex a = 0; a < assets; ++a) {
    const std::string& code = ledger_.asset_code(a);
    Amount sum = 0;
    for (uint32_t s = 0; s < accounts; ++s) {
      const Balance& b = ledger_.balance(a, s);
      const std::string where = "account " + std::to_string(ledger_.account(s).id) + " " + code;
      if (b.available < 0 || b.held < 0) return Broken(where + ": negative balance");
      if (b.held != held[a][s]) return Broken(where + ": held differs from its open orders");
      if (__builtin_add_overflow(sum, b.available, &sum) ||
          __builtin_add_overflow(sum, b.held, &sum)) {
        return Broken(code + ": balances overflow");
      }
    }
    if (sum != ledger_.supply(a)) return Broken(code + ": balances do not add up to the supply");
  }

  for (uint32_t s = 0; s < accounts; ++s) {
    const Account& acct = ledger_.account(s);
    uint32_t listed = 0;
    OrderId last_id = 0;
    for (uint32_t o = acct.first_order; o != kNil; o = pool_[o].account_next) {
      if (pool_[o].account != s || pool_[o].id <= last_id) {
        return Broken("account " + std::to_string(acct.id) + ": order list broken");
      }
      last_id = pool_[o].id;
      ++listed;
    }
    if (listed != acct.open_orders || listed != open_per_account[s]) {
      return Broken("account " + std::to_string(acct.id) + ": open order count is wrong");
    }
  }
  return Status::Ok();
}

}  // namespace dreichor::engine
