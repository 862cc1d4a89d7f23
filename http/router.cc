#include "http/router.h"

#include "http/reply.h"

namespace dreichor::http {

std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t end = std::min(path.find('/', i), path.size());
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string_view RouteParams::Get(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  return {};
}

void Router::Add(Method method, std::string_view pattern, RouteHandler handler) {
  Route route{method, {}, std::move(handler)};
  for (std::string_view s : PathSegments(pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& segments,
                     RouteParams* params) {
  if (route.segments.size() != segments.size()) return false;
  params->values_.clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      params->values_.emplace_back(want.substr(1, want.size() - 2), segments[i]);
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

void Router::Dispatch(const Request& request, Respond respond, const std::string& identity) const {
  const std::string_view target(request.target().data(), request.target().size());
  const size_t q = target.find('?');
  RouteParams params;
  params.identity_ = identity;
  params.path_ = std::string(target.substr(0, q));
  params.query_ = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  const std::vector<std::string_view> segments = PathSegments(params.path_);
  std::string allowed;
  for (const Route& route : routes_) {
    if (!Matches(route, segments, &params)) continue;
    if (route.method == request.method()) return route.handler(request, params, std::move(respond));
    const std::string name(boost::beast::http::to_string(route.method));
    if (allowed.find(name) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + name;
  }
  if (allowed.empty()) {
    return respond(ErrorReply(kNotFound, "no route " + params.path_));
  }
  Response r = ErrorReply(kMethodNotAllowed, params.path_ + " accepts " + allowed + " only");
  r.set(boost::beast::http::field::allow, allowed);
  respond(std::move(r));
}

}  // namespace dreichor::http
