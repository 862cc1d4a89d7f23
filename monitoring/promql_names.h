// The metric names a PromQL expression reads, found by scanning its tokens: identifiers that are
// not functions, aggregations, keywords, label names (inside {...} or after by, without, on,
// ignoring, group_left and group_right) or durations. Enough for the expressions of dashboards
// and rules, whose syntax promtool checks separately; not a PromQL parser.
//
//   PromqlMetricNames("sum by (le) (rate(x_bucket{env=\"a\"}[5m])) / y") == {"x_bucket", "y"}
#pragma once

#include <set>
#include <string>

namespace dreichor::monitoring {

std::set<std::string> PromqlMetricNames(const std::string& expr);

}  // namespace dreichor::monitoring
