// PromqlMetricNames: the names an expression reads, and nothing else.
#include "monitoring/promql_names.h"

#include <gtest/gtest.h>

namespace dreichor::monitoring {
namespace {

using Names = std::set<std::string>;

TEST(PromqlNamesTest, FindsMetricsInsideFunctionsAndAggregations) {
  EXPECT_EQ(
      PromqlMetricNames("histogram_quantile(0.99, sum by (le) (rate(a_bucket{env=\"prod\"}[5m])))"),
      Names{"a_bucket"});
  EXPECT_EQ(PromqlMetricNames("sum(rate(x_total[1m])) without (instance) / on (env) y"),
            (Names{"x_total", "y"}));
}

TEST(PromqlNamesTest, SkipsLabelsStringsDurationsAndKeywords) {
  EXPECT_EQ(PromqlMetricNames("a{le=\"0.005\", job=~\"x|y\"} > 0.5 and bool b offset 5m"),
            (Names{"a", "b"}));
  EXPECT_EQ(PromqlMetricNames("x * on (market) group_left (symbol) max by (market, symbol) (m)"),
            (Names{"x", "m"}));
  EXPECT_EQ(PromqlMetricNames("time() - t > 3 * 3600 or vector(0)"), Names{"t"});
  EXPECT_EQ(PromqlMetricNames("1 - r:ratio_rate5m > 1e-3"), Names{"r:ratio_rate5m"});
  EXPECT_EQ(PromqlMetricNames("c{a=\"} not_a_metric {\"}"), Names{"c"});
}

TEST(PromqlNamesTest, TopkAndCountValuesTakeParametersNotMetrics) {
  EXPECT_EQ(PromqlMetricNames("topk(3, sum by (reason) (rate(r_total[5m])))"), Names{"r_total"});
}

}  // namespace
}  // namespace dreichor::monitoring
