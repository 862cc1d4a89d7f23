// File names that carry a sequence number: prefix, the number as 20 zero-padded decimal digits
// (so names sort in numeric order), suffix. Used for audit segments ("seg-…​.log") and
// snapshots
// ("snap-…​.snap").
//
//   SequenceFileName("seg-", 42, ".log")        // "seg-00000000000000000042.log"
//   ParseSequenceFileName(name, "seg-", ".log", &n)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dreichor {

std::string SequenceFileName(std::string_view prefix, uint64_t sequence, std::string_view suffix);

// False unless `name` is exactly prefix + 20 digits + suffix with a value that fits in 64 bits.
bool ParseSequenceFileName(std::string_view name, std::string_view prefix, std::string_view suffix,
                           uint64_t* sequence);

}  // namespace dreichor
