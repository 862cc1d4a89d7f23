#include "api/market_metrics.h"

#include <string>

#include "engine/names.h"

namespace dreichor::api {

namespace {

constexpr size_t kBookLevels = 1000;

template <typename Side>
void Sum(const std::vector<engine::DepthLevel>& levels, Side* side) {
  side->levels = static_cast<double>(levels.size());
  for (const engine::DepthLevel& level : levels) {
    side->orders += level.order_count;
    side->quantity += static_cast<double>(level.quantity);
  }
}

}  // namespace

std::vector<MarketMetrics::MarketBook> MarketMetrics::Books() const {
  const runtime::Sequencer* sequencer = health_->sequencer();
  if (sequencer == nullptr) return {};
  std::lock_guard<std::mutex> lock(books_mu_);
  sequencer->ReadWithPosition([&](const engine::Engine& e, const runtime::Sequencer::Position& at) {
    if (books_at_ == at.sequence) return 0;
    books_.clear();
    for (engine::MarketInfo& info : e.ListMarkets()) {
      MarketBook book;
      if (auto depth = e.GetDepth(info.id, kBookLevels)) {
        Sum(depth->bids, &book.bids);
        Sum(depth->asks, &book.asks);
      }
      book.info = std::move(info);
      books_.push_back(std::move(book));
    }
    books_at_ = at.sequence;
    return 0;
  });
  return books_;
}

http::SamplesFunction MarketMetrics::BookSamples(double SideBook::*field) const {
  return [this, field] {
    std::vector<http::Sample> samples;
    for (const MarketBook& book : Books()) {
      const std::string market = std::to_string(book.info.id);
      samples.push_back({{{"market", market}, {"side", "buy"}}, book.bids.*field});
      samples.push_back({{{"market", market}, {"side", "sell"}}, book.asks.*field});
    }
    return samples;
  };
}

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
                           BookSamples(&SideBook::levels));
  registry->AddGaugeFamily("dreichor_book_orders", "Resting orders on the best 1000 levels.",
                           BookSamples(&SideBook::orders));
  registry->AddGaugeFamily("dreichor_book_quantity",
                           "Resting quantity in lots on the best 1000 levels.",
                           BookSamples(&SideBook::quantity));
  registry->AddGaugeFamily("dreichor_market_info", "1 per market: its symbol and status.", [this] {
    std::vector<http::Sample> samples;
    for (const MarketBook& book : Books()) {
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
