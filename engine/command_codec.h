// The versioned binary encoding of commands, as written into audit records.
// Specified in docs/command-encoding.md; the constants below are frozen once released.
//
//   std::string bytes;
//   EncodeCommand(PlaceOrder{...}, &bytes);
//   Result<Command> back = DecodeCommand(bytes);
//
// Decoding checks structure only (version, type code, lengths, no trailing bytes); business
// rules are the engine's.
#pragma once

#include <string>
#include <string_view>

#include "engine/command.h"
#include "util/status.h"

namespace dreichor::engine {

inline constexpr uint8_t kCommandEncodingVersion = 1;

// Appends the encoding of `command` to *out.
void EncodeCommand(const Command& command, std::string* out);
std::string EncodeCommand(const Command& command);

Result<Command> DecodeCommand(std::string_view bytes);

}  // namespace dreichor::engine
