#include "audit/verify.h"

#include "audit/chain_checker.h"

namespace dreichor::audit {

Result<VerifyReport> VerifyLog(AuditLog& log, const ProgressFn& progress) {
  const uint64_t total = log.last_sequence();
  auto reader = log.ReadFrom(1);
  if (!reader.ok()) return reader.status();
  ChainChecker chain(0, log.genesis());
  Record r;
  VerifyReport report;
  for (;;) {
    Result<bool> more = reader.value()->Next(&r);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    if (Status s = chain.Check(r); !s.ok()) {
      return Status::Corruption(reader.value()->Where() + ": " + s.message());
    }
    ++report.records;
    if (progress && report.records % kProgressEvery == 0) progress(report.records, total);
  }
  if (chain.sequence() != total) {
    return Status::Corruption("the log holds records up to " + std::to_string(chain.sequence()) +
                              ", but " + std::to_string(total) + " were durable");
  }
  if (chain.chain() != log.last_chain()) {
    return Status::Corruption("the last record's chain hash differs from the log's");
  }
  if (progress) progress(report.records, total);
  report.last_sequence = chain.sequence();
  report.last_chain = chain.chain();
  return report;
}

}  // namespace dreichor::audit
