// The shutdown contract's timing, in child processes (death tests): a signal before serving
// exits 0, a second signal exits at once, a passed deadline exits with its own code.
#include "service/signal_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "service/exit_codes.h"

namespace dreichor::service {
namespace {

class SignalWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
  JsonLog log_{stderr, LogLevel::kInfo, Clock::Real()};
};

TEST_F(SignalWatcherTest, ASignalBeforeServingExitsZero) {
  EXPECT_EXIT(
      {
        SignalWatcher w(&log_);
        kill(getpid(), SIGTERM);
        sleep(30);
      },
      ::testing::ExitedWithCode(kExitOk), "stopped before ready");
}

TEST_F(SignalWatcherTest, ASecondSignalExitsAtOnce) {
  EXPECT_EXIT(
      {
        SignalWatcher w(&log_);
        w.SetServing();
        kill(getpid(), SIGTERM);
        w.WaitForStop();
        kill(getpid(), SIGINT);
        sleep(30);
      },
      ::testing::ExitedWithCode(kExitSecondSignal), "second signal");
}

TEST_F(SignalWatcherTest, APassedDeadlineExitsWithItsCode) {
  EXPECT_EXIT(
      {
        SignalWatcher w(&log_);
        w.SetServing();
        w.SetDeadline(std::chrono::milliseconds(50));
        kill(getpid(), SIGTERM);
        w.WaitForStop();
        sleep(30);  // a shutdown that never finishes
      },
      ::testing::ExitedWithCode(kExitShutdownDeadline), "deadline passed");
}

TEST_F(SignalWatcherTest, AShutdownDoneInTimeCarriesOn) {
  EXPECT_EXIT(
      {
        {
          SignalWatcher w(&log_);
          w.SetServing();
          // Long enough that a busy machine's scheduling cannot make Done() late.
          w.SetDeadline(std::chrono::milliseconds(3000));
          kill(getpid(), SIGINT);
          if (w.WaitForStop() != "SIGINT") _exit(3);
          w.Done();
          usleep(3'500'000);  // past the deadline
        }
        fprintf(stderr, "carried on\n");
        _exit(7);
      },
      ::testing::ExitedWithCode(7), "carried on");
}

}  // namespace
}  // namespace dreichor::service
