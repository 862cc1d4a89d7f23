// Fuzz target: the engine's canonical state serialisation (docs/engine-state-format.md), what a
// snapshot holds.
//
// Any bytes: Deserialize either refuses with a reason or builds an engine that passes every
// invariant and serialises back to exactly the input (equal states, equal bytes) — or, for an
// older version, to its version 4 form: the version field 4 and the sections it lacked, empty,
// before the end marker (version 2: no retention rule, no hold, no API key; version 3: no key). The
// engine then takes a few commands without breaking an invariant.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/engine.h"

using namespace dreichor::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto engine = Engine::Deserialize(input);
  if (!engine.ok()) {
    if (engine.status().message().empty()) std::abort();
    return 0;
  }
  Engine& e = *engine.value();
  if (!e.CheckInvariants().ok()) std::abort();
  std::string expected(input);
  if (expected[4] == 2 || expected[4] == 3) {  // the version, little-endian u32 after the magic
    expected.insert(expected.size() - 4, std::string(expected[4] == 2 ? 12 : 4, '\0'));
    expected[4] = 4;
  }
  if (e.SerializeToString() != expected) std::abort();
  // The restored engine must go on working: cancel everything everywhere, trade a little.
  for (AccountId account = 1; account <= 4; ++account) (void)e.Apply(CancelAll{account, 0}, 1);
  for (const MarketInfo& m : e.ListMarkets()) {
    (void)e.Apply(PlaceOrder{1, m.id, 0, Side::kBuy, OrderKind::kLimit, 100, 1, 0}, 2);
    (void)e.Apply(PlaceOrder{2, m.id, 0, Side::kSell, OrderKind::kLimit, 100, 1, 0}, 3);
  }
  if (!e.CheckInvariants().ok()) std::abort();
  return 0;
}
