// The conformance suite every AuditLog backend must pass: instantiate it with a Backend type
// that provides
//   std::unique_ptr<AuditLog> Open();       // the backend's log under test (the same log each
//                                           // time; the previous object is destroyed first)
//   std::unique_ptr<AuditLog> OpenOther();  // a second, independent log
// as in audit/file_log_conformance_test.cc:
//   INSTANTIATE_TYPED_TEST_SUITE_P(File, AuditLogConformance, FileBackend);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "audit/audit_log.h"
#include "audit/chain_checker.h"
#include "audit/verify.h"
#include "testing/audit_records.h"

namespace dreichor::audit {

template <typename Backend>
class AuditLogConformance : public ::testing::Test {
 protected:
  std::vector<Record> ReadAll(AuditLog& log, uint64_t from = 1) {
    std::vector<Record> out;
    auto reader = log.ReadFrom(from);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    Record r;
    for (;;) {
      auto more = reader.value()->Next(&r);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !more.value()) break;
      out.push_back(r);
    }
    return out;
  }

  Backend backend_;
};

TYPED_TEST_SUITE_P(AuditLogConformance);

TYPED_TEST_P(AuditLogConformance, EmptyLogStartsAtGenesis) {
  auto log = this->backend_.Open();
  EXPECT_EQ(log->last_sequence(), 0u);
  EXPECT_EQ(log->last_chain(), log->genesis());
  EXPECT_TRUE(this->ReadAll(*log).empty());
  EXPECT_TRUE(VerifyLog(*log).ok());
}

TYPED_TEST_P(AuditLogConformance, AppendedRecordsReadBackIdentically) {
  auto log = this->backend_.Open();
  ASSERT_TRUE(log->Append(TestBatch(1, 1)).ok());
  ASSERT_TRUE(log->Append(TestBatch(2, 16)).ok());
  ASSERT_TRUE(log->Append(TestBatch(18, 300, 200)).ok());
  EXPECT_EQ(log->last_sequence(), 317u);
  auto records = this->ReadAll(*log);
  ASSERT_EQ(records.size(), 317u);
  for (const Record& r : records) {
    EXPECT_TRUE(SameRecord(r, TestRecord(r.sequence, r.sequence >= 18 ? 200 : 40)))
        << "sequence " << r.sequence;
  }
}

TYPED_TEST_P(AuditLogConformance, EveryRecordIsChainedToItsPredecessor) {
  auto log = this->backend_.Open();
  ASSERT_TRUE(log->Append(TestBatch(1, 50)).ok());
  ChainChecker chain(0, log->genesis());
  for (const Record& r : this->ReadAll(*log)) ASSERT_TRUE(chain.Check(r).ok());
  EXPECT_EQ(chain.chain(), log->last_chain());
  auto report = VerifyLog(*log);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report.value().records, 50u);
}

TYPED_TEST_P(AuditLogConformance, ABatchThatDoesNotContinueTheLogIsRefusedHarmlessly) {
  auto log = this->backend_.Open();
  ASSERT_TRUE(log->Append(TestBatch(1, 3)).ok());
  Status gap = log->Append(TestBatch(5, 1));
  EXPECT_EQ(gap.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->Append(TestBatch(3, 1)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->last_sequence(), 3u);
  // Not fatal: the log still takes the right next batch.
  EXPECT_TRUE(log->Append(TestBatch(4, 2)).ok());
  EXPECT_EQ(this->ReadAll(*log).size(), 5u);
}

TYPED_TEST_P(AuditLogConformance, OversizedPayloadIsRefused) {
  auto log = this->backend_.Open();
  std::vector<PendingRecord> batch = TestBatch(1, 1, (1 << 20) + 1);
  EXPECT_EQ(log->Append(batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->last_sequence(), 0u);
}

TYPED_TEST_P(AuditLogConformance, EmptyBatchChangesNothing) {
  auto log = this->backend_.Open();
  EXPECT_TRUE(log->Append({}).ok());
  EXPECT_EQ(log->last_sequence(), 0u);
}

TYPED_TEST_P(AuditLogConformance, RecordsSurviveReopening) {
  Digest chain;
  {
    auto log = this->backend_.Open();
    ASSERT_TRUE(log->Append(TestBatch(1, 20)).ok());
    chain = log->last_chain();
  }
  auto log = this->backend_.Open();
  EXPECT_EQ(log->last_sequence(), 20u);
  EXPECT_EQ(log->last_chain(), chain);
  ASSERT_TRUE(log->Append(TestBatch(21, 5)).ok());
  EXPECT_EQ(this->ReadAll(*log).size(), 25u);
  EXPECT_TRUE(VerifyLog(*log).ok());
}

TYPED_TEST_P(AuditLogConformance, ReadingCanStartAtAnySequence) {
  auto log = this->backend_.Open();
  ASSERT_TRUE(log->Append(TestBatch(1, 100)).ok());
  for (uint64_t from : {1u, 2u, 50u, 100u}) {
    auto records = this->ReadAll(*log, from);
    ASSERT_EQ(records.size(), 101 - from);
    EXPECT_EQ(records.front().sequence, from);
  }
  EXPECT_TRUE(this->ReadAll(*log, 101).empty());
}

TYPED_TEST_P(AuditLogConformance, AReaderSeesTheRecordsDurableWhenItWasCreated) {
  auto log = this->backend_.Open();
  ASSERT_TRUE(log->Append(TestBatch(1, 10)).ok());
  auto reader = log->ReadFrom(1);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(log->Append(TestBatch(11, 10)).ok());
  Record r;
  uint64_t n = 0;
  while (reader.value()->Next(&r).value()) ++n;
  EXPECT_EQ(n, 10u);
}

TYPED_TEST_P(AuditLogConformance, TwoLogsNeverShareAChain) {
  auto a = this->backend_.Open();
  auto b = this->backend_.OpenOther();
  EXPECT_NE(a->genesis(), b->genesis());
  ASSERT_TRUE(a->Append(TestBatch(1, 1)).ok());
  ASSERT_TRUE(b->Append(TestBatch(1, 1)).ok());
  EXPECT_NE(a->last_chain(), b->last_chain());
}

REGISTER_TYPED_TEST_SUITE_P(AuditLogConformance, EmptyLogStartsAtGenesis,
                            AppendedRecordsReadBackIdentically,
                            EveryRecordIsChainedToItsPredecessor,
                            ABatchThatDoesNotContinueTheLogIsRefusedHarmlessly,
                            OversizedPayloadIsRefused, EmptyBatchChangesNothing,
                            RecordsSurviveReopening, ReadingCanStartAtAnySequence,
                            AReaderSeesTheRecordsDurableWhenItWasCreated, TwoLogsNeverShareAChain);

}  // namespace dreichor::audit
