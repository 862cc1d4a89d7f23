// The route table: literal and parameter segments, 404 and 405 with Allow, the query string and
// the identity handed to the handler.
#include "http/router.h"

#include <gtest/gtest.h>

namespace dreichor::http {
namespace {

Request Make(Method method, const std::string& target) {
  Request r{method, target, 11};
  return r;
}

// Runs Dispatch and returns the response it produced synchronously.
Response DispatchNow(const Router& router, const Request& request,
                     const std::string& identity = "") {
  Response out;
  router.Dispatch(request, Respond([&out](Respond::Builder build) { out = build(); }), identity);
  return out;
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  std::string seen;
  router.Add(Method::get, "/v1/markets/{market}/depth",
             [&](const Request&, const RouteParams& p, Respond r) {
               seen = std::string(p.Get("market")) + "|" + p.query() + "|" + p.identity();
               r(Response{boost::beast::http::status::ok, 11});
             });
  EXPECT_EQ(
      DispatchNow(router, Make(Method::get, "/v1/markets/42/depth?levels=5"), "alice").result_int(),
      200u);
  EXPECT_EQ(seen, "42|levels=5|alice");
  EXPECT_EQ(DispatchNow(router, Make(Method::get, "//v1/markets/7/depth/")).result_int(), 200u)
      << "empty segments are ignored";
  EXPECT_EQ(seen, "7||");
}

TEST(RouterTest, UnknownPathsAre404AndOtherMethods405WithAllow) {
  Router router;
  auto ok = [](const Request&, const RouteParams&, Respond r) {
    r(Response{boost::beast::http::status::ok, 11});
  };
  router.Add(Method::post, "/v1/orders", ok);
  router.Add(Method::get, "/v1/orders/{id}", ok);
  router.Add(Method::delete_, "/v1/orders/{id}", ok);
  const Response missing = DispatchNow(router, Make(Method::get, "/v1/nowhere"));
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_NE(missing.body().find("\"code\":\"not_found\""), std::string::npos) << missing.body();
  const Response wrong = DispatchNow(router, Make(Method::get, "/v1/orders"));
  EXPECT_EQ(wrong.result_int(), 405u);
  EXPECT_EQ(wrong[boost::beast::http::field::allow], "POST");
  const Response put = DispatchNow(router, Make(Method::put, "/v1/orders/9"));
  EXPECT_EQ(put.result_int(), 405u);
  EXPECT_EQ(put[boost::beast::http::field::allow], "GET, DELETE");
  EXPECT_EQ(DispatchNow(router, Make(Method::get, "/v1/orders/9/extra")).result_int(), 404u)
      << "a pattern matches exactly as many segments";
}

}  // namespace
}  // namespace dreichor::http
