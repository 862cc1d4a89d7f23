#include "engine/command.h"

namespace dreichor::engine {

CommandType TypeOf(const Command& c) {
  static constexpr CommandType kByIndex[] = {
      CommandType::kCreateMarket, CommandType::kSetMarketStatus, CommandType::kDeposit,
      CommandType::kWithdraw,     CommandType::kSetRiskLimits,   CommandType::kPlaceOrder,
      CommandType::kCancelOrder,  CommandType::kCancelAll,       CommandType::kAmendOrder,
      CommandType::kSetRetention, CommandType::kLegalHold,       CommandType::kRegisterApiKey,
      CommandType::kRevokeApiKey,
  };
  static_assert(sizeof(kByIndex) / sizeof(kByIndex[0]) == std::variant_size_v<Command>);
  return kByIndex[c.index()];
}

const char* CommandTypeName(CommandType t) {
  switch (t) {
    case CommandType::kCreateMarket:
      return "create_market";
    case CommandType::kSetMarketStatus:
      return "set_market_status";
    case CommandType::kDeposit:
      return "deposit";
    case CommandType::kWithdraw:
      return "withdraw";
    case CommandType::kSetRiskLimits:
      return "set_risk_limits";
    case CommandType::kPlaceOrder:
      return "place_order";
    case CommandType::kCancelOrder:
      return "cancel_order";
    case CommandType::kCancelAll:
      return "cancel_all";
    case CommandType::kAmendOrder:
      return "amend_order";
    case CommandType::kSetRetention:
      return "set_retention";
    case CommandType::kLegalHold:
      return "legal_hold";
    case CommandType::kRegisterApiKey:
      return "register_api_key";
    case CommandType::kRevokeApiKey:
      return "revoke_api_key";
  }
  return "unknown";
}

}  // namespace dreichor::engine
