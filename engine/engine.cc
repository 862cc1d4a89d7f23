#include "engine/engine.h"

#include <type_traits>

#include "util/check.h"

namespace dreichor::engine {

Engine::Engine() {
  DREICHOR_CHECK(ledger_.GetOrCreateAccount(kFeeAccountId) == kFeeAccountSlot);
  events_.reserve(256);
}

Outcome Engine::Apply(const Command& command, TimestampNs timestamp) {
  events_.clear();
  now_ = timestamp;
  return std::visit(
      [this](const auto& c) -> Outcome {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, PlaceOrder>) return HandlePlaceOrder(c);
        if constexpr (std::is_same_v<T, AmendOrder>) return HandleAmendOrder(c);
        if constexpr (std::is_same_v<T, CancelOrder>) return HandleCancelOrder(c);
        if constexpr (std::is_same_v<T, CancelAll>) return HandleCancelAll(c);
        if constexpr (std::is_same_v<T, CreateMarket>) return HandleCreateMarket(c);
        if constexpr (std::is_same_v<T, SetMarketStatus>) return HandleSetMarketStatus(c);
        if constexpr (std::is_same_v<T, Deposit>) return HandleDeposit(c);
        if constexpr (std::is_same_v<T, Withdraw>) return HandleWithdraw(c);
        if constexpr (std::is_same_v<T, SetRiskLimits>) return HandleSetRiskLimits(c);
        if constexpr (std::is_same_v<T, SetRetention>) return HandleSetRetention(c);
        if constexpr (std::is_same_v<T, LegalHold>) return HandleLegalHold(c);
        if constexpr (std::is_same_v<T, RegisterApiKey>) return HandleRegisterApiKey(c);
        if constexpr (std::is_same_v<T, RevokeApiKey>) return HandleRevokeApiKey(c);
      },
      command);
}

Amount Engine::Supply(std::string_view asset) const {
  uint32_t a = ledger_.FindAsset(asset);
  return a == kNil ? 0 : ledger_.supply(a);
}

}  // namespace dreichor::engine
