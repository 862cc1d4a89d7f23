// crash_driver: the child process of runtime/crash_test.cc. It opens the audit log in the given
// directory (recovering whatever the last kill left) and appends the deterministic records of
// testing/commands.h in batches of random size, forever. After each Append returns (the
// batch is durable) it writes the last sequence number as one line to stdout, unbuffered.
//
//   crash_driver DIR SEGMENT_BYTES SEED
#include <unistd.h>

#include <cstdio>
#include <string>

#include "audit/file_log.h"
#include "testing/commands.h"
#include "util/parse_number.h"

int main(int argc, char** argv) {
  using namespace dreichor;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DIR SEGMENT_BYTES SEED\n", argv[0]);
    return 2;
  }
  const auto segment_bytes = ParseDecimal(argv[2]);
  const auto seed = ParseDecimal(argv[3]);
  if (!segment_bytes || !seed) {
    std::fprintf(stderr, "crash_driver: SEGMENT_BYTES and SEED must be decimal integers\n");
    return 2;
  }
  audit::FileLogOptions options;
  options.segment_bytes = *segment_bytes;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), argv[1], options, &report);
  if (!log.ok()) {
    std::fprintf(stderr, "crash_driver: %s\n", log.status().ToString().c_str());
    return 1;
  }
  SeededRandom rng(*seed);
  for (;;) {
    const uint64_t next = log.value()->last_sequence() + 1;
    const uint64_t n = 1 + rng.Next() % 200;
    if (Status s = log.value()->Append(runtime::RecordsForSequences(next, n)); !s.ok()) {
      std::fprintf(stderr, "crash_driver: %s\n", s.ToString().c_str());
      return 1;
    }
    const std::string line = std::to_string(next + n - 1) + "\n";
    if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
}
