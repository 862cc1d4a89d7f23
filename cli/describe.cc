#include "cli/describe.h"

#include <type_traits>

#include "engine/api_keys.h"
#include "engine/names.h"

namespace dreichor::cli {

namespace {

using namespace engine;

std::string Ref(const OrderRef& r) {
  return r.order_id != 0 ? "order=" + std::to_string(r.order_id)
                         : "client_order_id=" + std::to_string(r.client_order_id);
}

std::string Fields(const CreateMarket& c) {
  return "market=" + std::to_string(c.market) + " symbol=" + c.symbol + " " + c.base_asset + "/" +
         c.quote_asset + " tick=" + std::to_string(c.tick_size) +
         " lot=" + std::to_string(c.lot_size);
}
std::string Fields(const SetMarketStatus& c) {
  return "market=" + std::to_string(c.market) +
         (c.status == MarketStatus::kHalted ? " halted" : " open");
}
std::string Fields(const Deposit& c) {
  return "account=" + std::to_string(c.account) + " " + std::to_string(c.amount) + " " + c.asset;
}
std::string Fields(const Withdraw& c) {
  return "account=" + std::to_string(c.account) + " " + std::to_string(c.amount) + " " + c.asset;
}
std::string Fields(const SetRiskLimits& c) { return "account=" + std::to_string(c.account); }
std::string Fields(const SetRetention& c) {
  return "sequences=" + std::to_string(c.from_sequence) + ".." +
         std::to_string(c.through_sequence) + " until_ns=" + std::to_string(c.until_ns);
}
std::string Fields(const LegalHold& c) {
  return "hold_id=" + std::to_string(c.hold_id) + (c.placed ? " place" : " release");
}
std::string Fields(const RegisterApiKey& c) {
  return "key_id=" + std::to_string(c.key_id) + " account=" + std::to_string(c.account) +
         " permissions=" + PermissionsName(c.permissions);
}
std::string Fields(const RevokeApiKey& c) { return "key_id=" + std::to_string(c.key_id); }
std::string Fields(const PlaceOrder& c) {
  std::string s = "account=" + std::to_string(c.account) + " market=" + std::to_string(c.market) +
                  " " + std::string(SideName(c.side)) + " " + std::string(OrderKindName(c.kind)) +
                  " " + std::to_string(c.quantity) + "@" + std::to_string(c.price);
  if (c.client_order_id != 0) s += " client_order_id=" + std::to_string(c.client_order_id);
  if (c.quote_budget != 0) s += " budget=" + std::to_string(c.quote_budget);
  return s;
}
std::string Fields(const CancelOrder& c) {
  return "account=" + std::to_string(c.account) + " " + Ref(c.order);
}
std::string Fields(const CancelAll& c) {
  return "account=" + std::to_string(c.account) +
         (c.market != 0 ? " market=" + std::to_string(c.market) : std::string(" all markets"));
}
std::string Fields(const AmendOrder& c) {
  return "account=" + std::to_string(c.account) + " " + Ref(c.order) + " to " +
         std::to_string(c.new_quantity) + "@" + std::to_string(c.new_price);
}

}  // namespace

std::string DescribeCommand(const Command& command) {
  std::string out = CommandTypeName(TypeOf(command));
  out += ' ';
  out += std::visit([](const auto& c) { return Fields(c); }, command);
  return out;
}

}  // namespace dreichor::cli
