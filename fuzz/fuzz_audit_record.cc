// Fuzz target: one audit record's byte encoding (audit/record.h, docs/audit-log-format.md).
//
// Any bytes: parsing never reads past the input, and a record that parses re-encodes to exactly
// the bytes it was parsed from (the encoding is canonical: one record, one byte string).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/record.h"

using namespace dreichor::audit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    Record record;
    size_t consumed = 0;
    if (ParseRecord(input, &record, &consumed) != ParseResult::kOk) break;
    if (consumed == 0 || consumed > input.size()) std::abort();
    PendingRecord pending{record.sequence, record.timestamp_ns, record.event_id, record.type,
                          record.payload};
    std::string again;
    AppendRecord(pending, record.chain, &again);
    if (again != input.substr(0, consumed)) std::abort();
    input.remove_prefix(consumed);
  }
  return 0;
}
