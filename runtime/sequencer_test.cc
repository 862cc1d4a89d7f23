// The sequencer: durable before answered, gap-free under concurrency, group commit, a clock
// that never goes backwards, a failed log is final, an orderly stop, snapshots off the path.
#include "runtime/sequencer.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <future>
#include <set>

#include "audit/file_log.h"
#include "runtime/replay.h"
#include "testing/commands.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"
#include "util/fault_injection_env.h"

namespace dreichor::runtime {
namespace {

// A one-shot gate a callback can wait on, to hold the sequencer thread still.
class Gate {
 public:
  void Open() { promise_.set_value(); }
  void Wait() { future_.wait(); }

 private:
  std::promise<void> promise_;
  std::shared_future<void> future_ = promise_.get_future().share();
};

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenLog(); }
  void OpenLog() {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(&env_, dir_.Sub("audit"), audit::FileLogOptions{}, &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  std::unique_ptr<Sequencer> Start(SequencerOptions options = {}) {
    return std::make_unique<Sequencer>(&clock_, log_.get(), std::make_unique<engine::Engine>(), 0,
                                       options);
  }
  // Submits and waits for the answer.
  CommandResult Call(Sequencer& s, engine::Command c) {
    std::promise<CommandResult> p;
    s.Submit(std::move(c), [&p](const CommandResult& r) { p.set_value(r); });
    return p.get_future().get();
  }

  FaultInjectionEnv env_{Env::Default()};
  testing::FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<audit::FileLog> log_;
};

TEST_F(SequencerTest, EveryCommandIsDurableBeforeItIsAnswered) {
  auto seq = Start();
  for (uint64_t n = 1; n <= 200; ++n) {
    CommandResult r = Call(*seq, CommandForSequence(n));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.sequence, n);
    EXPECT_GE(log_->last_sequence(), r.sequence) << "answered before durable";
  }
  EXPECT_TRUE(seq->healthy());
}

TEST_F(SequencerTest, ConcurrentSubmittersGetGapFreeSequencesAndReplayAgrees) {
  auto seq = Start();
  constexpr int kThreads = 4, kEach = 1500;
  std::mutex mu;
  std::set<uint64_t> seen;
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        seq->Submit(CommandForSequence(1 + static_cast<uint64_t>(t * kEach + i)),
                    [&](const CommandResult& r) {
                      ASSERT_TRUE(r.status.ok());
                      std::lock_guard<std::mutex> guard(mu);
                      EXPECT_TRUE(seen.insert(r.sequence).second);
                      answered++;
                    });
      }
    });
  }
  for (auto& t : threads) t.join();
  seq->Stop();
  ASSERT_EQ(answered.load(), kThreads * kEach);
  EXPECT_EQ(*seen.begin(), 1u);
  EXPECT_EQ(*seen.rbegin(), static_cast<uint64_t>(kThreads * kEach));
  auto replayed = Replay(*log_, nullptr, ReplayOptions{});
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed.value().engine->StateHash(),
            seq->Read([](const engine::Engine& e) { return e.StateHash(); }));
}

TEST_F(SequencerTest, CommandsQueuedDuringAnAppendShareTheNextBatch) {
  auto seq = Start();
  Gate hold, held;
  seq->Submit(CommandForSequence(1), [&](const CommandResult&) {
    held.Open();
    hold.Wait();  // keeps the sequencer thread busy while more commands queue up
  });
  held.Wait();
  std::atomic<int> answered{0};
  for (uint64_t n = 2; n <= 101; ++n) {
    seq->Submit(CommandForSequence(n), [&](const CommandResult& r) {
      EXPECT_TRUE(r.status.ok());
      answered++;
    });
  }
  hold.Open();
  seq->Stop();
  EXPECT_EQ(answered.load(), 100);
  EXPECT_EQ(seq->stats().batches.load(), 2u);
  EXPECT_EQ(seq->stats().last_batch_size.load(), 100u);
}

TEST_F(SequencerTest, TimestampsNeverGoBackwards) {
  auto seq = Start();
  clock_.Set(5'000);
  EXPECT_EQ(Call(*seq, CommandForSequence(1)).timestamp_ns, 5'000);
  clock_.Set(3'000);  // the wall clock stepped back
  EXPECT_EQ(Call(*seq, CommandForSequence(2)).timestamp_ns, 5'000);
  clock_.Set(9'000);
  EXPECT_EQ(Call(*seq, CommandForSequence(3)).timestamp_ns, 9'000);
}

// Records what the sequencer reports to its observer.
class RecordingObserver final : public SequencerObserver {
 public:
  void OnBatchDurable(size_t records, int64_t) override { durable += records; }
  void OnSnapshot(bool, uint64_t, int64_t) override {}
  void OnLogFailed(const Status& why) override {
    ++failures;
    failure = why.message();
  }
  std::atomic<size_t> durable{0};
  std::atomic<int> failures{0};
  std::string failure;
};

TEST_F(SequencerTest, ALogFailureIsFinalAndNothingUndurableIsApplied) {
  RecordingObserver observer;
  SequencerOptions options;
  options.observer = &observer;
  auto seq = Start(options);
  ASSERT_TRUE(Call(*seq, CommandForSequence(1)).status.ok());
  const auto before = seq->Read([](const engine::Engine& e) { return e.StateHash(); });
  env_.FailSyncs(EIO);
  CommandResult failed = Call(*seq, CommandForSequence(2));
  EXPECT_FALSE(failed.status.ok());
  EXPECT_NE(failed.status.message().find("not durable"), std::string::npos);
  EXPECT_FALSE(seq->healthy());
  env_.ClearFaults();
  CommandResult later = Call(*seq, CommandForSequence(2));
  EXPECT_FALSE(later.status.ok()) << "a failed log must stay failed";
  EXPECT_EQ(seq->Read([](const engine::Engine& e) { return e.StateHash(); }), before);
  seq->Stop();
  EXPECT_EQ(observer.durable.load(), 1u);
  EXPECT_EQ(observer.failures.load(), 1) << "the failure is reported once";
  EXPECT_FALSE(observer.failure.empty());
}

TEST_F(SequencerTest, StopFinishesWhatIsQueuedAndRefusesNewCommands) {
  auto seq = Start();
  Gate hold, held;
  seq->Submit(CommandForSequence(1), [&](const CommandResult&) {
    held.Open();
    hold.Wait();
  });
  held.Wait();
  auto ok = std::make_shared<std::atomic<int>>(0);
  for (uint64_t n = 2; n <= 11; ++n) {
    seq->Submit(CommandForSequence(n), [ok](const CommandResult& r) { *ok += r.status.ok(); });
  }
  std::thread stopper([&] { seq->Stop(); });
  // Poll without blocking until Stop has begun: a refusal is answered at once, inside Submit.
  // Polls that were queued before that still count as commands to finish.
  int queued_polls = 0;
  std::string refusal;
  for (;;) {
    auto refused = std::make_shared<std::string>();
    seq->Submit(CommandForSequence(12 + static_cast<uint64_t>(queued_polls)),
                [ok, refused](const CommandResult& r) {
                  if (r.status.ok()) {
                    ++*ok;
                  } else {
                    *refused = r.status.message();
                  }
                });
    if (!refused->empty()) {
      refusal = *refused;
      break;
    }
    ++queued_polls;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_NE(refusal.find("shutting down"), std::string::npos) << refusal;
  hold.Open();
  stopper.join();
  EXPECT_EQ(ok->load(), 10 + queued_polls);
  EXPECT_EQ(log_->last_sequence(), 11u + static_cast<uint64_t>(queued_polls));
}

TEST_F(SequencerTest, SnapshotsAreWrittenAndReplayStartsFromThem) {
  snapshot::SnapshotStore store(&env_, dir_.Sub("snapshots"), snapshot::SnapshotOptions{});
  SequencerOptions options;
  options.snapshot_every = 100;
  options.snapshots = &store;
  auto seq = Start(options);
  for (uint64_t n = 1; n <= 450; ++n) ASSERT_TRUE(Call(*seq, CommandForSequence(n)).status.ok());
  seq->Stop();
  EXPECT_GE(seq->stats().snapshots_written.load(), 1u);
  auto files = store.List();
  ASSERT_TRUE(files.ok());
  ASSERT_FALSE(files.value().empty());
  EXPECT_EQ(files.value()[0].sequence % 100, 0u);
  auto replayed = Replay(*log_, &store, ReplayOptions{});
  ASSERT_TRUE(replayed.ok());
  EXPECT_TRUE(replayed.value().warnings.empty());
  EXPECT_GT(replayed.value().snapshot_sequence, 0u);
  // The sequencer stamped wall-clock timestamps (which trades record), so the reference is the
  // live engine itself.
  EXPECT_EQ(replayed.value().engine->StateHash(),
            seq->Read([](const engine::Engine& e) { return e.StateHash(); }));
}

}  // namespace
}  // namespace dreichor::runtime

namespace dreichor::runtime {
namespace {

// With a notary, every answer carries the tree head of its batch: the tree of exactly the records
// up to the batch's last one (so it covers the command), its root that of the log's records; and
// a signed checkpoint of that head exists once the batch is answered.
TEST_F(SequencerTest, EveryAnswerCarriesTheTreeHeadThatCoversIt) {
  evidence::TreeOpenReport report;
  auto tree = evidence::TreeStore::Open(&env_, dir_.Sub("tree"), *log_, &report);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  evidence::NotaryOptions notary_options;
  notary_options.signer = evidence::NoteSigner::Generate("dreichor.test/audit").value();
  auto verifier = evidence::NoteVerifier::Parse(notary_options.signer->VerifierKey()).value();
  evidence::Notary notary(&env_, std::move(tree).value(), log_->last_chain(),
                          std::move(notary_options));
  SequencerOptions options;
  options.notary = &notary;
  auto seq = Start(options);
  std::mutex mu;
  std::vector<CommandResult> answers;
  std::vector<std::pair<engine::Command, CommandCallback>> together;
  for (uint64_t n = 1; n <= 500; ++n) {
    auto done = [&](const CommandResult& r) {
      std::lock_guard<std::mutex> guard(mu);
      answers.push_back(r);
    };
    if (n % 50 == 0) {
      seq->SubmitTogether(std::move(together));
      together.clear();
      Call(*seq, CommandForSequence(n));
      continue;
    }
    together.emplace_back(CommandForSequence(n), done);
  }
  seq->Stop();
  ASSERT_TRUE(notary.Flush().ok());  // every answered head signed
  evidence::MemoryNodes reference;
  auto reader = log_->ReadFrom(1);
  audit::Record record;
  while (reader.value()->Next(&record).value()) reference.Add(evidence::RecordLeafHash(record));
  ASSERT_EQ(answers.size(), 490u);
  for (const CommandResult& r : answers) {
    ASSERT_GE(r.tree.size, r.sequence);
    EXPECT_EQ(r.tree.root, evidence::RootAt(reference, r.tree.size).value()) << r.sequence;
  }
  auto checkpoint = evidence::OpenCheckpoint(notary.LatestCheckpoint().value(), *verifier);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  EXPECT_EQ(checkpoint.value().tree_size, 500u);
  EXPECT_EQ(checkpoint.value().root, evidence::RootAt(reference, 500).value());
  EXPECT_EQ(notary.stats().checkpoints_signed.load(), seq->stats().batches.load() + 1);
}

}  // namespace
}  // namespace dreichor::runtime
