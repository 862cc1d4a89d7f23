#include "api/market_metrics.h"

#include <string>

#include "engine/names.h"

namespace dreichor::api {

namespace {

constexpr size_t kBookLevels = 1000;

struct SideBook {
  double levels = 0;
  double orders = 0;
  double quantity = 0;
};

void Sum(const std::vector<engine::DepthLevel>& levels, SideBook* side) {
  side->levels = static_cast<double>(levels.size());
  for (const engine::DepthLevel& level : levels) {
    side->orders += level.order_count;
    side->quantity += static_cast<double>(level.quantity);
  }
}

// The book of every market, by market id, read in one pass under the engine's read lock.
struct MarketBook {
  engine::MarketInfo info;
  SideBook bids;
  SideBook asks;
};

std::vector<MarketBook> ReadBooks(const runtime::HealthState* health) {
  std::vector<MarketBook> books;
  const runtime::Sequencer* sequencer = health->sequencer();
  if (sequencer == nullptr) return books;
  sequencer->Read([&](const engine::Engine& e) {
    for (engine::MarketInfo& info : e.ListMarkets()) {
      MarketBook book;
      if (auto depth = e.GetDepth(info.id, kBookLevels)) {
        Sum(depth->bids, &book.bids);
        Sum(depth->asks, &book.asks);
      }
      book.info = std::move(info);
      books.push_back(std::move(book));
    }
    return 0;
  });
  return books;
}

// One gauge family of the book: `field` of each side of each market.
http::SamplesFunction BookSamples(const runtime::HealthState* health, double SideBook::*field) {
  return [health, field] {
    std::vector<http::Sample> samples;
    for (const MarketBook& book : ReadBooks(health)) {
      const std::string market = std::to_string(book.info.id);
      samples.push_back({{{"market", market}, {"side", "buy"}}, book.bids.*field});
      samples.push_back({{{"market", market}, {"side", "sell"}}, book.asks.*field});
    }
    return samples;
  };
}

}  // namespace

MarketMetrics::MarketMetrics(http::MetricsRegistry* registry, const runtime::HealthState* health)
    : health_(health) {
  for (uint16_t value = 1; value < kReasonSlots; ++value) {
    if (!engine::IsValidReason(value)) continue;
    const auto reason = static_cast<engine::Reason>(value);
    rejections_[value] = registry->AddCounter(
        "dreichor_command_rejections_total", "Commands the engine rejected, by reason.",
        {{"reason", std::string(engine::ReasonCode(reason))}});
  }
  registry->AddCounterFamily("dreichor_orders_accepted_total", "Orders accepted, by market.",
                             [this] { return CountSamples(&MarketCounts::orders); });
  registry->AddCounterFamily("dreichor_trades_total", "Fills, by market.",
                             [this] { return CountSamples(&MarketCounts::trades); });
  registry->AddCounterFamily("dreichor_traded_quantity_total",
                             "Filled quantity in lots, by market.",
                             [this] { return CountSamples(&MarketCounts::quantity); });
  registry->AddGaugeFamily("dreichor_book_levels", "Price levels on the book (the best 1000).",
                           BookSamples(health, &SideBook::levels));
  registry->AddGaugeFamily("dreichor_book_orders", "Resting orders on the best 1000 levels.",
                           BookSamples(health, &SideBook::orders));
  registry->AddGaugeFamily("dreichor_book_quantity",
                           "Resting quantity in lots on the best 1000 levels.",
                           BookSamples(health, &SideBook::quantity));
  registry->AddGaugeFamily(
      "dreichor_market_info", "1 per market: its symbol and status.", [health] {
        std::vector<http::Sample> samples;
        for (const MarketBook& book : ReadBooks(health)) {
          samples.push_back({{{"market", std::to_string(book.info.id)},
                              {"symbol", book.info.symbol},
                              {"status", std::string(engine::MarketStatusName(book.info.status))}},
                             1});
        }
        return samples;
      });
}

void MarketMetrics::OnResult(const runtime::CommandResult& result) {
  if (!result.outcome.accepted) {
    const auto value = static_cast<size_t>(result.outcome.reason);
    if (value < kReasonSlots && rejections_[value] != nullptr) rejections_[value]->Add();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const engine::Event& event : result.events) {
    if (event.type == engine::EventType::kOrderAccepted) {
      markets_[event.market].orders++;
    } else if (event.type == engine::EventType::kTrade) {
      MarketCounts& counts = markets_[event.market];
      counts.trades++;
      counts.quantity += static_cast<uint64_t>(event.quantity);
    }
  }
}

std::vector<http::Sample> MarketMetrics::CountSamples(uint64_t MarketCounts::*field) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<http::Sample> samples;
  for (const auto& [market, counts] : markets_) {
    samples.push_back({{{"market", std::to_string(market)}}, static_cast<double>(counts.*field)});
  }
  return samples;
}

}  // namespace dreichor::api
