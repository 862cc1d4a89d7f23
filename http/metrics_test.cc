// Prometheus text rendering: families, labels, cumulative histogram buckets, escaping.
#include "http/metrics.h"

#include <gtest/gtest.h>

namespace dreichor::http {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndFunctionsWithLabels) {
  MetricsRegistry m;
  m.AddCounter("x_total", "Xs.", {{"kind", "a"}})->Add(3);
  m.AddCounter("x_total", "Xs.", {{"kind", "b\"q\\"}});
  m.AddGauge("g", "A gauge.")->Set(2.5);
  m.AddGaugeFunction("f", "Computed.", [] { return 7.0; });
  EXPECT_EQ(m.Render(),
            "# HELP x_total Xs.\n# TYPE x_total counter\n"
            "x_total{kind=\"a\"} 3\n"
            "x_total{kind=\"b\\\"q\\\\\"} 0\n"
            "# HELP g A gauge.\n# TYPE g gauge\ng 2.5\n"
            "# HELP f Computed.\n# TYPE f gauge\nf 7\n");
}

TEST(MetricsTest, ACounterFunctionIsReadWhenScrapedAndTypedCounter) {
  MetricsRegistry m;
  uint64_t kept_elsewhere = 4;
  m.AddCounterFunction("e_total", "Kept elsewhere.",
                       [&] { return static_cast<double>(kept_elsewhere); }, {{"call", "pull"}});
  kept_elsewhere = 9;
  EXPECT_EQ(m.Render(),
            "# HELP e_total Kept elsewhere.\n# TYPE e_total counter\ne_total{call=\"pull\"} 9\n");
}

TEST(MetricsTest, AFamilyComputedWhenScrapedRendersEverySample) {
  MetricsRegistry m;
  std::vector<Sample> markets = {{{{"market", "1"}}, 3}};
  m.AddGaugeFamily("book_orders", "Orders.", [&] { return markets; });
  EXPECT_EQ(m.Render(),
            "# HELP book_orders Orders.\n# TYPE book_orders gauge\nbook_orders{market=\"1\"} 3\n");
  markets.push_back({{{"market", "2"}}, 0.5});
  m.AddCounterFamily("trades_total", "Trades.", [] { return std::vector<Sample>{}; });
  EXPECT_EQ(m.Render(),
            "# HELP book_orders Orders.\n# TYPE book_orders gauge\n"
            "book_orders{market=\"1\"} 3\nbook_orders{market=\"2\"} 0.5\n"
            "# HELP trades_total Trades.\n# TYPE trades_total counter\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry m;
  Histogram* h = m.AddHistogram("h_seconds", "H.", {0.1, 1});
  h->Observe(0.05);
  h->Observe(0.1);  // bounds are inclusive
  h->Observe(0.5);
  h->Observe(7);
  EXPECT_EQ(m.Render(),
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"0.1\"} 2\n"
            "h_seconds_bucket{le=\"1\"} 3\n"
            "h_seconds_bucket{le=\"+Inf\"} 4\n"
            "h_seconds_sum 7.65\n"
            "h_seconds_count 4\n");
}

TEST(MetricsTest, ARegisteredNameCannotChangeKind) {
  MetricsRegistry m;
  m.AddCounter("n", "N.");
  EXPECT_THROW(m.AddGauge("n", "N."), std::invalid_argument);
}

}  // namespace
}  // namespace dreichor::http
