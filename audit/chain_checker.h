// ChainChecker: follows a stream of records and checks that sequence numbers continue without
// a gap and that every stored chain hash is the one recomputed from its predecessor. Replay and
// verification both use it, so the two can never disagree about what a valid log is.
//
//   ChainChecker check(0, log.genesis());          // or (snapshot_seq, snapshot_chain)
//   while (reader->Next(&r)) if (Status s = check.Check(r); !s.ok()) return s;
#pragma once

#include "audit/record.h"
#include "util/status.h"

namespace dreichor::audit {

class ChainChecker {
 public:
  ChainChecker(uint64_t previous_sequence, const Digest& previous_chain)
      : sequence_(previous_sequence), chain_(previous_chain) {}

  // Corruption naming the sequence number and what differs.
  Status Check(const Record& r);

  uint64_t sequence() const { return sequence_; }
  const Digest& chain() const { return chain_; }

 private:
  uint64_t sequence_;
  Digest chain_;
};

}  // namespace dreichor::audit
