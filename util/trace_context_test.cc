// The traceparent header by the W3C rules, and the thread's current trace.
#include "util/trace_context.h"

#include <gtest/gtest.h>

#include <thread>

namespace dreichor {
namespace {

constexpr char kExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesAndFormatsTheSpecificationsExample) {
  auto parsed = ParseTraceparent(kExample);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(TraceIdHex(*parsed), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(SpanIdHex(*parsed), "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 1);
  EXPECT_EQ(FormatTraceparent(*parsed), kExample);
}

TEST(TraceContextTest, RefusesEveryMalformedValue) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",    // short
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // 00 with more
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",   // not hex
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // no dash before more
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
}

TEST(TraceContextTest, AFutureVersionIsReadByItsFirstFourFields) {
  auto parsed =
      ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(FormatTraceparent(*parsed), kExample) << "answered as version 00";
}

TEST(TraceContextTest, AChildKeepsTheTraceAndFlagsWithANewSpan) {
  SeededRandom random(7);
  const TraceContext parent = *ParseTraceparent(kExample);
  const TraceContext child = ChildSpan(parent, &random);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(child.flags, parent.flags);
  EXPECT_NE(child.span_id, parent.span_id);
  const TraceContext root = NewTrace(&random);
  EXPECT_NE(root.trace_id, parent.trace_id);
  EXPECT_TRUE(ParseTraceparent(FormatTraceparent(root)).has_value());
}

TEST(TraceContextTest, AScopeSetsThisThreadsTraceAndRestoresTheOuterOne) {
  SeededRandom random(1);
  const TraceContext outer = NewTrace(&random);
  const TraceContext inner = ChildSpan(outer, &random);
  EXPECT_FALSE(CurrentTrace().has_value());
  {
    TraceScope a(outer);
    {
      TraceScope b(inner);
      EXPECT_EQ(CurrentTrace(), inner);
      std::thread([] { EXPECT_FALSE(CurrentTrace().has_value()) << "per thread"; }).join();
    }
    EXPECT_EQ(CurrentTrace(), outer);
  }
  EXPECT_FALSE(CurrentTrace().has_value());
}

}  // namespace
}  // namespace dreichor
