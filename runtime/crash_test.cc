// Crash test with real processes: a driver process appends engine commands through the real
// audit log writer and reports every durable sequence number; this test kills it with SIGKILL at
// random moments, reopens the log, and checks that every record reported durable is present and
// identical, that the chain verifies, and that replay reaches the state of a reference engine
// given the same commands.
//
// 200 kills by default; set DREICHOR_CRASH_KILLS for a longer soak.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "audit/chain_checker.h"
#include "audit/file_log.h"
#include "audit/verify.h"
#include "runtime/replay.h"
#include "testing/audit_records.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"
#include "util/parse_number.h"
#include "util/random.h"

namespace dreichor::runtime {
namespace {

constexpr uint64_t kSegmentBytes = 64 << 10;  // small, so kills also land inside segment rolls
// How long the driver may take to make the progress a kill waits for: a hang guard only.
constexpr std::chrono::seconds kProgressTimeout{120};

struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of the child's stdout
};

Child StartDriver(const std::string& dir, uint64_t seed) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string seg = std::to_string(kSegmentBytes), s = std::to_string(seed);
    ::execl(CRASH_DRIVER_PATH, CRASH_DRIVER_PATH, dir.c_str(), seg.c_str(), s.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// Reads "N\n" lines from the child, keeping the largest N, until it reaches `target` or
// `deadline` passes; returns at EOF too.
void ReadReports(int fd, std::chrono::steady_clock::time_point deadline, std::string* pending,
                 uint64_t* max_durable, uint64_t target = UINT64_MAX) {
  char buf[4096];
  while (*max_durable < target) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return;
    pending->append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending->find('\n')) != std::string::npos) {
      const auto reported = ParseDecimal(std::string_view(*pending).substr(0, nl));
      if (!reported) std::abort();  // the driver writes only decimal lines
      *max_durable = std::max<uint64_t>(*max_durable, *reported);
      pending->erase(0, nl + 1);
    }
  }
}

// Kills the child at once and collects everything it reported before dying.
void KillAndDrain(Child& c, std::string* pending, uint64_t* max_durable) {
  ::kill(c.pid, SIGKILL);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the driver exited by itself (status " << status << ")";
  ReadReports(c.out, std::chrono::steady_clock::now() + std::chrono::seconds(5), pending,
              max_durable);
  ::close(c.out);
}

int Kills() {
  const char* env = std::getenv("DREICHOR_CRASH_KILLS");
  const auto kills = env != nullptr ? ParseDecimal(env) : std::optional<uint64_t>(200);
  if (!kills || *kills == 0 || *kills > 1'000'000) std::abort();  // a bad setting is a bad run
  return static_cast<int>(*kills);
}

TEST(CrashTest, SigkillAtRandomMomentsLosesNoDurableRecord) {
  TempDir dir;
  const std::string log_dir = dir.Sub("audit");
  SeededRandom rng(20261122);
  uint64_t max_durable = 0;
  uint64_t checked = 0;  // records 1..checked were compared already
  audit::Digest checked_chain{};
  int truncations = 0;

  const int kills = Kills();
  for (int kill = 0; kill < kills; ++kill) {
    Child child = StartDriver(log_dir, rng.Next());
    std::string pending;
    // The kill moment is driven by the driver's progress, not by wall time, so that a busy
    // machine makes the same kills with the same amount of work between them. One kill in four
    // lands soon after the start (during recovery of the previous kill's tail, or the first
    // appends); the others wait for 1-300 new durable records, then up to 500 µs more, so they
    // land anywhere in a write, an fsync or a segment roll.
    if (rng.Next() % 4 == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng.Next() % 2000));
    } else {
      const uint64_t target = max_durable + 1 + rng.Next() % 300;
      ReadReports(child.out, std::chrono::steady_clock::now() + kProgressTimeout, &pending,
                  &max_durable, target);
      ASSERT_GE(max_durable, target) << "kill " << kill << ": the driver made no progress in "
                                     << kProgressTimeout.count() << " s";
      std::this_thread::sleep_for(std::chrono::microseconds(rng.Next() % 500));
    }
    KillAndDrain(child, &pending, &max_durable);

    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), log_dir, audit::FileLogOptions{}, &report);
    ASSERT_TRUE(log.ok()) << "kill " << kill << ": " << log.status().ToString();
    truncations += report.truncated_tail ? 1 : 0;
    const uint64_t last = log.value()->last_sequence();
    ASSERT_GE(last, max_durable) << "kill " << kill << ": a durable record was lost";
    if (checked == 0) checked_chain = log.value()->genesis();

    // Every record since the last check is the one the driver wrote, and chained.
    audit::ChainChecker chain(checked, checked_chain);
    auto reader = log.value()->ReadFrom(checked + 1);
    ASSERT_TRUE(reader.ok());
    audit::Record r;
    for (;;) {
      auto more = reader.value()->Next(&r);
      ASSERT_TRUE(more.ok()) << "kill " << kill << ": " << more.status().ToString();
      if (!more.value()) break;
      ASSERT_TRUE(chain.Check(r).ok()) << "kill " << kill;
      ASSERT_TRUE(audit::SameRecord(r, RecordForSequence(r.sequence)))
          << "kill " << kill << ": record " << r.sequence << " differs";
    }
    ASSERT_EQ(chain.sequence(), last);
    checked = last;
    checked_chain = chain.chain();
  }

  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), log_dir, audit::FileLogOptions{}, &report);
  ASSERT_TRUE(log.ok());
  auto verified = audit::VerifyLog(*log.value());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  auto replayed = Replay(*log.value(), nullptr, ReplayOptions{});
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(replayed.value().engine->StateHash(), ReferenceEngine(checked)->StateHash());
  RecordProperty("kills", kills);
  RecordProperty("records", static_cast<int>(checked));
  RecordProperty("torn_tails_repaired", truncations);
  std::printf("%d kills, %llu records, %d torn tails repaired\n", kills,
              static_cast<unsigned long long>(checked), truncations);
  EXPECT_GT(checked, static_cast<uint64_t>(kills)) << "the driver should make progress";
}

}  // namespace
}  // namespace dreichor::runtime
