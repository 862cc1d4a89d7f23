#include "engine/command_codec.h"

#include <algorithm>
#include <type_traits>

#include "util/byte_io.h"

namespace dreichor::engine {

namespace {

void EncodeBody(ByteWriter& w, const CreateMarket& c) {
  w.U32(c.market);
  w.String(c.symbol);
  w.String(c.base_asset);
  w.String(c.quote_asset);
  w.I64(c.tick_size);
  w.I64(c.lot_size);
  w.I64(c.min_quantity);
  w.I64(c.max_quantity);
  w.U32(c.maker_fee_bps);
  w.U32(c.taker_fee_bps);
}
void EncodeBody(ByteWriter& w, const SetMarketStatus& c) {
  w.U32(c.market);
  w.U8(static_cast<uint8_t>(c.status));
}
void EncodeBody(ByteWriter& w, const Deposit& c) {
  w.U64(c.account);
  w.String(c.asset);
  w.I64(c.amount);
}
void EncodeBody(ByteWriter& w, const Withdraw& c) {
  w.U64(c.account);
  w.String(c.asset);
  w.I64(c.amount);
}
void EncodeBody(ByteWriter& w, const SetRiskLimits& c) {
  w.U64(c.account);
  w.I64(c.max_order_quantity);
  w.I64(c.max_order_notional);
  w.U32(c.max_open_orders);
  w.U32(c.price_band_bps);
  w.U32(c.rate_capacity);
  w.U32(c.rate_per_second);
  w.U8(static_cast<uint8_t>(c.stp_mode));
}
void EncodeBody(ByteWriter& w, const SetRetention& c) {
  w.U64(c.from_sequence);
  w.U64(c.through_sequence);
  w.I64(c.until_ns);
}
void EncodeBody(ByteWriter& w, const LegalHold& c) {
  w.U64(c.hold_id);
  w.U8(c.placed ? 1 : 0);
}
void EncodeBody(ByteWriter& w, const RegisterApiKey& c) {
  w.U64(c.key_id);
  w.U64(c.account);
  w.Bytes(
      std::string_view(reinterpret_cast<const char*>(c.public_key.data()), c.public_key.size()));
  w.U8(c.permissions);
}
void EncodeBody(ByteWriter& w, const RevokeApiKey& c) { w.U64(c.key_id); }
void EncodeBody(ByteWriter& w, const PlaceOrder& c) {
  w.U64(c.account);
  w.U32(c.market);
  w.U64(c.client_order_id);
  w.U8(static_cast<uint8_t>(c.side));
  w.U8(static_cast<uint8_t>(c.kind));
  w.I64(c.price);
  w.I64(c.quantity);
  w.I64(c.quote_budget);
}
void EncodeRef(ByteWriter& w, const OrderRef& r) {
  w.U64(r.order_id);
  w.U64(r.client_order_id);
}
void EncodeBody(ByteWriter& w, const CancelOrder& c) {
  w.U64(c.account);
  EncodeRef(w, c.order);
}
void EncodeBody(ByteWriter& w, const CancelAll& c) {
  w.U64(c.account);
  w.U32(c.market);
}
void EncodeBody(ByteWriter& w, const AmendOrder& c) {
  w.U64(c.account);
  EncodeRef(w, c.order);
  w.I64(c.new_price);
  w.I64(c.new_quantity);
}

Command DecodeCreateMarket(ByteReader& r) {
  CreateMarket c;
  c.market = r.U32();
  c.symbol = r.String(kMaxSymbolLength);
  c.base_asset = r.String(kMaxAssetCodeLength);
  c.quote_asset = r.String(kMaxAssetCodeLength);
  c.tick_size = r.I64();
  c.lot_size = r.I64();
  c.min_quantity = r.I64();
  c.max_quantity = r.I64();
  c.maker_fee_bps = r.U32();
  c.taker_fee_bps = r.U32();
  return c;
}
Command DecodeSetMarketStatus(ByteReader& r) {
  SetMarketStatus c;
  c.market = r.U32();
  c.status = static_cast<MarketStatus>(r.U8());
  return c;
}
template <typename T>
Command DecodeTransfer(ByteReader& r) {
  T c;
  c.account = r.U64();
  c.asset = r.String(kMaxAssetCodeLength);
  c.amount = r.I64();
  return c;
}
Command DecodeSetRiskLimits(ByteReader& r) {
  SetRiskLimits c;
  c.account = r.U64();
  c.max_order_quantity = r.I64();
  c.max_order_notional = r.I64();
  c.max_open_orders = r.U32();
  c.price_band_bps = r.U32();
  c.rate_capacity = r.U32();
  c.rate_per_second = r.U32();
  c.stp_mode = static_cast<StpMode>(r.U8());
  return c;
}
Command DecodeRegisterApiKey(ByteReader& r) {
  RegisterApiKey c;
  c.key_id = r.U64();
  c.account = r.U64();
  std::string_view key = r.Bytes(c.public_key.size());
  if (r.ok()) std::copy(key.begin(), key.end(), c.public_key.begin());
  c.permissions = r.U8();
  return c;
}
Command DecodeRevokeApiKey(ByteReader& r) {
  RevokeApiKey c;
  c.key_id = r.U64();
  return c;
}
Command DecodeSetRetention(ByteReader& r) {
  SetRetention c;
  c.from_sequence = r.U64();
  c.through_sequence = r.U64();
  c.until_ns = r.I64();
  return c;
}
// `placed` is 0 or 1; any other byte makes the command undecodable (reported by the caller).
Command DecodeLegalHold(ByteReader& r, bool* bad_flag) {
  LegalHold c;
  c.hold_id = r.U64();
  const uint8_t placed = r.U8();
  *bad_flag = placed > 1;
  c.placed = placed == 1;
  return c;
}
Command DecodePlaceOrder(ByteReader& r) {
  PlaceOrder c;
  c.account = r.U64();
  c.market = r.U32();
  c.client_order_id = r.U64();
  c.side = static_cast<Side>(r.U8());
  c.kind = static_cast<OrderKind>(r.U8());
  c.price = r.I64();
  c.quantity = r.I64();
  c.quote_budget = r.I64();
  return c;
}
OrderRef DecodeRef(ByteReader& r) {
  OrderRef ref;
  ref.order_id = r.U64();
  ref.client_order_id = r.U64();
  return ref;
}
Command DecodeCancelOrder(ByteReader& r) {
  CancelOrder c;
  c.account = r.U64();
  c.order = DecodeRef(r);
  return c;
}
Command DecodeCancelAll(ByteReader& r) {
  CancelAll c;
  c.account = r.U64();
  c.market = r.U32();
  return c;
}
Command DecodeAmendOrder(ByteReader& r) {
  AmendOrder c;
  c.account = r.U64();
  c.order = DecodeRef(r);
  c.new_price = r.I64();
  c.new_quantity = r.I64();
  return c;
}

}  // namespace

void EncodeCommand(const Command& command, std::string* out) {
  StringSink sink;
  sink.bytes().swap(*out);
  {
    ByteWriter w(&sink);
    w.U8(kCommandEncodingVersion);
    w.U16(static_cast<uint16_t>(TypeOf(command)));
    std::visit([&w](const auto& c) { EncodeBody(w, c); }, command);
  }
  sink.bytes().swap(*out);
}

std::string EncodeCommand(const Command& command) {
  std::string out;
  EncodeCommand(command, &out);
  return out;
}

Result<Command> DecodeCommand(std::string_view bytes) {
  ByteReader r(bytes);
  const uint8_t version = r.U8();
  const uint16_t type = r.U16();
  if (!r.ok()) return Status::Corruption("command: shorter than its 3-byte header");
  if (version != kCommandEncodingVersion) {
    return Status::Unsupported("command: encoding version " + std::to_string(version));
  }
  Command c;
  switch (static_cast<CommandType>(type)) {
    case CommandType::kCreateMarket:
      c = DecodeCreateMarket(r);
      break;
    case CommandType::kSetMarketStatus:
      c = DecodeSetMarketStatus(r);
      break;
    case CommandType::kDeposit:
      c = DecodeTransfer<Deposit>(r);
      break;
    case CommandType::kWithdraw:
      c = DecodeTransfer<Withdraw>(r);
      break;
    case CommandType::kSetRiskLimits:
      c = DecodeSetRiskLimits(r);
      break;
    case CommandType::kPlaceOrder:
      c = DecodePlaceOrder(r);
      break;
    case CommandType::kCancelOrder:
      c = DecodeCancelOrder(r);
      break;
    case CommandType::kCancelAll:
      c = DecodeCancelAll(r);
      break;
    case CommandType::kAmendOrder:
      c = DecodeAmendOrder(r);
      break;
    case CommandType::kSetRetention:
      c = DecodeSetRetention(r);
      break;
    case CommandType::kLegalHold: {
      bool bad_flag = false;
      c = DecodeLegalHold(r, &bad_flag);
      if (bad_flag) return Status::Corruption("command: legal_hold: placed is neither 0 nor 1");
      break;
    }
    case CommandType::kRegisterApiKey:
      c = DecodeRegisterApiKey(r);
      break;
    case CommandType::kRevokeApiKey:
      c = DecodeRevokeApiKey(r);
      break;
    default:
      return Status::Corruption("command: unknown type code " + std::to_string(type));
  }
  const std::string name = CommandTypeName(static_cast<CommandType>(type));
  if (!r.ok()) return Status::Corruption("command " + name + ": truncated or over-long field");
  if (r.remaining() != 0) {
    return Status::Corruption("command " + name + ": " + std::to_string(r.remaining()) +
                              " trailing bytes");
  }
  return c;
}

}  // namespace dreichor::engine
