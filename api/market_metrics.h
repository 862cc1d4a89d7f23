// MarketMetrics: the matching engine as the dashboards see it (infra/runtime/HEALTH_MODEL.md,
// Metrics). Counted from durable commands' outcomes and events, and read from the engine's book
// when scraped:
//
//   dreichor_command_rejections_total{reason}        business rejections by engine reason code
//   dreichor_orders_accepted_total{market}           orders the engine accepted
//   dreichor_trades_total{market}                    fills
//   dreichor_traded_quantity_total{market}           filled quantity, in lots
//   dreichor_book_levels{market,side}                price levels on the book (the best 1000)
//   dreichor_book_orders{market,side}                resting orders on those levels
//   dreichor_book_quantity{market,side}              resting quantity on those levels, in lots
//   dreichor_market_info{market,symbol,status}       1 per market, to name markets in queries
//
// `market` is the market's id. Counters start at zero when the process starts (Prometheus'
// rate() handles the reset); the book is the engine's, so it is right after a restart too.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/engine.h"
#include "engine/reason.h"
#include "engine/types.h"
#include "http/metrics.h"
#include "runtime/health.h"

namespace dreichor::api {

class MarketMetrics {
 public:
  // The book is read through `health`'s sequencer, when there is one.
  MarketMetrics(http::MetricsRegistry* registry, const runtime::HealthState* health);

  // One durable command's outcome and events; called on the sequencer's thread.
  void OnResult(const runtime::CommandResult& result);

 private:
  struct MarketCounts {
    uint64_t orders = 0;
    uint64_t trades = 0;
    uint64_t quantity = 0;
  };
  struct SideBook {
    double levels = 0;
    double orders = 0;
    double quantity = 0;
  };
  struct MarketBook {
    engine::MarketInfo info;
    SideBook bids;
    SideBook asks;
  };
  // The samples of one per-market counter.
  std::vector<http::Sample> CountSamples(uint64_t MarketCounts::*field) const;
  // Every market's book. A scrape renders four families from it: it is read from the engine once
  // per applied sequence, and kept for the next family while the engine has not moved.
  std::vector<MarketBook> Books() const;
  // One family of the book: `field` of each side of each market.
  http::SamplesFunction BookSamples(double SideBook::*field) const;

  const runtime::HealthState* health_;
  static constexpr size_t kReasonSlots = 64;
  std::array<http::Counter*, kReasonSlots> rejections_{};  // by reason value
  mutable std::mutex mu_;
  std::map<engine::MarketId, MarketCounts> markets_;  // GUARDED_BY(mu_)
  mutable std::mutex books_mu_;
  mutable std::optional<uint64_t> books_at_;  // GUARDED_BY(books_mu_): the applied sequence
  mutable std::vector<MarketBook> books_;     // GUARDED_BY(books_mu_)
};

}  // namespace dreichor::api
