// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), as used by iSCSI, ext4 and leveldb.
// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
//
//   uint32_t c = crc32c::Value(data, n);
//   c = crc32c::Extend(c, more, m);   // same as Value over the concatenation
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dreichor::crc32c {

// CRC-32C of data[0, n) appended to a stream whose CRC so far is `crc`.
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view bytes) { return Value(bytes.data(), bytes.size()); }

}  // namespace dreichor::crc32c
