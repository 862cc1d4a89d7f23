// Fuzz target: the engine's binary command encoding (engine/command_codec.h), what every audit
// record's payload holds.
//
// Any bytes: decoding either fails with a reason or gives a command whose encoding is exactly
// the input (one command, one byte string; a replayed log cannot be read two ways).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/command_codec.h"

using namespace dreichor::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto command = DecodeCommand(input);
  if (!command.ok()) {
    if (command.status().message().empty()) std::abort();
    return 0;
  }
  if (EncodeCommand(command.value()) != input) std::abort();
  return 0;
}
