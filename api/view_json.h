// JSON views of the engine's read-only queries and of audit records, for the observer API.
// Field names and shapes are documented in docs/api.md.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "audit/record.h"
#include "engine/engine.h"

namespace dreichor::api {

nlohmann::ordered_json MarketJson(const engine::MarketInfo& m);
nlohmann::ordered_json DepthJson(const engine::Depth& d);
nlohmann::ordered_json TradesJson(engine::MarketId market,
                                  const std::vector<engine::TradeRecord>& trades);
nlohmann::ordered_json BalancesJson(engine::AccountId account,
                                    const std::vector<engine::BalanceInfo>& balances);
nlohmann::ordered_json OrderJson(const engine::OrderInfo& o);
// A record with its command decoded to the same JSON fields the API accepts; a payload that
// does not decode is shown as hex with the decoder's error.
nlohmann::ordered_json RecordJson(const audit::Record& r);

}  // namespace dreichor::api
