// Router: a service's route table, method + path pattern -> handler.
//
// A pattern is literal segments and {name} parameters: "/v1/markets/{market}/depth". A path
// matches a pattern with as many segments when every literal segment is equal (empty segments,
// as in "//" or a trailing "/", are ignored). The first route whose pattern and method match
// handles the request. A path that matches only under other methods is answered 405 with an
// Allow header; a path that matches no pattern, 404. Both in the one error shape.
//
//   Router router;
//   router.Add(Method::get, "/v1/markets/{market}",
//              [](const Request& r, const RouteParams& p, Respond respond) {
//                respond(JsonReply(200, Lookup(p.Get("market"))));
//              });
//   router.Dispatch(request, std::move(respond));
//
// Thread-safe for Dispatch once every route is added.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace dreichor::http {

using Method = boost::beast::http::verb;

// The parts of a matched request a handler reads: path parameters and the raw query string.
class RouteParams {
 public:
  // The raw text of the path segment named {name}; empty if the pattern has no such name.
  std::string_view Get(std::string_view name) const;
  // Everything after '?', without it ("" when none).
  const std::string& query() const { return query_; }
  const std::string& path() const { return path_; }
  // Who the service authenticated before dispatching ("" when nobody: public routes).
  const std::string& identity() const { return identity_; }

 private:
  friend class Router;
  std::string path_;
  std::string identity_;
  std::string query_;
  std::vector<std::pair<std::string, std::string>> values_;
};

using RouteHandler = std::function<void(const Request&, const RouteParams&, Respond)>;

class Router {
 public:
  void Add(Method method, std::string_view pattern, RouteHandler handler);
  // Hands the request to its route, or answers 404/405. `identity` is passed on to the handler.
  void Dispatch(const Request& request, Respond respond, const std::string& identity = "") const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;  // "{name}" for a parameter
    RouteHandler handler;
  };
  static bool Matches(const Route& route, const std::vector<std::string_view>& segments,
                      RouteParams* params);

  std::vector<Route> routes_;
};

// The non-empty segments of a path: "/v1//markets/" -> {"v1", "markets"}.
std::vector<std::string_view> PathSegments(std::string_view path);

}  // namespace dreichor::http
