// Fuzz target: opening an audit log whose active segment holds any bytes (audit/file_log.h:
// recovery), then verifying the chain and scrubbing the segment.
//
// The first input byte chooses whether the harness writes a valid segment header before the
// rest (so the fuzzer reaches the records) or the rest is the whole segment file. Promises
// checked: open either refuses with a reason or recovers a log whose every record verifies;
// a recovered log takes a new record, and a second open finds exactly what was there plus it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/file_log.h"
#include "audit/segment_format.h"
#include "audit/verify.h"
#include "fuzz/fixtures.h"
#include "util/mem_env.h"
#include "util/random.h"

using namespace dreichor;
using namespace dreichor::audit;

namespace {

const char kDir[] = "/log";

Result<std::unique_ptr<FileLog>> OpenLog(MemEnv* env, RecoveryReport* report) {
  SeededRandom random(1);
  FileLogOptions options;
  options.create_if_missing = false;
  options.random = &random;
  return FileLog::Open(env, kDir, options, report);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool add_header = data[0] % 2 == 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  MemEnv env;
  const LogHeader header = fuzz::SegmentTargetLogHeader();
  std::string segment;
  if (add_header)
    segment = EncodeSegmentHeader(SegmentHeader{header.log_id, 1, GenesisHash(header)});
  segment.append(rest);
  if (!env.CreateDirs(kDir).ok()) std::abort();
  if (!env.WriteWholeFile(std::string(kDir) + "/LOG_HEADER", EncodeLogHeader(header)).ok() ||
      !env.WriteWholeFile(std::string(kDir) + "/" + SegmentFileName(1), segment).ok()) {
    std::abort();
  }

  RecoveryReport report;
  auto log = OpenLog(&env, &report);
  if (!log.ok()) {
    if (log.status().message().empty()) std::abort();
    return 0;
  }
  auto verified = VerifyLog(*log.value());
  if (!verified.ok()) return 0;  // a broken chain inside whole records: verify's job to say so
  const uint64_t last = log.value()->last_sequence();
  if (verified.value().last_sequence != last) std::abort();

  PendingRecord next;
  next.sequence = last + 1;
  next.timestamp_ns = 1;
  next.type = 3;
  next.payload = "fuzz";
  if (!log.value()->Append({next}).ok()) std::abort();
  log.value().reset();
  auto reopened = OpenLog(&env, &report);
  if (!reopened.ok() || reopened.value()->last_sequence() != last + 1) std::abort();
  auto again = VerifyLog(*reopened.value());
  if (!again.ok() || again.value().last_sequence != last + 1) std::abort();
  return 0;
}
